// Every call the console makes, by area. Pages use these, never fetch() directly.
import type { MaintenanceWindow, RuleValue } from "../lib/alertRules";
import { api, Query } from "./client";
import type {
  Alert, AlertChannel, ApiToken, App, Artifact, Build, Project, SqlCheckBody, SqlFinding, AppEvent, AppSpec, AppVersion, AppVersionSummary, Cluster, ClusterEvent, Dependencies,
  Exceptions, FlinkEnv, List, Me, Member, Operation, Resolution, Resource, Savepoint, Team, User, Variable,
} from "./types";

export const auth = {
  login: (username: string, password: string) =>
    api.post<{ token: string; expires_at: string; user: User }>("/api/v1/auth/login", { username, password }),
  logout: () => api.post<void>("/api/v1/auth/logout"),
  me: () => api.get<Me>("/api/v1/me"),
  changePassword: (current_password: string, new_password: string) =>
    api.post<void>("/api/v1/me/password", { current_password, new_password }),
};

const ALL = { limit: 1000 };

export const users = {
  list: (query?: Query) => api.get<List<User>>("/api/v1/users", { ...ALL, ...query }),
  create: (body: { username: string; password: string; display_name?: string; email?: string; is_admin?: boolean }) =>
    api.post<User>("/api/v1/users", body),
  update: (id: number, body: Partial<Pick<User, "display_name" | "email" | "is_admin" | "disabled">> & { password?: string }) =>
    api.patch<User>(`/api/v1/users/${id}`, body),
  remove: (id: number) => api.del(`/api/v1/users/${id}`),
};

export const teams = {
  list: () => api.get<List<Team>>("/api/v1/teams", ALL),
  create: (body: { name: string; description?: string }) => api.post<Team>("/api/v1/teams", body),
  update: (id: number, body: { name?: string; description?: string }) => api.patch<Team>(`/api/v1/teams/${id}`, body),
  remove: (id: number) => api.del(`/api/v1/teams/${id}`),
  members: (id: number) => api.get<List<Member>>(`/api/v1/teams/${id}/members`, ALL),
  addMember: (id: number, body: { user_id?: number; username?: string; role: string }) =>
    api.post<Member>(`/api/v1/teams/${id}/members`, body),
  setRole: (id: number, userId: number, role: string) =>
    api.patch<Member>(`/api/v1/teams/${id}/members/${userId}`, { role }),
  removeMember: (id: number, userId: number) => api.del(`/api/v1/teams/${id}/members/${userId}`),
};

export const tokens = {
  list: (all = false) => api.get<List<ApiToken>>("/api/v1/tokens", { ...ALL, all: all ? 1 : undefined }),
  create: (body: { name: string; team_id: number; expires_at?: string }) => api.post<ApiToken>("/api/v1/tokens", body),
  remove: (id: number) => api.del(`/api/v1/tokens/${id}`),
};

export const flinkEnvs = {
  list: () => api.get<List<FlinkEnv>>("/api/v1/flink-envs", ALL),
  create: (body: { name: string; home: string }) => api.post<FlinkEnv>("/api/v1/flink-envs", body),
  sync: (id: number) => api.post<FlinkEnv>(`/api/v1/flink-envs/${id}/sync`),
  setDefault: (id: number) => api.patch<FlinkEnv>(`/api/v1/flink-envs/${id}`, { default: true }),
  remove: (id: number) => api.del(`/api/v1/flink-envs/${id}`),
};

export const clusters = {
  list: () => api.get<List<Cluster>>("/api/v1/clusters", ALL),
  get: (id: number) => api.get<Cluster>(`/api/v1/clusters/${id}`),
  create: (body: { name: string; kind: string; flink_env_id?: number; addresses?: string[]; config?: Record<string, string> }) =>
    api.post<Cluster>("/api/v1/clusters", body),
  start: (id: number) => api.post<Cluster>(`/api/v1/clusters/${id}/start`),
  stop: (id: number) => api.post<Cluster>(`/api/v1/clusters/${id}/stop`),
  remove: (id: number) => api.del(`/api/v1/clusters/${id}`),
  events: (id: number) => api.get<List<ClusterEvent>>(`/api/v1/clusters/${id}/events`, { limit: 100 }),
};

// Applications, their actions (each answers 202 with an operation to poll) and the detail reads.
export const apps = {
  list: (query?: Query) => api.get<List<App>>("/api/v1/apps", { ...ALL, ...query }),
  get: (id: number) => api.get<App>(`/api/v1/apps/${id}`),
  create: (body: AppSpec & { name: string; team_id: number; kind: "sql" | "jar"; description?: string }) =>
    api.post<App>("/api/v1/apps", body),
  update: (id: number, body: Partial<AppSpec> & { name?: string; description?: string; note?: string }) =>
    api.patch<App>(`/api/v1/apps/${id}`, body),
  remove: (id: number) => api.del(`/api/v1/apps/${id}`),
  versions: (id: number) => api.get<List<AppVersionSummary>>(`/api/v1/apps/${id}/versions`, ALL),
  version: (id: number, n: number) => api.get<AppVersion>(`/api/v1/apps/${id}/versions/${n}`),
  restoreVersion: (id: number, n: number) => api.post<App>(`/api/v1/apps/${id}/versions/${n}/restore`),
  deploy: (id: number, body: { restore: string; allow_non_restored_state?: boolean }) =>
    api.post<Operation>(`/api/v1/apps/${id}/deploy`, body),
  stop: (id: number, body: { savepoint: boolean; drain?: boolean }) => api.post<Operation>(`/api/v1/apps/${id}/stop`, body),
  savepoint: (id: number) => api.post<Operation>(`/api/v1/apps/${id}/savepoints`),
  operation: (id: number) => api.get<Operation>(`/api/v1/operations/${id}`),
  events: (id: number) => api.get<List<AppEvent>>(`/api/v1/apps/${id}/events`, { limit: 200 }),
  savepoints: (id: number) => api.get<List<Savepoint>>(`/api/v1/apps/${id}/savepoints`, { limit: 200 }),
  startLog: (id: number) => api.get<string>(`/api/v1/apps/${id}/logs/start`),
  exceptions: (id: number) => api.get<Exceptions>(`/api/v1/apps/${id}/exceptions`),
};

export const resources = {
  list: (teamId?: number) => api.get<List<Resource>>("/api/v1/resources", { ...ALL, team_id: teamId }),
  upload: (teamId: number, file: File, name?: string, description?: string) => {
    const form = new FormData();
    form.set("team_id", String(teamId));
    if (name) form.set("name", name);
    if (description) form.set("description", description);
    form.set("file", file, file.name);
    return api.upload<Resource>("/api/v1/resources", form);
  },
  remove: (id: number) => api.del(`/api/v1/resources/${id}`),
};

export const variables = {
  list: (teamId?: number) => api.get<List<Variable>>("/api/v1/variables", { ...ALL, team_id: teamId }),
  create: (body: { team_id: number; name: string; value: string; secret?: boolean; description?: string }) =>
    api.post<Variable>("/api/v1/variables", body),
  update: (id: number, body: { name?: string; value?: string; secret?: boolean; description?: string }) =>
    api.patch<Variable>(`/api/v1/variables/${id}`, body),
  remove: (id: number) => api.del(`/api/v1/variables/${id}`),
};

export const dependencies = {
  resolve: (teamId: number, deps: Dependencies) =>
    api.post<Resolution>("/api/v1/dependencies/resolve", { team_id: teamId, dependencies: deps }),
};

export const alertChannels = {
  list: (teamId?: number) => api.get<List<AlertChannel>>("/api/v1/alert-channels", { ...ALL, team_id: teamId }),
  create: (body: { team_id: number; name: string; kind: string; config: Record<string, unknown>; description?: string }) =>
    api.post<AlertChannel>("/api/v1/alert-channels", body),
  update: (id: number, body: { name?: string; config?: Record<string, unknown>; description?: string }) =>
    api.patch<AlertChannel>(`/api/v1/alert-channels/${id}`, body),
  remove: (id: number) => api.del(`/api/v1/alert-channels/${id}`),
  test: (id: number) => api.post<{ delivered: boolean }>(`/api/v1/alert-channels/${id}/test`),
};

export const alertSettings = {
  team: (teamId: number) =>
    api.get<{ team_id: number; rules: Record<string, RuleValue>; channel_ids: number[] }>(`/api/v1/teams/${teamId}/alert-settings`),
  app: (appId: number) =>
    api.get<{ app_id: number; rules: Record<string, RuleValue>; maintenance: MaintenanceWindow[] }>(`/api/v1/apps/${appId}/alert-settings`),
  saveApp: (appId: number, body: { rules: Record<string, RuleValue>; maintenance: MaintenanceWindow[] }) =>
    api.put<{ app_id: number; rules: Record<string, RuleValue>; maintenance: MaintenanceWindow[] }>(`/api/v1/apps/${appId}/alert-settings`, body),
};

export const alerts = {
  list: (query: { team_id?: number; app_id?: number; state?: string; rule?: string; limit?: number; offset?: number }) =>
    api.get<List<Alert>>("/api/v1/alerts", { limit: 100, ...query }),
};

export const sqlWorkbench = {
  lint: (body: SqlCheckBody) => api.post<{ findings: SqlFinding[] }>("/api/v1/sql/lint", body),
  validate: (body: SqlCheckBody) => api.post<{ valid: boolean; findings: SqlFinding[]; flink_version?: string; millis?: number }>("/api/v1/sql/validate", body),
  explain: (body: SqlCheckBody) => api.post<{ valid?: boolean; findings: SqlFinding[]; plans: { statement_line: number; plan: string }[] }>("/api/v1/sql/explain", body),
  migrate: (body: SqlCheckBody) => api.post<{ sql: string; changed: boolean; diff: string; changes: { line: number; table?: string; from: string; to: string; note?: string }[]; findings: SqlFinding[] }>("/api/v1/sql/migrate", body),
};

export type ProjectCredentials = { username: string; password: string } | { private_key: string } | null;

export const projects = {
  list: (teamId?: number) => api.get<List<Project>>("/api/v1/projects", { ...ALL, team_id: teamId }),
  get: (id: number) => api.get<Project>(`/api/v1/projects/${id}`),
  create: (body: { team_id: number; name: string; git_url: string; ref?: string; credentials?: ProjectCredentials; build_args?: string[]; maven_settings?: string; description?: string }) =>
    api.post<Project>("/api/v1/projects", body),
  update: (id: number, body: Record<string, unknown>) => api.patch<Project>(`/api/v1/projects/${id}`, body),
  remove: (id: number) => api.del(`/api/v1/projects/${id}`),
  refs: (id: number) => api.get<{ branches: string[]; tags: string[] }>(`/api/v1/projects/${id}/refs`),
  build: (id: number, tests = false) => api.post<Build>(`/api/v1/projects/${id}/builds`, { tests }),
  builds: (id: number) => api.get<List<Build>>(`/api/v1/projects/${id}/builds`, { limit: 50 }),
  artifacts: (id: number) => api.get<{ build_id?: number; commit?: string; items: Artifact[] }>(`/api/v1/projects/${id}/artifacts`),
  getBuild: (buildId: number) => api.get<Build>(`/api/v1/builds/${buildId}`),
  cancelBuild: (buildId: number) => api.post<Build>(`/api/v1/builds/${buildId}/cancel`),
};

