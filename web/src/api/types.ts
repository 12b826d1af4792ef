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

export interface AppSpec {
  flink_env_id?: number | null;
  target?: AppTarget;
  sql?: string;
  jar?: unknown;
  dependencies?: { maven?: MavenDependency[]; resources?: number[] };
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
  last_error?: string | null;
  web_url?: string | null;
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

export interface Operation {
  id: number;
  kind: string;
  state: "PENDING" | "RUNNING" | "SUCCEEDED" | "FAILED" | string;
  error?: string | { message?: string } | null;
  result?: unknown;
}
