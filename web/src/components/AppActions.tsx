// Deploy, stop and savepoint, with the dialogs for their choices. The API's actions answer 202
// with an operation; until they exist on a server, the API's error is shown like any other.
import { Button, Checkbox, Group, Menu, Modal, Radio, Stack, Text, TextInput } from "@mantine/core";
import { useState } from "react";
import { apps } from "../api/endpoints";
import type { App } from "../api/types";
import { useAction } from "../lib/hooks";
import { FormError } from "./common";

const RUNNING_LIKE = new Set(["RUNNING", "RESTARTING", "INITIALIZING", "CREATED", "RECONCILING", "FAILING"]);

export function canDeploy(app: App): boolean {
  return !app.operation && !RUNNING_LIKE.has(app.state) && app.state !== "DEPLOYING" && app.state !== "CANCELLING";
}
export function canStop(app: App): boolean {
  return !app.operation && RUNNING_LIKE.has(app.state);
}

export function AppActions({ app, onChanged, compact }: { app: App; onChanged: () => void; compact?: boolean }) {
  const [dialog, setDialog] = useState<"deploy" | "stop" | null>(null);
  const action = useAction();
  async function savepoint() {
    const outcome = await action.run(`Triggering a savepoint of ${app.name}`, () => apps.savepoint(app.id), "Savepoint triggered");
    if (outcome.ok) onChanged();
  }
  const size = compact ? "compact-xs" : "sm";
  return (
    <>
      <Group gap={4} wrap="nowrap">
        {canStop(app) ? (
          <Button size={size} color="red" variant="light" onClick={() => setDialog("stop")}>Stop</Button>
        ) : (
          <Button size={size} variant="light" disabled={!canDeploy(app)} onClick={() => setDialog("deploy")}>Deploy</Button>
        )}
        <Menu position="bottom-end" withinPortal>
          <Menu.Target><Button size={size} variant="subtle" aria-label={`More actions for ${app.name}`}>⋯</Button></Menu.Target>
          <Menu.Dropdown>
            <Menu.Item disabled={app.state !== "RUNNING"} onClick={savepoint}>Trigger savepoint</Menu.Item>
            {app.web_url && <Menu.Item component="a" href={app.web_url} target="_blank" rel="noreferrer">Open in Flink web UI ↗</Menu.Item>}
          </Menu.Dropdown>
        </Menu>
      </Group>
      <DeployDialog app={app} opened={dialog === "deploy"} onClose={() => setDialog(null)} onDone={onChanged} />
      <StopDialog app={app} opened={dialog === "stop"} onClose={() => setDialog(null)} onDone={onChanged} />
    </>
  );
}

function DeployDialog({ app, opened, onClose, onDone }: { app: App; opened: boolean; onClose: () => void; onDone: () => void }) {
  const [restore, setRestore] = useState<"none" | "latest" | "path">(app.version ? "latest" : "none");
  const [path, setPath] = useState("");
  const [allowNonRestored, setAllowNonRestored] = useState(false);
  const action = useAction();
  async function deploy() {
    const body = { restore: restore === "path" ? path.trim() : restore, allow_non_restored_state: allowNonRestored || undefined };
    const outcome = await action.run(`Deploying ${app.name}`, () => apps.deploy(app.id, body), `${app.name}: deploy started`);
    if (outcome.ok) { onDone(); onClose(); }
  }
  return (
    <Modal opened={opened} onClose={onClose} title={`Deploy ${app.name}`}>
      <Stack>
        <Text size="sm">Version {app.draft_version ?? "?"} will run{app.version ? ` (version ${app.version} ran last)` : ""}.</Text>
        <Radio.Group label="Start from" value={restore} onChange={(v) => setRestore(v as typeof restore)}>
          <Stack gap={6} mt={6}>
            <Radio value="none" label="Empty state" />
            <Radio value="latest" label="The latest savepoint or retained checkpoint" />
            <Radio value="path" label="A savepoint path" />
          </Stack>
        </Radio.Group>
        {restore === "path" && <TextInput label="Savepoint path" placeholder="file:///savepoints/savepoint-abc" value={path} onChange={(e) => setPath(e.currentTarget.value)} />}
        {restore !== "none" && <Checkbox label="Allow state that no operator claims (after removing operators)" checked={allowNonRestored} onChange={(e) => setAllowNonRestored(e.currentTarget.checked)} />}
        <FormError text={action.error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>Cancel</Button>
          <Button onClick={deploy} loading={action.running} disabled={restore === "path" && !path.trim()}>Deploy</Button>
        </Group>
      </Stack>
    </Modal>
  );
}

function StopDialog({ app, opened, onClose, onDone }: { app: App; opened: boolean; onClose: () => void; onDone: () => void }) {
  const [savepoint, setSavepoint] = useState(true);
  const [drain, setDrain] = useState(false);
  const action = useAction();
  async function stop() {
    const outcome = await action.run(`Stopping ${app.name}`, () => apps.stop(app.id, { savepoint, drain: savepoint ? drain : undefined }), `${app.name}: stop started`);
    if (outcome.ok) { onDone(); onClose(); }
  }
  return (
    <Modal opened={opened} onClose={onClose} title={`Stop ${app.name}`}>
      <Stack>
        <Checkbox label="Take a savepoint first (to start again where it stopped)" checked={savepoint} onChange={(e) => setSavepoint(e.currentTarget.checked)} />
        {savepoint && <Checkbox label="Drain: flush windows and timers before stopping (ends event time)" checked={drain} onChange={(e) => setDrain(e.currentTarget.checked)} />}
        {!savepoint && <Text size="sm" c="orange">Without a savepoint the job is cancelled; a new deploy starts from the latest retained checkpoint at best.</Text>}
        <FormError text={action.error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>Cancel</Button>
          <Button color="red" onClick={stop} loading={action.running}>{savepoint ? "Stop with savepoint" : "Cancel job"}</Button>
        </Group>
      </Stack>
    </Modal>
  );
}
