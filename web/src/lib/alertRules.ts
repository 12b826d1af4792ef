// An application's alert rules and maintenance windows, as GET/PUT /api/v1/apps/{id}/alert-settings
// has them: each rule the app does not name follows its team's default (GET
// /api/v1/teams/{id}/alert-settings answers every rule). A rule is a boolean, or for the rules that
// look inside a running job, false or its settings. The form keeps numbers as the user typed them;
// overridesFromForm checks them before anything is sent.

export type RuleSettings = Record<string, number | string>;
export type RuleValue = boolean | RuleSettings;

export interface SettingMeta {
  key: string;
  label: string;
  kind: "count" | "action";
}

export interface RuleMeta {
  key: string;
  label: string;
  help: string;
  settings?: SettingMeta[];
  defaults?: RuleSettings;
}

export const RULES: RuleMeta[] = [
  { key: "failed", label: "Job failed", help: "the job turned FAILED (with restarts left, the restart comes first)" },
  { key: "restarts_exhausted", label: "Restarts used up", help: "the restart policy's restarts are used up and the job failed again" },
  { key: "lost", label: "Job lost", help: "the job could not be seen on its cluster for a while" },
  { key: "cancelled", label: "Cancelled outside Sluice", help: "the job was cancelled in Flink, not through Sluice" },
  { key: "cluster", label: "Cluster lost or failed", help: "the app's cluster stopped answering or failed" },
  {
    key: "checkpoint_failures",
    label: "Checkpoint failures",
    help: "at least this many checkpoints failed within the window",
    settings: [
      { key: "failures", label: "Failures", kind: "count" },
      { key: "window_minutes", label: "Within minutes", kind: "count" },
      { key: "action", label: "Then", kind: "action" },
    ],
    defaults: { failures: 3, window_minutes: 10, action: "alert" },
  },
  {
    key: "checkpoint_stale",
    label: "No completed checkpoint",
    help: "no checkpoint completed for this long while RUNNING (jobs with checkpointing on)",
    settings: [{ key: "minutes", label: "Minutes", kind: "count" }],
    defaults: { minutes: 30 },
  },
  {
    key: "flink_restarts",
    label: "Flink restarts",
    help: "Flink's own restart strategy restarted the job more than this many times within the window",
    settings: [
      { key: "restarts", label: "More than", kind: "count" },
      { key: "window_minutes", label: "Within minutes", kind: "count" },
    ],
    defaults: { restarts: 3, window_minutes: 10 },
  },
];

export type Choice = "inherit" | "on" | "off";

export interface RuleForm {
  choice: Choice;
  settings: Record<string, string>;
}

export interface MaintenanceWindow {
  from: string;
  until: string;
  note?: string;
}

function settingsOf(meta: RuleMeta, value: RuleValue | undefined): RuleSettings {
  const merged: RuleSettings = { ...(meta.defaults ?? {}) };
  if (value && typeof value === "object") Object.assign(merged, value);
  return merged;
}

// Whether a rule is on in effective (team) rules; rules missing there are on for the five state
// rules and off for the three that look inside a job (the server's defaults).
export function isOn(meta: RuleMeta, value: RuleValue | undefined): boolean {
  if (value === undefined) return !meta.settings;
  return value !== false;
}

// "on", "off", or the settings in words ("3 failures within 10 min, then restart").
export function describeRule(meta: RuleMeta, value: RuleValue | undefined): string {
  if (!isOn(meta, value)) return "off";
  if (!meta.settings) return "on";
  const s = settingsOf(meta, value);
  switch (meta.key) {
    case "checkpoint_failures":
      return `${s.failures} failures within ${s.window_minutes} min${s.action === "restart" ? ", then restart" : ""}`;
    case "checkpoint_stale":
      return `none for ${s.minutes} min`;
    case "flink_restarts":
      return `more than ${s.restarts} within ${s.window_minutes} min`;
    default:
      return "on";
  }
}

// The form for an app's overrides: rules it names are on or off, the rest inherit.
export function formFromOverrides(overrides: Record<string, RuleValue>): Record<string, RuleForm> {
  const form: Record<string, RuleForm> = {};
  for (const meta of RULES) {
    const value = overrides[meta.key];
    const settings: Record<string, string> = {};
    for (const [k, v] of Object.entries(settingsOf(meta, value))) settings[k] = String(v);
    form[meta.key] = { choice: value === undefined ? "inherit" : value === false ? "off" : "on", settings };
  }
  return form;
}

// The overrides to PUT, or the errors by rule key (nothing is sent while there are any).
export function overridesFromForm(form: Record<string, RuleForm>): { rules: Record<string, RuleValue>; errors: Record<string, string> } {
  const rules: Record<string, RuleValue> = {};
  const errors: Record<string, string> = {};
  for (const meta of RULES) {
    const entry = form[meta.key];
    if (!entry || entry.choice === "inherit") continue;
    if (entry.choice === "off") {
      rules[meta.key] = false;
      continue;
    }
    if (!meta.settings) {
      rules[meta.key] = true;
      continue;
    }
    const settings: RuleSettings = {};
    for (const setting of meta.settings) {
      const text = (entry.settings[setting.key] ?? "").trim();
      if (setting.kind === "action") {
        if (text !== "alert" && text !== "restart") errors[meta.key] = `${meta.label}: "Then" is alert or restart`;
        settings[setting.key] = text;
        continue;
      }
      const n = Number(text);
      if (!/^\d+$/.test(text) || n < 1 || n > 100000) {
        errors[meta.key] = `${meta.label}: ${setting.label.toLowerCase()} must be a whole number from 1 to 100000`;
        continue;
      }
      settings[setting.key] = n;
    }
    rules[meta.key] = settings;
  }
  return { rules, errors };
}

// A window as the datetime-local inputs show it (the browser's time zone), and back to RFC 3339.
export function toLocalInput(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

// The windows to PUT, or the first problem ("Window 2: ...").
export function maintenanceFromInputs(rows: { from: string; until: string; note: string }[]): { windows: MaintenanceWindow[]; error?: string } {
  const windows: MaintenanceWindow[] = [];
  for (const [i, row] of rows.entries()) {
    const from = new Date(row.from);
    const until = new Date(row.until);
    if (!row.from || Number.isNaN(from.getTime())) return { windows, error: `Window ${i + 1}: the start is not a date and time` };
    if (!row.until || Number.isNaN(until.getTime())) return { windows, error: `Window ${i + 1}: the end is not a date and time` };
    if (until <= from) return { windows, error: `Window ${i + 1}: it must end after it starts` };
    const window: MaintenanceWindow = { from: from.toISOString(), until: until.toISOString() };
    if (row.note.trim()) window.note = row.note.trim();
    windows.push(window);
  }
  return { windows };
}
