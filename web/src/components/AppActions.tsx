// Deploy, stop and savepoint, with the dialogs for their choices. Each action answers 202 with an
// operation; it is followed to its end (progress in a notification, and on the detail page in
// words under the buttons), and buttons the state forbids are disabled with the reason.
import { Alert, Button, Checkbox, Group, Loader, Menu, Modal, Radio, Select, Stack, Text, TextInput, Tooltip } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useEffect, useState } from "react";
import { apps } from "../api/endpoints";
import { describeError } from "../api/errors";
import type { App, Operation } from "../api/types";
import { ActionKind, availability, followOperation, operationSummary } from "../lib/actions";
import { useLoad } from "../lib/hooks";
import { FormError, formatTime } from "./common";

const VERB: Record<ActionKind, string> = { deploy: "Deploying", stop: "Stopping", savepoint: "Taking a savepoint of" };
const NOUN: Record<ActionKind, string> = { deploy: "Deploy", stop: "Stop", savepoint: "Savepoint" };

export interface OperationProgress {
  kind: ActionKind;
  op?: Operation;
  done: boolean;
  ok?: boolean;
  text: string;
}

let counter = 0;

// Starts an action and follows its operation; `progress` is what to show meanwhile and after.
export function useOperation(app: App, onChanged: () => void) {
  const [progress, setProgress] = useState<OperationProgress | null>(null);
  async function run(kind: ActionKind, start: () => Promise<Operation>): Promise<string | null> {
    const id = `op-${++counter}`;
    const title = `${VERB[kind]} ${app.name}`;
    notifications.show({ id, loading: true, title: title + "…", message: "Asking the server", autoClose: false, withCloseButton: false });
    setProgress({ kind, done: false, text: "Asking the server…" });
    let first: Operation;
    try {
      first = await start();
    } catch (error) {
      const text = describeError(error);
      notifications.update({ id, loading: false, color: "red", title: `${NOUN[kind]} refused`, message: text, autoClose: 8000, withCloseButton: true });
      setProgress({ kind, done: true, ok: false, text });
      return text;
    }
    onChanged();
    const show = (op: Operation) => {
      const text = `Operation ${op.id}: ${op.state.toLowerCase()}`;
      notifications.update({ id, loading: true, title: title + "…", message: text, autoClose: false, withCloseButton: false });
      setProgress({ kind, op, done: false, text });
    };
    try {
      const op = await followOperation(first, apps.operation, { intervalMs: 1000, onUpdate: show });
      const ok = op.state === "SUCCEEDED";
      const text = operationSummary(op);
      notifications.update({ id, loading: false, color: ok ? "green" : "red", title: `${NOUN[kind]} of ${app.name} ${ok ? "succeeded" : "failed"}`, message: text, autoClose: ok ? 4000 : 10000, withCloseButton: true });
      setProgress({ kind, op, done: true, ok, text });
    } catch (error) {
      const text = describeError(error);
      notifications.update({ id, loading: false, color: "red", title: `${NOUN[kind]} of ${app.name}: no answer`, message: text, autoClose: 10000, withCloseButton: true });
      setProgress({ kind, done: true, ok: false, text });
    }
    onChanged();
    return null;
  }
  return { progress, run, clear: () => setProgress(null) };
}

export function ProgressLine({ progress, onClose }: { progress: OperationProgress | null; onClose?: () => void }) {
  if (!progress) return null;
  const title = progress.done ? `${NOUN[progress.kind]} ${progress.ok ? "succeeded" : "failed"}` : `${NOUN[progress.kind]} in progress`;
  return (
    <Alert data-testid="operation-progress" color={!progress.done ? "blue" : progress.ok ? "green" : "red"} title={title} icon={progress.done ? undefined : <Loader size="xs" />}
      withCloseButton={progress.done && !!onClose} onClose={onClose} py="xs">
      <Text size="sm">{progress.text}</Text>
    </Alert>
  );
}

interface Props {
  app: App;
  onChanged: () => void;
  compact?: boolean;
  // Opens the deploy dialog with this restore path (the "deploy from this" of a savepoint).
  deployFrom?: { path: string; n: number } | null;
  showProgress?: boolean;
}

export function AppActions({ app, onChanged, compact, deployFrom, showProgress }: Props) {
  const [dialog, setDialog] = useState<"deploy" | "stop" | null>(null);
  const [initialPath, setInitialPath] = useState<string | null>(null);
  const operation = useOperation(app, onChanged);
  const deploy = availability(app, "deploy");
  const stop = availability(app, "stop");
  const savepoint = availability(app, "savepoint");
  useEffect(() => {
    if (deployFrom) { setInitialPath(deployFrom.path); setDialog("deploy"); }
  }, [deployFrom]);
  const triggerSavepoint = () => operation.run("savepoint", () => apps.savepoint(app.id));
  const openDeploy = () => { setInitialPath(null); setDialog("deploy"); };
  const size = compact ? "compact-xs" : "sm";
  const dialogs = (
    <>
      {dialog === "deploy" && <DeployDialog app={app} initialPath={initialPath} onClose={() => setDialog(null)} run={operation.run} />}
      {dialog === "stop" && <StopDialog app={app} onClose={() => setDialog(null)} run={operation.run} />}
    </>
  );
  if (compact) {
    // The list's row: the likely action as a button, all three in the menu with the reason when not.
    return (
      <>
        <Group gap={4} wrap="nowrap" justify="flex-end">
          {stop.allowed
            ? <Button size={size} color="red" variant="light" onClick={() => setDialog("stop")}>Stop</Button>
            : <Button size={size} variant="light" disabled={!deploy.allowed} title={deploy.reason} onClick={openDeploy}>Deploy</Button>}
          <Menu position="bottom-end" withinPortal>
            <Menu.Target><Button size={size} variant="subtle" aria-label={`More actions for ${app.name}`}>⋯</Button></Menu.Target>
            <Menu.Dropdown maw={320}>
              <MenuAction label="Deploy…" allowed={deploy} onClick={openDeploy} />
              <MenuAction label="Stop…" allowed={stop} onClick={() => setDialog("stop")} />
              <MenuAction label="Trigger savepoint" allowed={savepoint} onClick={triggerSavepoint} />
              {app.web_url && <Menu.Item component="a" href={app.web_url} target="_blank" rel="noreferrer">Open in Flink web UI ↗</Menu.Item>}
            </Menu.Dropdown>
          </Menu>
        </Group>
        {dialogs}
      </>
    );
  }
  return (
    <Stack gap="xs" align="flex-end">
      <Group gap="xs" wrap="nowrap">
        <Guarded allowed={deploy}><Button onClick={openDeploy} disabled={!deploy.allowed}>Deploy</Button></Guarded>
        <Guarded allowed={stop}><Button color="red" variant="light" onClick={() => setDialog("stop")} disabled={!stop.allowed}>Stop</Button></Guarded>
        <Guarded allowed={savepoint}><Button variant="default" onClick={triggerSavepoint} disabled={!savepoint.allowed}>Savepoint</Button></Guarded>
      </Group>
      {showProgress && <div style={{ minWidth: 360, maxWidth: 520 }}><ProgressLine progress={operation.progress} onClose={operation.clear} /></div>}
      {dialogs}
    </Stack>
  );
}

function Guarded({ allowed, children }: { allowed: { allowed: boolean; reason?: string }; children: React.ReactNode }) {
  if (allowed.allowed) return <>{children}</>;
  return <Tooltip label={allowed.reason} multiline w={280} withinPortal><span data-reason={allowed.reason}>{children}</span></Tooltip>;
}

function MenuAction({ label, allowed, onClick }: { label: string; allowed: { allowed: boolean; reason?: string }; onClick: () => void }) {
  return (
    <Menu.Item disabled={!allowed.allowed} onClick={onClick}>
      {label}
      {!allowed.allowed && <Text size="xs" c="dimmed">{allowed.reason}</Text>}
    </Menu.Item>
  );
}

type Run = (kind: ActionKind, start: () => Promise<Operation>) => Promise<string | null>;

function DeployDialog({ app, initialPath, onClose, run }: { app: App; initialPath: string | null; onClose: () => void; run: Run }) {
  const savepoints = useLoad(() => apps.savepoints(app.id), [app.id]);
  const points = savepoints.data?.items ?? [];
  const [restore, setRestore] = useState<"none" | "latest" | "chosen" | "path">(initialPath ? "chosen" : app.version ? "latest" : "none");
  const [chosen, setChosen] = useState<string | null>(initialPath);
  const [path, setPath] = useState("");
  const [allowNonRestored, setAllowNonRestored] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const target = restore === "path" ? path.trim() : restore === "chosen" ? chosen ?? "" : restore;
  async function deploy() {
    setBusy(true);
    setError(null);
    const body = { restore: target, allow_non_restored_state: restore !== "none" && allowNonRestored ? true : undefined };
    // The dialog closes once the server took the deploy; its progress shows on the page.
    let accepted = false;
    const refused = await run("deploy", async () => { const op = await apps.deploy(app.id, body); accepted = true; onClose(); return op; });
    if (!accepted) { setError(refused); setBusy(false); }
  }
  const options = points.map((p) => ({ value: p.path, label: `${p.kind} ${formatTime(p.created_at)}: ${p.path}` }));
  if (chosen && !options.some((o) => o.value === chosen)) options.unshift({ value: chosen, label: chosen });
  return (
    <Modal opened onClose={onClose} title={`Deploy ${app.name}`} size="lg">
      <Stack>
        <Text size="sm">Version {app.draft_version ?? "?"} will run{app.version ? ` (version ${app.version} ran last)` : ""}.</Text>
        <Radio.Group label="Start from" value={restore} onChange={(v) => setRestore(v as typeof restore)}>
          <Stack gap={6} mt={6}>
            <Radio value="none" label="Empty state" />
            <Radio value="latest" label={`The latest savepoint or retained checkpoint${points[0] ? ` (${points[0].kind} of ${formatTime(points[0].created_at)})` : " (there is none yet)"}`} />
            <Radio value="chosen" label="A savepoint or checkpoint of this application" disabled={options.length === 0} />
            <Radio value="path" label="A savepoint path" />
          </Stack>
        </Radio.Group>
        {restore === "chosen" && <Select label="Savepoint or checkpoint" data={options} value={chosen} onChange={setChosen} allowDeselect={false} comboboxProps={{ withinPortal: true }} />}
        {restore === "path" && <TextInput label="Savepoint path" placeholder="file:///savepoints/savepoint-abc" value={path} onChange={(e) => setPath(e.currentTarget.value)} />}
        {restore !== "none" && <Checkbox label="Allow state that no operator claims (after removing operators)" checked={allowNonRestored} onChange={(e) => setAllowNonRestored(e.currentTarget.checked)} />}
        <FormError text={error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>Cancel</Button>
          <Button onClick={deploy} loading={busy} disabled={!target}>Deploy</Button>
        </Group>
      </Stack>
    </Modal>
  );
}

function StopDialog({ app, onClose, run }: { app: App; onClose: () => void; run: Run }) {
  const [mode, setMode] = useState<"savepoint" | "drain" | "cancel">("savepoint");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  async function stop() {
    setBusy(true);
    setError(null);
    const body = mode === "cancel" ? { savepoint: false } : { savepoint: true, drain: mode === "drain" };
    let accepted = false;
    const refused = await run("stop", async () => { const op = await apps.stop(app.id, body); accepted = true; onClose(); return op; });
    if (!accepted) { setError(refused); setBusy(false); }
  }
  return (
    <Modal opened onClose={onClose} title={`Stop ${app.name}`}>
      <Stack>
        <Radio.Group label="How" value={mode} onChange={(v) => setMode(v as typeof mode)}>
          <Stack gap={6} mt={6}>
            <Radio value="savepoint" label="With a savepoint (to start again where it stopped)" />
            <Radio value="drain" label="With a savepoint, draining: flush windows and timers first (ends event time)" />
            <Radio value="cancel" label="Cancel the job, no savepoint" />
          </Stack>
        </Radio.Group>
        {mode === "cancel" && <Text size="sm" c="orange">Without a savepoint a new deploy starts from the latest retained checkpoint at best.</Text>}
        <FormError text={error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>Back</Button>
          <Button color="red" onClick={stop} loading={busy}>{mode === "cancel" ? "Cancel job" : "Stop with savepoint"}</Button>
        </Group>
      </Stack>
    </Modal>
  );
}
