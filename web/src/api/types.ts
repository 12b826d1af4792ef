// The shapes of the API's answers (see /api/v1/openapi.json). Fields the server may not send yet
// are optional, so the console keeps working while the API grows.

export interface List<T> {
  items: T[];
  total: number;
}

export interface User {
  id: number;
  username: string;
  display_name?: string;
  email?: string;
  is_admin?: boolean;
  disabled?: boolean;
  created_at?: string;
}

export type TeamRole = "owner" | "developer" | "viewer";

export interface MeTeam {
  id: number;
  name: string;
  role: TeamRole | string;
}

export interface Me extends User {
  teams: MeTeam[];
}

export interface Team {
  id: number;
  name: string;
  description?: string;
  created_at?: string;
}

export interface Member {
  user_id: number;
  username: string;
  display_name?: string;
  role: TeamRole | string;
  created_at?: string;
}

export interface ApiToken {
  id: number;
  name: string;
  team_id: number;
  prefix?: string;
  created_at?: string;
  expires_at?: string | null;
  last_used_at?: string | null;
  token?: string; // only in the answer to POST, once
}

export interface FlinkEnv {
  id: number;
  name: string;
  home: string;
  version: string;
  config_file?: string;
  config_kind?: string;
  scala_version?: string;
  default?: boolean;
  created_at?: string;
}

export type ClusterKind = "managed" | "remote" | "yarn-session";
export type ClusterState = "STOPPED" | "STARTING" | "RUNNING" | "LOST" | "FAILED" | string;

export interface Cluster {
  id: number;
  name: string;
  kind: ClusterKind;
  flink_env_id?: number | null;
  addresses?: string[];
  config?: Record<string, string>;
  state: ClusterState;
  web_url?: string | null;
  state_detail?: string | null;
  last_error?: string | null;
  taskmanagers?: number;
  created_at?: string;
}

export interface ClusterEvent {
  id?: number;
  at?: string;
  created_at?: string;
  state?: string;
  from_state?: string;
  to_state?: string;
  message?: string;
  reason?: string;
  actor?: string | null;
  [key: string]: unknown;
}

export interface AppTarget {
  mode: "session" | "application";
  cluster_id?: number | null;
}

export interface MavenDependency {
  group: string;
  artifact: string;
  version: string;
  classifier?: string;
  exclusions?: string[];
}

export interface JarSpec {
  resource_id?: number;
  // A jar built from a Git project (Projects): its newest successful build, rebuilt first when asked.
  project_artifact?: { project_id: number; module: string; jar: string; rebuild?: boolean };
  main_class?: string;
  args?: string[];
}

export interface Dependencies {
  maven?: MavenDependency[];
  resources?: number[];
}

export interface AppSpec {
  flink_env_id?: number | null;
  target?: AppTarget;
  sql?: string;
  jar?: JarSpec | null;
  dependencies?: Dependencies;
  parallelism?: number;
  options?: Record<string, string | number | boolean>;
  config_yaml?: string;
  dynamic_properties?: string;
}

export interface App extends AppSpec {
  id: number;
  team_id: number;
  name: string;
  kind: "sql" | "jar";
  description?: string;
  tags?: string[];
  state: string;
  operation?: { id: number; kind: string; state: string } | null;
  job_id?: string | null;
  cluster_id?: number | null;
  version?: number | null;
  draft_version?: number;
  started_at?: string | null;
  state_changed_at?: string | null;
  last_error?: string | null;
  web_url?: string | null;
  restart_policy?: { max_restarts: number; window_minutes: number } | null;
  alert_channel_ids?: number[];
  created_at?: string;
  updated_at?: string;
}

export interface AppVersionSummary {
  version: number;
  note?: string;
  created_at?: string;
  created_by?: string | null;
  draft?: boolean;
  deployed?: boolean;
}

export interface AppVersion extends AppSpec {
  app_id: number;
  version: number;
  draft?: boolean;
  deployed?: boolean;
}

export interface OperationResult {
  job_id?: string | null;
  savepoint?: string | null;
  restored_from?: string | null;
}

export interface Operation {
  id: number;
  kind: string;
  state: "PENDING" | "RUNNING" | "SUCCEEDED" | "FAILED" | string;
  error?: string | { code?: string; message?: string } | null;
  result?: OperationResult | null;
}

export interface AppEvent {
  id: number;
  at: string;
  kind: "state" | "operation" | "savepoint" | string;
  cause?: string;
  from?: string;
  to?: string;
  user?: string | null;
  job_id?: string | null;
  operation_id?: number | null;
}

export interface Savepoint {
  id: number;
  kind: "savepoint" | "checkpoint" | string;
  path: string;
  job_id?: string;
  created_at: string;
  operation_id?: number | null;
}

export interface JobException {
  exception: string;
  stacktrace?: string;
  task?: string | null;
  endpoint?: string | null;
  at?: string;
}

export interface Exceptions {
  items: JobException[];
  total?: number;
  root_cause?: string | null;
  job_id?: string | null;
}

export interface Resource {
  id: number;
  team_id: number;
  name: string;
  file_name: string;
  size: number;
  sha256?: string;
  description?: string;
  created_at?: string;
}

export interface Variable {
  id: number;
  team_id: number;
  name: string;
  value: string;
  secret: boolean;
  description?: string;
  created_at?: string;
  updated_at?: string;
}

export interface ResolvedJar {
  file_name: string;
  source: string;
  group?: string;
  artifact?: string;
  version?: string;
  scope?: string;
  direct?: boolean;
  size?: number;
  resource_id?: number | null;
}

export interface Resolution {
  jars: ResolvedJar[];
  conflicts: { group: string; artifact: string; versions: string[]; message: string }[];
  ok: boolean;
  from_cache?: boolean;
}

export interface AlertChannel {
  id: number;
  team_id: number;
  name: string;
  kind: "email" | "lark" | "dingtalk" | "wecom" | "slack" | "webhook";
  config: Record<string, unknown>;
  description?: string;
  created_at?: string;
  updated_at?: string;
}

export interface Alert {
  id: number;
  team_id?: number;
  app_id?: number | null;
  app?: string | null;
  channel_id: number;
  channel?: string;
  rule: string;
  title: string;
  summary?: string;
  state: "PENDING" | "DELIVERED" | "FAILED" | "SILENCED" | "SUPPRESSED" | string;
  attempts: number;
  last_error?: string | null;
  next_attempt_at?: string | null;
  created_at: string;
  delivered_at?: string | null;
}

export interface SqlFinding {
  severity: "error" | "warning" | "info";
  message: string;
  line: number;
  column?: number;
  code: string;
}

export interface SqlCheckBody {
  sql: string;
  app_id?: number;
  flink_env_id?: number;
  team_id?: number;
}

export interface Project {
  id: number;
  team_id: number;
  name: string;
  git_url: string;
  ref: string;
  credentials?: { kind: "password"; username: string; password: string } | { kind: "ssh_key"; private_key: string } | null;
  build_args?: string[];
  maven_settings?: string | null;
  description?: string;
  created_at?: string;
  updated_at?: string;
}

export interface Build {
  id: number;
  project_id: number;
  state: "PENDING" | "RUNNING" | "SUCCEEDED" | "FAILED" | "CANCELLED" | "INTERRUPTED" | string;
  ref?: string;
  commit?: string | null;
  created_by?: string | null;
  created_at?: string;
  started_at?: string | null;
  finished_at?: string | null;
  duration_ms?: number | null;
  error?: { code: string; number?: number; message: string } | null;
}

export interface Artifact {
  module: string;
  jar: string;
  main_class?: string | null;
  size?: number;
}
