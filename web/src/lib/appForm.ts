// The application form's values and their translation to and from the API's app body: options as
// "key = value" rows, the target as mode + cluster, checks a person sees before anything is sent.
import type { App, AppSpec, Dependencies, JarSpec } from "../api/types";
import { DependencyValues, apiFromRows, dependencyError, rowsFromApi } from "./dependencies";

export interface OptionRow {
  key: string;
  value: string;
}

export interface AppFormValues {
  kind: "sql" | "jar";
  name: string;
  description: string;
  tags: string[];
  teamId: number | null;
  flinkEnvId: number | null;
  mode: "session" | "application";
  clusterId: number | null;
  sql: string;
  parallelism: number;
  options: OptionRow[];
  configYaml: string;
  dynamicProperties: string;
  dependencies: DependencyValues;
  // A JAR application's program: an uploaded jar, its main class (empty: the jar's manifest), and
  // its arguments one a line.
  jarResourceId: number | null;
  // Or a jar built from a Git project (set through the API or CLI; kept as it is on an edit).
  projectArtifact: JarSpec["project_artifact"] | null;
  mainClass: string;
  args: string;
  // The restart policy (off: none), and the alert channels (none chosen: the team's default).
  restartEnabled: boolean;
  maxRestarts: number;
  windowMinutes: number;
  alertChannelIds: number[];
  note: string;
}

export const NEW_APP_SQL = `-- A Flink SQL job: generated rows into a blackhole sink.
CREATE TABLE source_table (
  id BIGINT,
  payload STRING
) WITH (
  'connector' = 'datagen',
  'rows-per-second' = '5'
);

CREATE TABLE sink_table (
  id BIGINT,
  payload STRING
) WITH (
  'connector' = 'blackhole'
);

INSERT INTO sink_table SELECT id, payload FROM source_table;
`;

export function emptyForm(teamId: number | null, flinkEnvId: number | null, kind: "sql" | "jar" = "sql"): AppFormValues {
  return {
    kind,
    name: "",
    description: "",
    tags: [],
    teamId,
    flinkEnvId,
    mode: "session",
    clusterId: null,
    sql: NEW_APP_SQL,
    parallelism: 1,
    options: [],
    configYaml: "",
    dynamicProperties: "",
    dependencies: { maven: [], resources: [] },
    jarResourceId: null,
    projectArtifact: null,
    mainClass: "",
    args: "",
    restartEnabled: false,
    maxRestarts: 3,
    windowMinutes: 30,
    alertChannelIds: [],
    note: "",
  };
}

export function formFromApp(app: App): AppFormValues {
  return {
    kind: app.kind === "jar" ? "jar" : "sql",
    name: app.name,
    description: app.description ?? "",
    tags: app.tags ?? [],
    teamId: app.team_id,
    flinkEnvId: app.flink_env_id ?? null,
    mode: app.target?.mode === "application" ? "application" : "session",
    clusterId: app.target?.cluster_id ?? null,
    sql: app.sql ?? "",
    parallelism: app.parallelism ?? 1,
    options: Object.entries(app.options ?? {}).map(([key, value]) => ({ key, value: String(value) })),
    configYaml: app.config_yaml ?? "",
    dynamicProperties: app.dynamic_properties ?? "",
    dependencies: rowsFromApi(app.dependencies),
    jarResourceId: app.jar?.resource_id ?? null,
    projectArtifact: app.jar?.project_artifact ?? null,
    mainClass: app.jar?.main_class ?? "",
    args: (app.jar?.args ?? []).join("\n"),
    restartEnabled: !!app.restart_policy,
    maxRestarts: app.restart_policy?.max_restarts ?? 3,
    windowMinutes: app.restart_policy?.window_minutes ?? 30,
    alertChannelIds: app.alert_channel_ids ?? [],
    note: "",
  };
}

export type FormErrors = Partial<Record<keyof AppFormValues | "options", string>>;

const MAIN_CLASS = /^[A-Za-z_$][A-Za-z0-9_$]*(\.[A-Za-z_$][A-Za-z0-9_$]*)*$/;

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

// What is wrong with the form, by field; an empty object when it can be sent.
export function validateForm(values: AppFormValues): FormErrors {
  const errors: FormErrors = {};
  if (!values.name.trim()) errors.name = "Give the application a name.";
  else if (!NAME.test(values.name.trim()))
    errors.name = "Use letters, digits, '.', '_' or '-' (up to 128, starting with a letter or digit).";
  if (!values.teamId) errors.teamId = "Choose the team that owns the application.";
  if (values.mode === "session" && !values.clusterId) errors.clusterId = "Choose the session cluster to run on.";
  if (values.kind === "sql" && !values.sql.trim()) errors.sql = "Write the SQL the job runs.";
  if (values.kind === "jar") {
    if (!values.jarResourceId && !values.projectArtifact) errors.jarResourceId = "Choose the uploaded jar that holds the job (upload it under Resources).";
    else if (!values.jarResourceId && values.projectArtifact && !values.projectArtifact.jar) errors.jarResourceId = "Choose the project's jar (build the project first if it has none).";
    if (values.mainClass.trim() && !MAIN_CLASS.test(values.mainClass.trim())) errors.mainClass = "A Java class name, e.g. com.acme.Job (or empty: the jar's manifest names it).";
  }
  if (values.restartEnabled) {
    if (!Number.isInteger(values.maxRestarts) || values.maxRestarts < 0 || values.maxRestarts > 1000)
      errors.maxRestarts = "Restarts are a whole number from 0 to 1000.";
    if (!Number.isInteger(values.windowMinutes) || values.windowMinutes < 1 || values.windowMinutes > 10080)
      errors.windowMinutes = "The window is 1 to 10080 minutes (a week).";
  }
  const deps = dependencyError(values.dependencies);
  if (deps) errors.dependencies = deps;
  if (!Number.isInteger(values.parallelism) || values.parallelism < 1 || values.parallelism > 100000)
    errors.parallelism = "Parallelism is a whole number from 1 to 100000.";
  const seen = new Set<string>();
  for (const row of values.options) {
    const key = row.key.trim();
    if (!key && !row.value.trim()) continue;
    if (!key) { errors.options = "Every option needs a key."; break; }
    if (seen.has(key)) { errors.options = `The option ${key} is given twice.`; break; }
    seen.add(key);
  }
  const badLine = dynamicPropertiesError(values.dynamicProperties);
  if (badLine) errors.dynamicProperties = badLine;
  return errors;
}

// "-Dkey=value" a line; blank lines and '#' comments are allowed (as the API does).
export function dynamicPropertiesError(text: string): string | undefined {
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (!line || line.startsWith("#")) continue;
    if (!/^-D[^=\s]+=.*$/.test(line)) return `Line ${i + 1}: write -Dkey=value.`;
  }
  return undefined;
}

// Tags without blanks and repeats, in the order given.
export function cleanTags(tags: string[]): string[] {
  const out: string[] = [];
  for (const tag of tags) {
    const t = tag.trim();
    if (t && !out.includes(t)) out.push(t);
  }
  return out;
}

function optionsObject(rows: OptionRow[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const row of rows) {
    const key = row.key.trim();
    if (key) out[key] = row.value.trim();
  }
  return out;
}

// Program arguments, one a line (blank lines dropped; spaces inside a line kept).
export function argsFromText(text: string): string[] {
  return text.split("\n").map((a) => a.trim()).filter(Boolean);
}

export function jarFromForm(values: AppFormValues): JarSpec {
  const jar: JarSpec = values.jarResourceId || !values.projectArtifact
    ? { resource_id: values.jarResourceId ?? undefined }
    : { project_artifact: values.projectArtifact };
  if (values.mainClass.trim()) jar.main_class = values.mainClass.trim();
  jar.args = argsFromText(values.args);
  return jar;
}

// The dependencies as the API compares them: {} and empty lists are the same thing.
export function sameDependencies(a: Dependencies | null | undefined, b: Dependencies | null | undefined): boolean {
  return JSON.stringify(apiFromRows(rowsFromApi(a))) === JSON.stringify(apiFromRows(rowsFromApi(b)));
}

// The versioned fields as the API takes them.
export function specFromForm(values: AppFormValues): AppSpec {
  const spec: AppSpec = {
    target: values.mode === "session" ? { mode: "session", cluster_id: values.clusterId } : { mode: "application" },
    ...(values.kind === "jar" ? { jar: jarFromForm(values) } : { sql: values.sql }),
    dependencies: apiFromRows(values.dependencies),
    parallelism: values.parallelism,
    options: optionsObject(values.options),
    config_yaml: values.configYaml,
    dynamic_properties: values.dynamicProperties,
  };
  if (values.flinkEnvId) spec.flink_env_id = values.flinkEnvId;
  return spec;
}

export function createBody(values: AppFormValues) {
  return {
    name: values.name.trim(),
    team_id: values.teamId as number,
    kind: values.kind,
    description: values.description,
    tags: cleanTags(values.tags),
    restart_policy: restartPolicy(values),
    alert_channel_ids: values.alertChannelIds,
    ...specFromForm(values),
  };
}

export function restartPolicy(values: AppFormValues): { max_restarts: number; window_minutes: number } | null {
  return values.restartEnabled ? { max_restarts: values.maxRestarts, window_minutes: values.windowMinutes } : null;
}

// Only what changed, so an edit of the description alone makes no new version.
export function patchBody(before: App, values: AppFormValues): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (values.name.trim() !== before.name) body.name = values.name.trim();
  if (values.description !== (before.description ?? "")) body.description = values.description;
  const tags = cleanTags(values.tags);
  if (JSON.stringify(tags) !== JSON.stringify(before.tags ?? [])) body.tags = tags;
  const policy = restartPolicy(values);
  if (JSON.stringify(policy) !== JSON.stringify(before.restart_policy ?? null)) body.restart_policy = policy;
  const channels = [...values.alertChannelIds].sort((a, b) => a - b);
  if (JSON.stringify(channels) !== JSON.stringify([...(before.alert_channel_ids ?? [])].sort((a, b) => a - b))) body.alert_channel_ids = channels;
  const spec = specFromForm(values) as Record<string, unknown>;
  const old = before as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(spec)) {
    if (key === "dependencies") {
      if (!sameDependencies(value as Dependencies, before.dependencies)) body[key] = value;
      continue;
    }
    if (JSON.stringify(canonical(value)) !== JSON.stringify(canonical(old[key] ?? defaultOf(key)))) body[key] = value;
  }
  if (Object.keys(body).length > 0 && values.note.trim()) body.note = values.note.trim();
  return body;
}

function defaultOf(key: string): unknown {
  switch (key) {
    case "options": return {};
    case "config_yaml":
    case "dynamic_properties":
    case "sql": return "";
    case "parallelism": return 1;
    default: return undefined;
  }
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v === null || v === undefined) continue;
      out[key] = canonical(typeof v === "number" || typeof v === "boolean" ? String(v) : v);
    }
    return out;
  }
  return value;
}
