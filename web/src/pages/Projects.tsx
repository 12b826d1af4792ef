// Custom-code jobs from Git: the team's projects (URL, ref, credentials that are never shown
// again but can be replaced at any time, Maven arguments), and for one project its builds (start,
// cancel, the log as it grows), the history and the jars of the newest successful build.
import { Alert, Anchor, Badge, Button, Code, Group, Modal, PasswordInput, ScrollArea, SegmentedControl, Stack, Switch, Table, Text, TextInput, Textarea, Title } from "@mantine/core";
import { FormEvent, useEffect, useState } from "react";
import { Link, useParams } from "react-router-dom";
import { projects } from "../api/endpoints";
import type { Project } from "../api/types";
import { EmptyState, ErrorAlert, FormError, Loading, PageHeader, formatTime } from "../components/common";
import { followBuildLog } from "../lib/buildLog";
import { useAction, useLoad, usePoll } from "../lib/hooks";
import { CredentialChoice, ProjectErrors, ProjectValues, buildArgsFromText, credentialsFromValues, emptyProject, validateProject } from "../lib/projectForm";
import { canEdit, useSession } from "../session";

const BUILD_COLORS: Record<string, string> = { SUCCEEDED: "green", FAILED: "red", RUNNING: "blue", PENDING: "yellow", CANCELLED: "gray", INTERRUPTED: "orange" };
const ENDED = new Set(["SUCCEEDED", "FAILED", "CANCELLED", "INTERRUPTED"]);

function BuildBadge({ state }: { state: string }) {
  return <Badge color={BUILD_COLORS[state] ?? "gray"} variant="light" data-testid="build-state">{state}</Badge>;
}

export function ProjectsPage() {
  const { me, team } = useSession();
  const list = useLoad(() => projects.list(team?.id), [team?.id]);
  const [editing, setEditing] = useState<Project | "new" | null>(null);
  const editable = canEdit(me, team?.id);
  return (
    <>
      <PageHeader title="Projects" description={team ? `Git repositories of team ${team.name}, built with Maven into jobs' jars` : undefined}>
        <Button onClick={() => setEditing("new")} disabled={!editable || !team}>New project</Button>
      </PageHeader>
      <ErrorAlert error={list.error} onRetry={list.reload} />
      {list.loading && !list.data ? <Loading /> : list.data && list.data.items.length === 0 ? (
        <EmptyState title="No projects" action={editable ? <Button onClick={() => setEditing("new")}>Add a Git project</Button> : undefined}>
          Keep custom Flink jobs in Git: Sluice fetches the branch or tag, runs Maven, and lists the jars a JAR application can run.
        </EmptyState>
      ) : list.data && (
        <Table striped data-testid="projects-table">
          <Table.Thead><Table.Tr><Table.Th>Name</Table.Th><Table.Th>Repository</Table.Th><Table.Th>Ref</Table.Th><Table.Th>Credentials</Table.Th><Table.Th>Changed</Table.Th></Table.Tr></Table.Thead>
          <Table.Tbody>
            {list.data.items.map((p) => (
              <Table.Tr key={p.id} data-testid={`project-${p.name}`}>
                <Table.Td><Anchor component={Link} to={`/projects/${p.id}`} fw={500} size="sm">{p.name}</Anchor></Table.Td>
                <Table.Td><Code style={{ wordBreak: "break-all" }}>{p.git_url}</Code></Table.Td>
                <Table.Td><Code>{p.ref}</Code></Table.Td>
                <Table.Td><Text size="sm">{p.credentials ? (p.credentials.kind === "password" ? `user ${p.credentials.username}` : "SSH key") : "none"}</Text></Table.Td>
                <Table.Td>{formatTime(p.updated_at ?? p.created_at)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {editing && team && <EditProject teamId={team.id} project={editing === "new" ? null : editing} onClose={() => setEditing(null)} onDone={list.reload} />}
    </>
  );
}

function EditProject({ teamId, project, onClose, onDone }: { teamId: number; project: Project | null; onClose: () => void; onDone: (p: Project) => void }) {
  const [values, setValues] = useState<ProjectValues>(() => project ? {
    ...emptyProject(), name: project.name, gitUrl: project.git_url, ref: project.ref, credentials: "keep",
    buildArgs: (project.build_args ?? []).join("\n"), description: project.description ?? "",
  } : emptyProject());
  const [errors, setErrors] = useState<ProjectErrors>({});
  const action = useAction();
  const set = <K extends keyof ProjectValues>(key: K, value: ProjectValues[K]) => setValues((v) => ({ ...v, [key]: value }));
  async function submit(e: FormEvent) {
    e.preventDefault();
    const found = validateProject(values);
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    const credentials = credentialsFromValues(values);
    const body: Record<string, unknown> = { name: values.name.trim(), git_url: values.gitUrl.trim(), ref: values.ref.trim(), build_args: buildArgsFromText(values.buildArgs), description: values.description };
    if (credentials !== undefined) body.credentials = credentials;
    const outcome = project
      ? await action.run(`Saving ${values.name}`, () => projects.update(project.id, body), `${values.name} saved`)
      : await action.run(`Creating ${values.name} (asking the remote first)`, () => projects.create({ ...(body as { name: string; git_url: string }), team_id: teamId }), `${values.name} created`);
    if (outcome.ok) { onDone(outcome.value); onClose(); }
  }
  const choices = [
    ...(project ? [{ value: "keep", label: project.credentials ? "Keep the stored ones" : "Keep (none)" }] : []),
    { value: "none", label: "None" }, { value: "password", label: "User and password or token" }, { value: "ssh_key", label: "SSH private key" },
  ];
  return (
    <Modal opened onClose={onClose} title={project ? `Edit ${project.name}` : "New Git project"} size="lg">
      <form onSubmit={submit} noValidate>
        <Stack>
          <TextInput label="Name" required value={values.name} onChange={(e) => set("name", e.currentTarget.value)} error={errors.name} />
          <TextInput label="Git URL" required placeholder="https://git.example.com/data/jobs.git" description="HTTPS, SSH (git@host:repo.git) or a local path" value={values.gitUrl} onChange={(e) => set("gitUrl", e.currentTarget.value)} error={errors.gitUrl} />
          <TextInput label="Branch or tag" required value={values.ref} onChange={(e) => set("ref", e.currentTarget.value)} error={errors.ref} />
          <Stack gap={4}>
            <Text size="sm" fw={500}>Credentials</Text>
            <SegmentedControl data={choices} value={values.credentials} onChange={(v) => set("credentials", v as CredentialChoice)} />
            <Text size="xs" c="dimmed">Stored encrypted and never shown again; replace them here when the password rotates.</Text>
          </Stack>
          {values.credentials === "password" && (
            <Group grow>
              <TextInput label="User" value={values.username} onChange={(e) => set("username", e.currentTarget.value)} error={errors.username} autoComplete="off" />
              <PasswordInput label="Password or token" value={values.password} onChange={(e) => set("password", e.currentTarget.value)} error={errors.password} autoComplete="new-password" />
            </Group>
          )}
          {values.credentials === "ssh_key" && (
            <Textarea label="Private key" autosize minRows={3} maxRows={8} styles={{ input: { fontFamily: "monospace" } }} value={values.privateKey} onChange={(e) => set("privateKey", e.currentTarget.value)} error={errors.privateKey} placeholder="-----BEGIN OPENSSH PRIVATE KEY-----" />
          )}
          <Textarea label="Maven arguments" description="One a line, added to mvn -B package (tests are skipped unless a build asks for them)" autosize minRows={2} styles={{ input: { fontFamily: "monospace" } }} placeholder={"-pl\njobs\n-am"} value={values.buildArgs} onChange={(e) => set("buildArgs", e.currentTarget.value)} error={errors.buildArgs} />
          <TextInput label="Description" value={values.description} onChange={(e) => set("description", e.currentTarget.value)} />
          <FormError text={action.error} />
          <Group justify="flex-end"><Button variant="default" onClick={onClose}>Cancel</Button><Button type="submit" loading={action.running}>{project ? "Save" : "Create"}</Button></Group>
        </Stack>
      </form>
    </Modal>
  );
}

export function ProjectDetailPage() {
  const { id } = useParams();
  const projectId = Number(id);
  const { me } = useSession();
  const project = useLoad(() => projects.get(projectId), [projectId]);
  const builds = useLoad(() => projects.builds(projectId), [projectId]);
  const artifacts = useLoad(() => projects.artifacts(projectId).catch(() => ({ items: [] })), [projectId]);
  const [editing, setEditing] = useState(false);
  const [shown, setShown] = useState<number | null>(null);
  const [tests, setTests] = useState(false);
  const action = useAction();
  const running = (builds.data?.items ?? []).some((b) => !ENDED.has(b.state));
  usePoll(builds.reload, 2000, running);
  // The jars change when a build succeeds: read them again once it has.
  const newest = builds.data?.items[0];
  const newestDone = newest && newest.state === "SUCCEEDED" ? newest.id : null;
  const reloadArtifacts = artifacts.reload;
  useEffect(() => { if (newestDone) reloadArtifacts(); }, [newestDone, reloadArtifacts]);
  if (!Number.isInteger(projectId)) return <ErrorAlert error={new Error(`"${id}" is not a project id.`)} />;
  if (project.loading && !project.data) return <Loading what="Loading the project" />;
  if (!project.data) return <ErrorAlert error={project.error} title="Could not load the project" onRetry={project.reload} />;
  const p = project.data;
  const editable = canEdit(me, p.team_id);
  async function build() {
    const outcome = await action.run(`Starting a build of ${p.name}`, () => projects.build(p.id, tests), "Build started");
    if (outcome.ok) { setShown(outcome.value.id); builds.reload(); }
  }
  const current = shown ?? builds.data?.items[0]?.id ?? null;
  return (
    <>
      <Group justify="space-between" align="flex-start" mb="md">
        <Stack gap={2}>
          <Anchor component={Link} to="/projects" size="sm">Projects</Anchor>
          <Title order={2}>{p.name}</Title>
          <Text size="sm"><Code>{p.git_url}</Code> at <Code>{p.ref}</Code></Text>
        </Stack>
        {editable && (
          <Group>
            <Switch label="Run the tests" checked={tests} onChange={(e) => setTests(e.currentTarget.checked)} />
            <Button variant="default" onClick={() => setEditing(true)}>Edit</Button>
            <Button onClick={build} loading={action.running} disabled={running}>Build</Button>
          </Group>
        )}
      </Group>
      <FormError text={action.error} />
      <Title order={4} mt="md" mb="xs">Jars of the newest successful build</Title>
      {artifacts.data && artifacts.data.items.length > 0 ? (
        <Table striped data-testid="artifacts-table">
          <Table.Thead><Table.Tr><Table.Th>Module</Table.Th><Table.Th>Jar</Table.Th><Table.Th>Main class</Table.Th></Table.Tr></Table.Thead>
          <Table.Tbody>
            {artifacts.data.items.map((a) => (
              <Table.Tr key={a.module + a.jar}><Table.Td>{a.module}</Table.Td><Table.Td><Code>{a.jar}</Code></Table.Td><Table.Td>{a.main_class ? <Code>{a.main_class}</Code> : <Text size="xs" c="dimmed">none in the manifest</Text>}</Table.Td></Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      ) : <Text size="sm" c="dimmed">No successful build yet: build the project to list its jars.</Text>}
      <Title order={4} mt="lg" mb="xs">Builds</Title>
      <ErrorAlert error={builds.error} onRetry={builds.reload} />
      {builds.data && builds.data.items.length === 0 && <Text size="sm" c="dimmed">Never built.</Text>}
      {builds.data && builds.data.items.length > 0 && (
        <Table striped highlightOnHover data-testid="builds-table">
          <Table.Thead><Table.Tr><Table.Th>#</Table.Th><Table.Th>State</Table.Th><Table.Th>Commit</Table.Th><Table.Th>Who</Table.Th><Table.Th>Started</Table.Th><Table.Th>Took</Table.Th><Table.Th /></Table.Tr></Table.Thead>
          <Table.Tbody>
            {builds.data.items.map((b) => (
              <Table.Tr key={b.id} onClick={() => setShown(b.id)} style={{ cursor: "pointer" }} bg={b.id === current ? "var(--mantine-color-blue-light)" : undefined}>
                <Table.Td>{b.id}</Table.Td>
                <Table.Td><BuildBadge state={b.state} />{b.error && <Text size="xs" c="red" lineClamp={2}>{b.error.message}</Text>}</Table.Td>
                <Table.Td>{b.commit ? <Code>{b.commit.slice(0, 10)}</Code> : "—"}</Table.Td>
                <Table.Td>{b.created_by ?? ""}</Table.Td>
                <Table.Td>{formatTime(b.started_at ?? b.created_at)}</Table.Td>
                <Table.Td>{b.duration_ms ? `${(b.duration_ms / 1000).toFixed(1)} s` : ""}</Table.Td>
                <Table.Td>{editable && !ENDED.has(b.state) && <Button size="compact-xs" variant="subtle" color="red" onClick={(e) => { e.stopPropagation(); void action.run(`Cancelling build ${b.id}`, () => projects.cancelBuild(b.id), "Cancelled").then(builds.reload); }}>Cancel</Button>}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {current && <BuildLog key={current} buildId={current} />}
      {editing && <EditProject teamId={p.team_id} project={p} onClose={() => setEditing(false)} onDone={() => project.reload()} />}
    </>
  );
}

// The build's log, followed live (server-sent events) until the build has ended.
function BuildLog({ buildId }: { buildId: number }) {
  const [text, setText] = useState("");
  const [state, setState] = useState("");
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    const abort = new AbortController();
    setText("");
    setState("");
    void projects.getBuild(buildId).then((b) => { if (!abort.signal.aborted) setState((s) => s || b.state); }, () => undefined);
    followBuildLog(buildId, (piece) => setText((t) => t + piece), abort.signal).then(
      (ended) => { if (ended && !abort.signal.aborted) setState(ended.state); },
      (err) => { if (!abort.signal.aborted) setError(err); },
    );
    return () => abort.abort();
  }, [buildId]);
  return (
    <Stack gap={4} mt="md">
      <Group gap="xs"><Text size="sm" fw={500}>Log of build {buildId}</Text>{state && <BuildBadge state={state} />}</Group>
      {error ? <Alert color="red">{String((error as Error).message ?? error)}</Alert> : null}
      <ScrollArea.Autosize mah={420}><Code block data-testid="build-log">{text || "(no output yet)"}</Code></ScrollArea.Autosize>
    </Stack>
  );
}

