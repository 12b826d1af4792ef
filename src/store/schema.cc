// The schema's history. Append new migrations at the end; never edit one that has shipped.
// Every statement is restartable (IF NOT EXISTS): MariaDB commits DDL as it goes, so a crash in the
// middle of a migration leaves its first tables behind and the next start runs it again.
#include "store/migrations.h"

namespace sluice::store {

const std::vector<Migration>& SchemaMigrations() {
  static const std::vector<Migration> kMigrations = {
      {1, "people, teams, tokens and the audit log", R"sql(
CREATE TABLE IF NOT EXISTS users (
  id {{id}},
  username VARCHAR(64) NOT NULL UNIQUE,
  display_name VARCHAR(255) NOT NULL DEFAULT '',
  email VARCHAR(255) NOT NULL DEFAULT '',
  password_hash VARCHAR(255) NOT NULL,
  is_admin INTEGER NOT NULL DEFAULT 0,
  disabled INTEGER NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS teams (
  id {{id}},
  name VARCHAR(64) NOT NULL UNIQUE,
  description VARCHAR(1024) NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS team_members (
  team_id BIGINT NOT NULL,
  user_id BIGINT NOT NULL,
  role VARCHAR(16) NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (team_id, user_id),
  FOREIGN KEY (team_id) REFERENCES teams(id) ON DELETE CASCADE,
  FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS team_members_user ON team_members(user_id);
CREATE TABLE IF NOT EXISTS tokens (
  id {{id}},
  user_id BIGINT NOT NULL,
  kind VARCHAR(16) NOT NULL,
  name VARCHAR(255) NOT NULL DEFAULT '',
  team_id BIGINT NULL,
  token_hash CHAR(64) NOT NULL UNIQUE,
  prefix VARCHAR(16) NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NULL,
  revoked_at BIGINT NULL,
  last_used_at BIGINT NULL,
  FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE,
  FOREIGN KEY (team_id) REFERENCES teams(id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS tokens_user ON tokens(user_id);
CREATE INDEX IF NOT EXISTS tokens_team ON tokens(team_id);
CREATE TABLE IF NOT EXISTS audit_log (
  id {{id}},
  at BIGINT NOT NULL,
  actor_id BIGINT NULL,
  actor VARCHAR(64) NOT NULL,
  action VARCHAR(64) NOT NULL,
  target VARCHAR(255) NOT NULL,
  team_id BIGINT NULL,
  outcome VARCHAR(16) NOT NULL,
  status INTEGER NOT NULL,
  detail {{text}},
  request_id VARCHAR(64) NOT NULL,
  client_ip VARCHAR(64) NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS audit_log_at ON audit_log(at);
CREATE INDEX IF NOT EXISTS audit_log_actor ON audit_log(actor);
CREATE INDEX IF NOT EXISTS audit_log_action ON audit_log(action)
)sql"},
      {2, "Flink environments, clusters and their state changes", R"sql(
CREATE TABLE IF NOT EXISTS flink_envs (
  id {{id}},
  name VARCHAR(64) NOT NULL UNIQUE,
  home VARCHAR(1024) NOT NULL,
  version VARCHAR(32) NOT NULL,
  config_file VARCHAR(32) NOT NULL,
  config_text {{text}},
  description VARCHAR(1024) NOT NULL DEFAULT '',
  is_default INTEGER NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS clusters (
  id {{id}},
  name VARCHAR(64) NOT NULL UNIQUE,
  kind VARCHAR(16) NOT NULL,
  flink_env_id BIGINT NOT NULL,
  addresses {{text}},
  config {{text}},
  taskmanagers INTEGER NOT NULL DEFAULT 1,
  description VARCHAR(1024) NOT NULL DEFAULT '',
  desired_state VARCHAR(16) NOT NULL DEFAULT 'stopped',
  state VARCHAR(16) NOT NULL,
  state_detail VARCHAR(1024) NOT NULL DEFAULT '',
  state_changed_at BIGINT NOT NULL,
  web_url VARCHAR(1024) NOT NULL DEFAULT '',
  flink_version VARCHAR(32) NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  FOREIGN KEY (flink_env_id) REFERENCES flink_envs(id)
);
CREATE INDEX IF NOT EXISTS clusters_env ON clusters(flink_env_id);
CREATE TABLE IF NOT EXISTS cluster_events (
  id {{id}},
  cluster_id BIGINT NOT NULL,
  at BIGINT NOT NULL,
  from_state VARCHAR(16) NOT NULL,
  to_state VARCHAR(16) NOT NULL,
  detail VARCHAR(1024) NOT NULL DEFAULT '',
  FOREIGN KEY (cluster_id) REFERENCES clusters(id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS cluster_events_cluster ON cluster_events(cluster_id, at)
)sql"},
      {3, "applications and their versions", R"sql(
CREATE TABLE IF NOT EXISTS apps (
  id {{id}},
  team_id BIGINT NOT NULL,
  name VARCHAR(64) NOT NULL,
  kind VARCHAR(8) NOT NULL,
  description VARCHAR(1024) NOT NULL DEFAULT '',
  tags {{text}},
  restart_policy {{text}},
  alert_channel_ids {{text}},
  draft_version INTEGER NOT NULL,
  deployed_version INTEGER NULL,
  state VARCHAR(16) NOT NULL,
  job_id VARCHAR(32) NOT NULL DEFAULT '',
  cluster_id BIGINT NULL,
  started_at BIGINT NULL,
  last_error {{text}},
  web_url VARCHAR(1024) NOT NULL DEFAULT '',
  operation_id BIGINT NULL,
  state_changed_at BIGINT NOT NULL DEFAULT 0,
  last_seen_at BIGINT NULL,
  created_by BIGINT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  UNIQUE (team_id, name),
  FOREIGN KEY (team_id) REFERENCES teams(id)
);
CREATE INDEX IF NOT EXISTS apps_team ON apps(team_id);
CREATE TABLE IF NOT EXISTS app_versions (
  app_id BIGINT NOT NULL,
  version INTEGER NOT NULL,
  spec {{text}},
  note VARCHAR(255) NOT NULL DEFAULT '',
  created_by BIGINT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (app_id, version),
  FOREIGN KEY (app_id) REFERENCES apps(id) ON DELETE CASCADE
);
CREATE TABLE IF NOT EXISTS operations (
  id {{id}},
  team_id BIGINT NOT NULL,
  app_id BIGINT NULL,
  kind VARCHAR(16) NOT NULL,
  state VARCHAR(16) NOT NULL,
  params {{text}},
  result {{text}},
  error {{text}},
  created_by BIGINT NULL,
  created_at BIGINT NOT NULL,
  started_at BIGINT NULL,
  finished_at BIGINT NULL
);
CREATE INDEX IF NOT EXISTS operations_state ON operations(state);
CREATE INDEX IF NOT EXISTS operations_app ON operations(app_id, id);
CREATE TABLE IF NOT EXISTS app_events (
  id {{id}},
  app_id BIGINT NOT NULL,
  at BIGINT NOT NULL,
  kind VARCHAR(16) NOT NULL,
  from_state VARCHAR(16) NOT NULL DEFAULT '',
  to_state VARCHAR(16) NOT NULL DEFAULT '',
  operation_id BIGINT NULL,
  job_id VARCHAR(32) NOT NULL DEFAULT '',
  cause {{text}},
  user_id BIGINT NULL,
  FOREIGN KEY (app_id) REFERENCES apps(id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS app_events_app ON app_events(app_id, id);
CREATE TABLE IF NOT EXISTS app_savepoints (
  id {{id}},
  app_id BIGINT NOT NULL,
  job_id VARCHAR(32) NOT NULL,
  kind VARCHAR(16) NOT NULL,
  path VARCHAR(2048) NOT NULL,
  created_at BIGINT NOT NULL,
  operation_id BIGINT NULL,
  FOREIGN KEY (app_id) REFERENCES apps(id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS app_savepoints_app ON app_savepoints(app_id, created_at)
)sql"},
      {4, "resources and variables", R"sql(
CREATE TABLE IF NOT EXISTS resources (
  id {{id}},
  team_id BIGINT NOT NULL,
  name VARCHAR(128) NOT NULL,
  file_name VARCHAR(255) NOT NULL,
  size BIGINT NOT NULL,
  sha256 CHAR(64) NOT NULL,
  description VARCHAR(1024) NOT NULL DEFAULT '',
  created_by BIGINT NULL,
  created_at BIGINT NOT NULL,
  UNIQUE (team_id, name),
  FOREIGN KEY (team_id) REFERENCES teams(id)
);
CREATE INDEX IF NOT EXISTS resources_team ON resources(team_id);
CREATE TABLE IF NOT EXISTS variables (
  id {{id}},
  team_id BIGINT NOT NULL,
  name VARCHAR(64) NOT NULL,
  value {{text}},
  secret INTEGER NOT NULL DEFAULT 0,
  description VARCHAR(1024) NOT NULL DEFAULT '',
  created_by BIGINT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  UNIQUE (team_id, name),
  FOREIGN KEY (team_id) REFERENCES teams(id)
);
CREATE INDEX IF NOT EXISTS variables_team ON variables(team_id)
)sql"},
      {5, "alert channels, rules, the alert outbox and restarts", R"sql(
CREATE TABLE IF NOT EXISTS alert_channels (
  id {{id}},
  team_id BIGINT NOT NULL,
  name VARCHAR(64) NOT NULL,
  kind VARCHAR(16) NOT NULL,
  config {{text}},
  description VARCHAR(1024) NOT NULL DEFAULT '',
  created_by BIGINT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  UNIQUE (team_id, name),
  FOREIGN KEY (team_id) REFERENCES teams(id)
);
CREATE TABLE IF NOT EXISTS alert_settings (
  scope VARCHAR(8) NOT NULL,
  scope_id BIGINT NOT NULL,
  rules {{text}},
  channel_ids {{text}},
  maintenance {{text}},
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (scope, scope_id)
);
CREATE TABLE IF NOT EXISTS alerts (
  id {{id}},
  team_id BIGINT NOT NULL,
  app_id BIGINT NULL,
  cluster_id BIGINT NULL,
  channel_id BIGINT NOT NULL,
  rule VARCHAR(32) NOT NULL,
  source VARCHAR(64) NOT NULL,
  facts {{text}},
  state VARCHAR(16) NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at BIGINT NOT NULL,
  last_error {{text}},
  created_at BIGINT NOT NULL,
  delivered_at BIGINT NULL,
  UNIQUE (channel_id, source)
);
CREATE INDEX IF NOT EXISTS alerts_pending ON alerts(state, next_attempt_at);
CREATE INDEX IF NOT EXISTS alerts_app ON alerts(app_id, rule, created_at);
CREATE TABLE IF NOT EXISTS app_restarts (
  id {{id}},
  app_id BIGINT NOT NULL,
  source VARCHAR(64) NOT NULL UNIQUE,
  attempt INTEGER NOT NULL,
  max_restarts INTEGER NOT NULL,
  state VARCHAR(16) NOT NULL,
  due_at BIGINT NOT NULL,
  operation_id BIGINT NULL,
  detail {{text}},
  created_at BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS app_restarts_app ON app_restarts(app_id, created_at);
CREATE TABLE IF NOT EXISTS alert_cursors (
  name VARCHAR(32) PRIMARY KEY,
  position BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
)
)sql"},
      {6, "projects and builds", R"sql(
CREATE TABLE IF NOT EXISTS projects (
  id {{id}},
  team_id BIGINT NOT NULL,
  name VARCHAR(128) NOT NULL,
  git_url VARCHAR(2048) NOT NULL,
  ref VARCHAR(255) NOT NULL,
  credential_kind VARCHAR(16) NOT NULL DEFAULT '',
  credential_user VARCHAR(255) NOT NULL DEFAULT '',
  credential_secret {{text}},
  build_args {{text}},
  maven_settings {{text}},
  description VARCHAR(1024) NOT NULL DEFAULT '',
  created_by BIGINT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  UNIQUE (team_id, name),
  FOREIGN KEY (team_id) REFERENCES teams(id)
);
CREATE INDEX IF NOT EXISTS projects_team ON projects(team_id);
CREATE TABLE IF NOT EXISTS builds (
  id {{id}},
  project_id BIGINT NOT NULL,
  team_id BIGINT NOT NULL,
  state VARCHAR(16) NOT NULL,
  ref VARCHAR(255) NOT NULL,
  commit_sha VARCHAR(64) NOT NULL DEFAULT '',
  params {{text}},
  result {{text}},
  error {{text}},
  pid BIGINT NULL,
  pid_start_ticks BIGINT NULL,
  created_by BIGINT NULL,
  created_at BIGINT NOT NULL,
  started_at BIGINT NULL,
  finished_at BIGINT NULL,
  FOREIGN KEY (project_id) REFERENCES projects(id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS builds_state ON builds(state);
CREATE INDEX IF NOT EXISTS builds_project ON builds(project_id, id)
)sql"},
  };
  return kMigrations;
}

}  // namespace sluice::store
