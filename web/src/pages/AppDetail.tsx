// One application: its state (read again on each of its live events, or every 1.5 s while the
// event stream is down and an operation runs or the state is not terminal), versions, job and Flink UI link, the last error, the actions, and tabs for the
// timeline, the start log, the job's exceptions, the savepoints and checkpoints, and its alerting
// (rules over the team's defaults, maintenance windows, the alerts it raised).
import { Alert, Anchor, Badge, Button, Code, Group, Modal, Paper, ScrollArea, Stack, Table, Tabs, Text, Title, Tooltip } from "@mantine/core";
import { useState } from "react";
import { Link, useNavigate, useParams } from "react-router-dom";
import { apps } from "../api/endpoints";
import type { App } from "../api/types";
import { AppActions } from "../components/AppActions";
import { AppAlerts } from "../components/AppAlerts";
import { EmptyState, ErrorAlert, FormError, LiveBadge, Loading, StateBadge, formatTime } from "../components/common";
import { availability, deletable, shouldPoll } from "../lib/actions";
import { useAction, useLoad, usePoll } from "../lib/hooks";
import { type LiveStatus, useAppEvents, useCoalesced, useLiveStatus } from "../lib/liveEvents";
import { canEdit, useSession } from "../session";

export function AppDetailPage() {
  const { id } = useParams();
  const appId = Number(id);
  const loaded = useLoad(() => apps.get(appId), [appId]);
  const live = useLiveStatus();
  const refresh = useCoalesced(loaded.reload);
  useAppEvents(refresh, (event) => event.app_id === appId);
  usePoll(loaded.reload, 1500, live !== "live" && shouldPoll(loaded.data));
  if (!Number.isInteger(appId)) return <ErrorAlert error={new Error(`"${id}" is not an application id.`)} />;
  if (loaded.loading && !loaded.data) return <Loading what="Loading the application" />;
  if (!loaded.data) return <ErrorAlert error={loaded.error} title="Could not load the application" onRetry={loaded.reload} />;
  return <Detail app={loaded.data} reload={loaded.reload} live={live} />;
}

function Detail({ app, reload, live }: { app: App; reload: () => void; live: LiveStatus }) {
  const { me } = useSession();
  const editable = canEdit(me, app.team_id);
  const [deployFrom, setDeployFrom] = useState<{ path: string; n: number } | null>(null);
  const [tab, setTab] = useState<string | null>("timeline");
  // The tabs read again whenever the state, the job or the operation moves.
  const moment = `${app.state}|${app.job_id ?? ""}|${app.operation?.id ?? ""}:${app.operation?.state ?? ""}`;
  return (
    <>
      <Group justify="space-between" align="flex-start" mb="md" wrap="nowrap">
        <Stack gap={4}>
          <Group gap="xs"><Anchor component={Link} to="/apps" size="sm">Applications</Anchor><Text size="sm" c="dimmed">/</Text></Group>
          <Group gap="sm">
            <Title order={2}>{app.name}</Title>
            <Badge variant="outline" size="sm">{app.kind.toUpperCase()}</Badge>
            <span data-testid="app-state"><StateBadge state={app.state} /></span>
            <LiveBadge status={live} />
            {app.operation && <Badge variant="dot" data-testid="operation-badge">{app.operation.kind} {app.operation.state.toLowerCase()}…</Badge>}
          </Group>
          {app.description && <Text size="sm" c="dimmed">{app.description}</Text>}
          <Group gap="lg" mt={4}>
            <Fact label="Deployed">{app.version ? `v${app.version}` : "never"}</Fact>
            <Fact label="Draft">
              <Anchor component={Link} to={`/apps/${app.id}/versions`} size="sm">v{app.draft_version ?? "?"}</Anchor>
              {app.version && app.draft_version && app.version !== app.draft_version ? <Text span size="xs" c="orange"> (not deployed yet)</Text> : null}
            </Fact>
            <Fact label="Job"><span data-testid="job-id">{app.job_id ? <Code>{app.job_id}</Code> : "none"}</span></Fact>
            <Fact label="State since">{formatTime(app.state_changed_at)}</Fact>
            {app.web_url && <Anchor href={app.web_url} target="_blank" rel="noreferrer" size="sm" data-testid="flink-ui-link">Job in the Flink web UI ↗</Anchor>}
          </Group>
        </Stack>
        <Stack gap="xs" align="flex-end">
          <Group gap="xs" wrap="nowrap">
            <Button variant="default" component={Link} to={`/apps/${app.id}/edit`}>{editable ? "Edit" : "Definition"}</Button>
            <Button variant="default" component={Link} to={`/apps/${app.id}/versions`}>Versions</Button>
            {editable && <DeleteApp app={app} />}
          </Group>
          {editable && <AppActions app={app} onChanged={reload} deployFrom={deployFrom} showProgress />}
        </Stack>
      </Group>
      {app.last_error && <Alert color="red" title="Last error" mb="md" data-testid="last-error"><Text size="sm" style={{ whiteSpace: "pre-wrap" }}>{app.last_error}</Text></Alert>}
      <Tabs value={tab} onChange={setTab} keepMounted={false}>
        <Tabs.List>
          <Tabs.Tab value="timeline">Timeline</Tabs.Tab>
          <Tabs.Tab value="log">Start log</Tabs.Tab>
          <Tabs.Tab value="exceptions">Exceptions</Tabs.Tab>
          <Tabs.Tab value="savepoints">Savepoints &amp; checkpoints</Tabs.Tab>
          <Tabs.Tab value="alerts">Alerts</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="timeline" pt="sm"><Timeline app={app} moment={moment} /></Tabs.Panel>
        <Tabs.Panel value="log" pt="sm"><StartLog app={app} moment={moment} /></Tabs.Panel>
        <Tabs.Panel value="exceptions" pt="sm"><JobExceptions app={app} moment={moment} /></Tabs.Panel>
        <Tabs.Panel value="savepoints" pt="sm">
          <Savepoints app={app} moment={moment} editable={editable} onDeploy={(path) => setDeployFrom((d) => ({ path, n: (d?.n ?? 0) + 1 }))} />
        </Tabs.Panel>
        <Tabs.Panel value="alerts" pt="sm"><AppAlerts app={app} editable={editable} moment={moment} /></Tabs.Panel>
      </Tabs>
    </>
  );
}

function DeleteApp({ app }: { app: App }) {
  const [open, setOpen] = useState(false);
  const action = useAction();
  const navigate = useNavigate();
  const allowed = deletable(app);
  async function remove() {
    const outcome = await action.run(`Deleting ${app.name}`, () => apps.remove(app.id), `${app.name} deleted`);
    if (outcome.ok) navigate("/apps", { replace: true });
  }
  const button = <Button variant="subtle" color="red" disabled={!allowed.allowed} onClick={() => setOpen(true)}>Delete</Button>;
  return (
    <>
      {allowed.allowed ? button : <Tooltip label={allowed.reason} withinPortal><span data-reason={allowed.reason}>{button}</span></Tooltip>}
      <Modal opened={open} onClose={() => setOpen(false)} title={`Delete ${app.name}?`}>
        <Stack>
          <Text size="sm">The application, its versions and its history go; its savepoints stay where Flink wrote them.</Text>
          <FormError text={action.error} />
          <Group justify="flex-end"><Button variant="default" onClick={() => setOpen(false)}>Keep it</Button><Button color="red" onClick={remove} loading={action.running}>Delete {app.name}</Button></Group>
        </Stack>
      </Modal>
    </>
  );
}

function Fact({ label, children }: { label: string; children: React.ReactNode }) {
  return <Stack gap={0}><Text size="xs" c="dimmed">{label}</Text><Text size="sm" component="div">{children}</Text></Stack>;
}

function Timeline({ app, moment }: { app: App; moment: string }) {
  const events = useLoad(() => apps.events(app.id), [app.id, moment]);
  if (events.error) return <ErrorAlert error={events.error} onRetry={events.reload} />;
  if (!events.data) return <Loading what="Loading the timeline" />;
  if (events.data.items.length === 0) return <EmptyState title="Nothing has happened yet">Deploy the application: its state changes and operations show here.</EmptyState>;
  return (
    <Table striped data-testid="timeline">
      <Table.Thead><Table.Tr><Table.Th w={170}>When</Table.Th><Table.Th w={230}>What</Table.Th><Table.Th>Why</Table.Th><Table.Th w={110}>Who</Table.Th></Table.Tr></Table.Thead>
      <Table.Tbody>
        {events.data.items.map((e) => (
          <Table.Tr key={e.id}>
            <Table.Td><Text size="sm">{formatTime(e.at)}</Text></Table.Td>
            <Table.Td>
              {e.kind === "state"
                ? <Group gap={4} wrap="nowrap"><StateBadge state={e.from} /><Text size="sm">→</Text><StateBadge state={e.to} /></Group>
                : <Badge variant="light" color={e.kind === "savepoint" ? "grape" : "gray"}>{e.kind}</Badge>}
            </Table.Td>
            <Table.Td><Text size="sm" style={{ wordBreak: "break-word" }}>{e.cause || "—"}</Text>{e.job_id && <Text size="xs" c="dimmed">job {e.job_id}</Text>}</Table.Td>
            <Table.Td><Text size="sm">{e.user ?? "Sluice"}</Text></Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

function StartLog({ app, moment }: { app: App; moment: string }) {
  const log = useLoad(() => apps.startLog(app.id), [app.id, moment]);
  return (
    <Stack gap="xs">
      <Group justify="space-between">
        <Text size="sm" c="dimmed">The newest deploy's command line (secrets masked), Flink's CLI output and the outcome.</Text>
        <Button size="xs" variant="light" onClick={log.reload} loading={log.loading}>Refresh</Button>
      </Group>
      {log.error ? <ErrorAlert error={log.error} title="No start log" /> : log.data === undefined ? <Loading what="Loading the start log" /> : (
        <Paper withBorder p={0}>
          <ScrollArea.Autosize mah={520}>
            <pre data-testid="start-log" style={{ margin: 0, padding: 12, fontSize: 12, fontFamily: "ui-monospace, SFMono-Regular, Menlo, monospace", whiteSpace: "pre-wrap", wordBreak: "break-all" }}>{log.data || "(empty)"}</pre>
          </ScrollArea.Autosize>
        </Paper>
      )}
    </Stack>
  );
}

function JobExceptions({ app, moment }: { app: App; moment: string }) {
  const found = useLoad(() => apps.exceptions(app.id), [app.id, moment]);
  if (found.error) return <ErrorAlert error={found.error} title="Could not read the job's exceptions" onRetry={found.reload} />;
  if (!found.data) return <Loading what="Asking Flink for the job's exceptions" />;
  const items = found.data.items ?? [];
  return (
    <Stack gap="xs">
      {found.data.root_cause && <Alert color="red" title="Root cause"><Text size="sm" style={{ whiteSpace: "pre-wrap" }}>{found.data.root_cause}</Text></Alert>}
      {items.length === 0 ? <EmptyState title={app.job_id ? "The job has no exceptions" : "No job yet"}>{app.job_id ? "Flink lists none for this job." : "Exceptions are read from Flink once the application runs."}</EmptyState> : items.map((x, i) => (
        <Paper key={i} withBorder p="sm">
          <Group justify="space-between"><Text fw={500} size="sm">{x.exception}</Text><Text size="xs" c="dimmed">{formatTime(x.at)}{x.task ? ` · ${x.task}` : ""}</Text></Group>
          {x.stacktrace && <details><summary style={{ cursor: "pointer", fontSize: 12 }}>Stack trace</summary><pre style={{ fontSize: 11, whiteSpace: "pre-wrap" }}>{x.stacktrace}</pre></details>}
        </Paper>
      ))}
    </Stack>
  );
}

function Savepoints({ app, moment, editable, onDeploy }: { app: App; moment: string; editable: boolean; onDeploy: (path: string) => void }) {
  const list = useLoad(() => apps.savepoints(app.id), [app.id, moment]);
  const deploy = availability(app, "deploy");
  if (list.error) return <ErrorAlert error={list.error} onRetry={list.reload} />;
  if (!list.data) return <Loading what="Loading savepoints" />;
  if (list.data.items.length === 0) return <EmptyState title="No savepoints or checkpoints yet">Stop the job with a savepoint, or trigger one while it runs; retained checkpoints show here too.</EmptyState>;
  return (
    <Table striped data-testid="savepoints-table">
      <Table.Thead><Table.Tr><Table.Th w={110}>Kind</Table.Th><Table.Th>Path</Table.Th><Table.Th w={170}>Taken</Table.Th><Table.Th w={160} /></Table.Tr></Table.Thead>
      <Table.Tbody>
        {list.data.items.map((s, i) => (
          <Table.Tr key={s.id}>
            <Table.Td><Badge variant="light" color={s.kind === "savepoint" ? "grape" : "cyan"}>{s.kind}</Badge>{i === 0 && <Text size="xs" c="dimmed">latest</Text>}</Table.Td>
            <Table.Td><Text size="sm" ff="monospace" style={{ wordBreak: "break-all" }}>{s.path}</Text>{s.job_id && <Text size="xs" c="dimmed">job {s.job_id}</Text>}</Table.Td>
            <Table.Td><Text size="sm">{formatTime(s.created_at)}</Text></Table.Td>
            <Table.Td>{editable && <Button size="compact-xs" variant="light" disabled={!deploy.allowed} title={deploy.reason} onClick={() => onDeploy(s.path)}>Deploy from this</Button>}</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}
