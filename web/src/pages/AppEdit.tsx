import { ActionIcon, Alert, Anchor, Button, Grid, Group, MultiSelect, NumberInput, Paper, SegmentedControl, Select, Stack, Switch, Tabs, TagsInput, Text, TextInput, Textarea, Title } from "@mantine/core";
import { FormEvent, useEffect, useMemo, useState } from "react";
import { Link, useNavigate, useParams, useSearchParams } from "react-router-dom";
import { alertChannels, apps, clusters, flinkEnvs, projects as projectApi, resources as resourceApi } from "../api/endpoints";
import { DependenciesEditor } from "../components/DependenciesEditor";
import type { App } from "../api/types";
import { CodeEditor } from "../components/CodeEditor";
import { SqlChecks } from "../components/SqlChecks";
import { ErrorAlert, FormError, Loading, StateBadge, formatTime } from "../components/common";
import { AppFormValues, FormErrors, createBody, emptyForm, formFromApp, patchBody, validateForm } from "../lib/appForm";
import { useAction, useLoad, usePoll } from "../lib/hooks";
import { formatFlinkSql } from "../lib/sqlFormat";

const MOVING = new Set(["DEPLOYING", "INITIALIZING", "CREATED", "RESTARTING", "CANCELLING", "FAILING", "RECONCILING"]);
import { canEdit, useSession } from "../session";

export function AppEditPage() {
  const { id } = useParams();
  const appId = id ? Number(id) : null;
  const loaded = useLoad(() => (appId ? apps.get(appId) : Promise.resolve(null)), [appId]);
  // While something is in flight, the state is read again every two seconds.
  const moving = !!loaded.data && (!!loaded.data.operation || MOVING.has(loaded.data.state));
  usePoll(loaded.reload, 2000, moving);
  if (appId !== null && !Number.isInteger(appId)) return <ErrorAlert error={new Error(`"${id}" is not an application id.`)} />;
  if (loaded.loading && !loaded.data) return <Loading what="Loading the application" />;
  if (loaded.error) return <ErrorAlert error={loaded.error} title="Could not load the application" onRetry={loaded.reload} />;
  return <AppForm key={appId ?? "new"} app={loaded.data ?? null} onSaved={loaded.reload} />;
}

function AppForm({ app, onSaved }: { app: App | null; onSaved: () => void }) {
  const { me, team } = useSession();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const envs = useLoad(() => flinkEnvs.list(), []);
  const clusterList = useLoad(() => clusters.list(), []);
  const defaultEnv = envs.data?.items.find((e) => e.default)?.id ?? envs.data?.items[0]?.id ?? null;
  const [values, setValues] = useState<AppFormValues>(() => (app ? formFromApp(app) : emptyForm(team?.id ?? null, null, params.get("kind") === "jar" ? "jar" : "sql")));
  const jars = useLoad(() => (values.teamId ? resourceApi.list(values.teamId) : Promise.resolve({ items: [], total: 0 })), [values.teamId]);
  const jarList = jars.data?.items ?? [];
  const [jarSource, setJarSource] = useState<"upload" | "project">(() => (app?.jar?.project_artifact && !app.jar.resource_id ? "project" : "upload"));
  const projectList = useLoad(() => (values.teamId && jarSource === "project" ? projectApi.list(values.teamId) : Promise.resolve({ items: [], total: 0 })), [values.teamId, jarSource]);
  const projectOptions = (projectList.data?.items ?? []).map((p) => ({ value: String(p.id), label: p.name }));
  const pickedProject = values.projectArtifact?.project_id ?? null;
  const artifacts = useLoad(() => (pickedProject ? projectApi.artifacts(pickedProject).catch(() => ({ items: [] })) : Promise.resolve({ items: [] })), [pickedProject]);
  const artifactList = artifacts.data?.items ?? [];
  const artifactOptions = artifactList.map((a) => ({ value: `${a.module}/${a.jar}`, label: `${a.module}: ${a.jar}` }));
  const channels = useLoad(() => (values.teamId ? alertChannels.list(values.teamId) : Promise.resolve({ items: [], total: 0 })), [values.teamId]);
  const channelOptions = (channels.data?.items ?? []).map((c) => ({ value: String(c.id), label: `${c.name} (${c.kind})` }));
  const [errors, setErrors] = useState<FormErrors>({});
  const action = useAction();
  const editable = canEdit(me, app?.team_id ?? values.teamId);

  useEffect(() => {
    if (!app && values.flinkEnvId === null && defaultEnv) setValues((v) => ({ ...v, flinkEnvId: defaultEnv }));
  }, [app, defaultEnv, values.flinkEnvId]);
  useEffect(() => {
    const first = clusterList.data?.items[0];
    if (!app && values.clusterId === null && first) setValues((v) => ({ ...v, clusterId: first.id }));
  }, [app, clusterList.data, values.clusterId]);

  const set = <K extends keyof AppFormValues>(key: K, value: AppFormValues[K]) => {
    setValues((v) => ({ ...v, [key]: value }));
    // A field's complaint goes once the person changes it; the next submit checks again.
    setErrors((e) => (key in e ? { ...e, [key]: undefined } : e));
  };
  const changes = useMemo(() => (app ? patchBody(app, values) : null), [app, values]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const found = validateForm(values);
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    if (!app) {
      const outcome = await action.run(`Creating ${values.name}`, () => apps.create(createBody(values)), `${values.name} created`);
      if (outcome.ok) navigate(`/apps/${outcome.value.id}`, { replace: true });
      return;
    }
    if (!changes || Object.keys(changes).length === 0) return;
    const outcome = await action.run(`Saving ${values.name}`, () => apps.update(app.id, changes), `${values.name} saved`);
    if (outcome.ok) { setValues((v) => ({ ...v, note: "" })); onSaved(); }
  }

  const teams = (me?.teams ?? []).filter((t) => me?.is_admin || t.role === "owner" || t.role === "developer");
  const envOptions = (envs.data?.items ?? []).map((e) => ({ value: String(e.id), label: `${e.name} (Flink ${e.version})` }));
  const clusterOptions = (clusterList.data?.items ?? []).map((c) => ({ value: String(c.id), label: `${c.name} (${c.kind}, ${c.state})` }));
  const unsaved = app ? !!changes && Object.keys(changes).length > 0 : true;

  return (
    <form onSubmit={submit} noValidate>
      <Group justify="space-between" mb="md" align="flex-start">
        <Stack gap={2}>
          <Group gap="xs">
            <Anchor component={Link} to="/apps" size="sm">Applications</Anchor><Text size="sm" c="dimmed">/</Text>
          </Group>
          <Group gap="sm">
            <Title order={2}>{app ? app.name : values.kind === "jar" ? "New JAR application" : "New SQL application"}</Title>
            {app && <StateBadge state={app.state} />}
          </Group>
          {app && (
            <Text size="xs" c="dimmed">
              Version {app.draft_version}{app.version ? `, version ${app.version} deployed` : ", never deployed"} · changed {formatTime(app.updated_at)}
              {app.web_url && <> · <Anchor href={app.web_url} target="_blank" rel="noreferrer" size="xs">Flink web UI ↗</Anchor></>}
            </Text>
          )}
        </Stack>
        <Group>
          {app && <Button variant="default" component={Link} to={`/apps/${app.id}`}>Details and actions</Button>}
          {app && <Button variant="default" component={Link} to={`/apps/${app.id}/versions`}>Versions</Button>}
          {editable && <Button type="submit" loading={action.running} disabled={!unsaved}>{app ? (unsaved ? "Save" : "Saved") : "Create application"}</Button>}
        </Group>
      </Group>
      {app?.last_error && <Alert color="red" title="Last error" mb="md">{app.last_error}</Alert>}
      <ErrorAlert error={envs.error ?? clusterList.error} title="Could not load the environments or clusters" />
      {!editable && <Alert color="gray" mb="md">Your role in this team can look but not change this application.</Alert>}
      <Grid gap="md">
        <Grid.Col span={8}>
          {values.kind === "sql" ? (
            <Stack gap={4}>
              <Group justify="space-between">
                <Text fw={500} size="sm">SQL</Text>
                <Group gap="xs">
                  <Text size="xs" c="dimmed">Ctrl-F finds, Ctrl-Z undoes</Text>
                  {editable && <Button size="compact-xs" variant="light" onClick={() => set("sql", formatFlinkSql(values.sql))} disabled={!values.sql.trim()}>Format</Button>}
                </Group>
              </Group>
              <CodeEditor language="sql" value={values.sql} onChange={(v) => set("sql", v)} minHeight={360} maxHeight={640} invalid={!!errors.sql} label="SQL editor" testId="sql-editor" readOnly={!editable} />
              {errors.sql && <Text size="xs" c="red">{errors.sql}</Text>}
              <SqlChecks body={{ sql: values.sql, ...(app ? { app_id: app.id } : values.teamId ? { team_id: values.teamId } : {}), ...(values.flinkEnvId ? { flink_env_id: values.flinkEnvId } : {}) }}
                onReplace={(sql) => set("sql", sql)} editable={editable} />
            </Stack>
          ) : (
            <Paper withBorder p="md">
              <Stack gap="sm" data-testid="jar-program">
                <Text fw={500} size="sm">Program</Text>
                <SegmentedControl size="xs" value={jarSource} onChange={(v) => setJarSource(v as "upload" | "project")} disabled={!editable}
                  data={[{ value: "upload", label: "Uploaded jar" }, { value: "project", label: "Built from a Git project" }]} />
                {jarSource === "upload" ? (
                  <Select label="Job jar" description="An uploaded jar of this team (Resources)" data={jarList.map((r) => ({ value: String(r.id), label: `${r.name} (${r.file_name})` }))}
                    value={values.jarResourceId ? String(values.jarResourceId) : null} onChange={(v) => set("jarResourceId", v ? Number(v) : null)} error={errors.jarResourceId}
                    placeholder={jarList.length ? "Choose the jar" : "Upload the job's jar under Resources first"} disabled={!editable} searchable />
                ) : (
                  <Group grow align="flex-start" data-testid="project-artifact">
                    <Select label="Project" data={projectOptions} value={values.projectArtifact ? String(values.projectArtifact.project_id) : null}
                      onChange={(v) => { set("jarResourceId", null); set("projectArtifact", v ? { project_id: Number(v), module: "", jar: "" } : null); }}
                      placeholder={projectOptions.length ? "Choose the project" : "Add a project under Projects first"} disabled={!editable} error={errors.jarResourceId} />
                    <Select label="Jar" description="From its newest successful build" data={artifactOptions}
                      value={values.projectArtifact?.jar ? `${values.projectArtifact.module}/${values.projectArtifact.jar}` : null}
                      onChange={(v) => {
                        const picked = artifactList.find((a) => `${a.module}/${a.jar}` === v);
                        if (picked && values.projectArtifact) {
                          set("projectArtifact", { ...values.projectArtifact, module: picked.module, jar: picked.jar });
                          if (!values.mainClass && picked.main_class) set("mainClass", picked.main_class);
                        }
                      }}
                      placeholder={artifactOptions.length ? "Choose the jar" : "Build the project first"} disabled={!editable || !values.projectArtifact} />
                  </Group>
                )}
                {jarSource === "project" && values.projectArtifact && (
                  <Switch label="Build the project again before each deploy" checked={!!values.projectArtifact.rebuild} disabled={!editable}
                    onChange={(e) => values.projectArtifact && set("projectArtifact", { ...values.projectArtifact, rebuild: e.currentTarget.checked })} />
                )}
                <TextInput label="Main class" description="Empty: the jar's manifest names it" placeholder="com.acme.Job" value={values.mainClass} onChange={(e) => set("mainClass", e.currentTarget.value)} error={errors.mainClass} readOnly={!editable} />
                <Textarea label="Program arguments" description="One argument a line, passed to main() in order" autosize minRows={4} styles={{ input: { fontFamily: "monospace" } }} placeholder={"--input\ns3://bucket/in"} value={values.args} onChange={(e) => set("args", e.currentTarget.value)} readOnly={!editable} />
              </Stack>
            </Paper>
          )}
          <Tabs defaultValue="options" mt="md">
            <Tabs.List>
              <Tabs.Tab value="options">Options</Tabs.Tab>
              <Tabs.Tab value="yaml">Configuration YAML</Tabs.Tab>
              <Tabs.Tab value="dynamic">Dynamic properties</Tabs.Tab>
              <Tabs.Tab value="dependencies">Dependencies{values.dependencies.maven.length + values.dependencies.resources.length ? ` (${values.dependencies.maven.length + values.dependencies.resources.length})` : ""}</Tabs.Tab>
            </Tabs.List>
            <Tabs.Panel value="dependencies" pt="sm">
              <DependenciesEditor teamId={values.teamId} value={values.dependencies} onChange={(v) => set("dependencies", v)} resources={jarList} readOnly={!editable} error={errors.dependencies} />
            </Tabs.Panel>
            <Tabs.Panel value="options" pt="sm">
              <Stack gap="xs">
                <Text size="xs" c="dimmed">Flink options for this job, e.g. execution.checkpointing.interval = 30 s.</Text>
                {values.options.map((row, i) => (
                  <Group key={i} gap="xs" wrap="nowrap">
                    <TextInput aria-label={`Option ${i + 1} key`} placeholder="key" value={row.key} style={{ flex: 1 }} onChange={(e) => { const key = e.currentTarget.value; set("options", values.options.map((r, j) => (j === i ? { ...r, key } : r))); }} />
                    <TextInput aria-label={`Option ${i + 1} value`} placeholder="value" value={row.value} style={{ flex: 1 }} onChange={(e) => { const value = e.currentTarget.value; set("options", values.options.map((r, j) => (j === i ? { ...r, value } : r))); }} />
                    <ActionIcon variant="subtle" color="red" aria-label={`Remove option ${i + 1}`} onClick={() => set("options", values.options.filter((_, j) => j !== i))}>✕</ActionIcon>
                  </Group>
                ))}
                <Group><Button size="xs" variant="light" onClick={() => set("options", [...values.options, { key: "", value: "" }])}>Add option</Button></Group>
                {errors.options && <Text size="xs" c="red">{errors.options}</Text>}
              </Stack>
            </Tabs.Panel>
            <Tabs.Panel value="yaml" pt="sm">
              <Text size="xs" c="dimmed" mb={4}>Flink configuration as YAML, merged over the environment's, e.g. state.checkpoints.dir.</Text>
              <CodeEditor language="yaml" value={values.configYaml} onChange={(v) => set("configYaml", v)} minHeight={160} label="Configuration YAML editor" testId="yaml-editor" placeholder="execution.checkpointing.interval: 30 s" readOnly={!editable} />
            </Tabs.Panel>
            <Tabs.Panel value="dynamic" pt="sm">
              <Textarea label="Dynamic properties" description="One -Dkey=value a line; # starts a comment" autosize minRows={4} styles={{ input: { fontFamily: "monospace" } }} placeholder="-Dstate.backend.incremental=true" value={values.dynamicProperties} onChange={(e) => set("dynamicProperties", e.currentTarget.value)} error={errors.dynamicProperties} readOnly={!editable} />
            </Tabs.Panel>
          </Tabs>
        </Grid.Col>
        <Grid.Col span={4}>
          <Paper withBorder p="md">
            <Stack>
              {!app && (
                <Stack gap={4}>
                  <Text size="sm" fw={500}>Kind</Text>
                  <SegmentedControl value={values.kind} onChange={(v) => set("kind", v as "sql" | "jar")} data={[{ value: "sql", label: "SQL" }, { value: "jar", label: "JAR (uploaded jar)" }]} />
                </Stack>
              )}
              <TextInput label="Name" required value={values.name} onChange={(e) => set("name", e.currentTarget.value)} error={errors.name} readOnly={!editable} />
              <TextInput label="Description" value={values.description} onChange={(e) => set("description", e.currentTarget.value)} readOnly={!editable} />
              <TagsInput label="Tags" placeholder="Add a tag" description="Enter after each; search finds them" value={values.tags} onChange={(v) => set("tags", v)} readOnly={!editable} clearable />
              <Select label="Team" data={(app ? me?.teams ?? [] : teams).map((t) => ({ value: String(t.id), label: t.name }))} value={values.teamId ? String(values.teamId) : null} onChange={(v) => set("teamId", v ? Number(v) : null)} disabled={!!app} error={errors.teamId} allowDeselect={false} placeholder={teams.length ? "Choose a team" : "You are in no team you may edit"} />
              <Select label="Flink environment" data={envOptions} value={values.flinkEnvId ? String(values.flinkEnvId) : null} onChange={(v) => set("flinkEnvId", v ? Number(v) : null)} placeholder={envOptions.length ? "The default" : "No environment registered"} clearable disabled={!editable} />
              <Stack gap={4}>
                <Text size="sm" fw={500}>Runs as</Text>
                <SegmentedControl value={values.mode} onChange={(v) => set("mode", v as "session" | "application")} disabled={!editable}
                  data={[{ value: "session", label: "Session cluster" }, { value: "application", label: "Application mode" }]} />
              </Stack>
              {values.mode === "session" && (
                <Select label="Session cluster" data={clusterOptions} value={values.clusterId ? String(values.clusterId) : null} onChange={(v) => set("clusterId", v ? Number(v) : null)} error={errors.clusterId} placeholder={clusterOptions.length ? "Choose a cluster" : "Register a cluster first"} disabled={!editable} allowDeselect={false} />
              )}
              <NumberInput label="Parallelism" min={1} max={100000} value={values.parallelism} onChange={(v) => set("parallelism", typeof v === "number" ? v : Number(v) || 0)} error={errors.parallelism} readOnly={!editable} />
              <Paper withBorder p="sm" data-testid="when-it-fails">
                <Stack gap="xs">
                  <Text size="sm" fw={500}>When the job fails</Text>
                  <Switch label="Restart it from its newest savepoint or checkpoint" checked={values.restartEnabled} onChange={(e) => set("restartEnabled", e.currentTarget.checked)} disabled={!editable} />
                  {values.restartEnabled && (
                    <Group grow>
                      <NumberInput label="Restarts" min={0} max={1000} value={values.maxRestarts} onChange={(v) => set("maxRestarts", typeof v === "number" ? v : Number(v) || 0)} error={errors.maxRestarts} readOnly={!editable} />
                      <NumberInput label="Within minutes" min={1} max={10080} value={values.windowMinutes} onChange={(v) => set("windowMinutes", typeof v === "number" ? v : Number(v) || 0)} error={errors.windowMinutes} readOnly={!editable} />
                    </Group>
                  )}
                  <MultiSelect label="Alert channels" placeholder={values.alertChannelIds.length ? undefined : "The team's default channels"} data={channelOptions} value={values.alertChannelIds.map(String)}
                    onChange={(v) => set("alertChannelIds", v.map(Number))} disabled={!editable} clearable searchable
                    description={channelOptions.length ? undefined : <>No channel yet: <Anchor component={Link} to="/alert-channels" size="xs">add one</Anchor></>} />
                </Stack>
              </Paper>
              {app && editable && <TextInput label="Note for this version" placeholder="What changed and why" value={values.note} onChange={(e) => set("note", e.currentTarget.value)} />}
              <FormError text={errors.dependencies ? `Dependencies: ${errors.dependencies}` : errors.jarResourceId ?? null} />
              <FormError text={action.error} />
            </Stack>
          </Paper>
        </Grid.Col>
      </Grid>
    </form>
  );
}
