// Filtering, searching and sorting of the applications list (done in the browser on the page the
// API answered; the API's own filters narrow what is fetched), and the colours of states.
import type { App } from "../api/types";

export interface AppFilters {
  q?: string;
  states?: string[]; // any of these; empty or absent: all
  kind?: "sql" | "jar" | "";
  teamId?: number | null;
}

export type SortKey = "name" | "state" | "updated_at" | "created_at" | "version";
export interface SortOrder {
  key: SortKey;
  direction: "asc" | "desc";
}

// Matches every word of the query (case-insensitive) against the name, description, tags and job id.
export function matchesQuery(app: App, q: string | undefined): boolean {
  const words = (q ?? "").toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return true;
  const haystack = [app.name, app.description ?? "", ...(app.tags ?? []), app.job_id ?? "", String(app.id)]
    .join(" ")
    .toLowerCase();
  return words.every((word) => haystack.includes(word));
}

export function filterApps(items: App[], filters: AppFilters): App[] {
  return items.filter((app) => {
    if (filters.teamId && app.team_id !== filters.teamId) return false;
    if (filters.kind && app.kind !== filters.kind) return false;
    if (filters.states && filters.states.length > 0 && !filters.states.includes(app.state)) return false;
    return matchesQuery(app, filters.q);
  });
}

// States in the order a person scans for trouble: failing ones first.
const STATE_RANK: Record<string, number> = {
  FAILED: 0, LOST: 1, FAILING: 2, RESTARTING: 3, DEPLOYING: 4, INITIALIZING: 5, CREATED: 6,
  RECONCILING: 7, RUNNING: 8, CANCELLING: 9, SUSPENDED: 10, CANCELED: 11, FINISHED: 12, NEW: 13,
};

function compare(a: App, b: App, key: SortKey): number {
  switch (key) {
    case "name":
      return a.name.localeCompare(b.name, undefined, { sensitivity: "base", numeric: true });
    case "state":
      return (STATE_RANK[a.state] ?? 99) - (STATE_RANK[b.state] ?? 99) || a.state.localeCompare(b.state);
    case "version":
      return (a.draft_version ?? 0) - (b.draft_version ?? 0);
    case "updated_at":
    case "created_at": {
      const ta = Date.parse(a[key] ?? "") || 0;
      const tb = Date.parse(b[key] ?? "") || 0;
      return ta - tb;
    }
  }
}

// A stable sort; ties are broken by name, then id, so the order never jumps between reloads.
export function sortApps(items: App[], order: SortOrder): App[] {
  const sign = order.direction === "asc" ? 1 : -1;
  return [...items].sort((a, b) => {
    const primary = compare(a, b, order.key) * sign;
    if (primary !== 0) return primary;
    return a.name.localeCompare(b.name) || a.id - b.id;
  });
}

// Clicking a column header: the same column flips the direction, another starts ascending
// (dates start with the newest).
export function nextSort(current: SortOrder, key: SortKey): SortOrder {
  if (current.key === key) return { key, direction: current.direction === "asc" ? "desc" : "asc" };
  return { key, direction: key === "updated_at" || key === "created_at" ? "desc" : "asc" };
}

export const APP_STATES = [
  "NEW", "DEPLOYING", "INITIALIZING", "CREATED", "RUNNING", "RESTARTING", "FAILING", "FAILED",
  "CANCELLING", "CANCELED", "FINISHED", "SUSPENDED", "RECONCILING", "LOST",
];

export function stateColor(state: string): string {
  switch (state) {
    case "RUNNING":
      return "green";
    case "FAILED":
    case "FAILING":
    case "LOST":
      return "red";
    case "RESTARTING":
    case "RECONCILING":
      return "orange";
    case "DEPLOYING":
    case "INITIALIZING":
    case "CREATED":
    case "STARTING":
    case "CANCELLING":
      return "blue";
    case "FINISHED":
      return "teal";
    case "NEW":
    case "CANCELED":
    case "SUSPENDED":
    case "STOPPED":
    default:
      return "gray";
  }
}

// The filters as URL search parameters and back, so a filtered list can be linked and reloaded.
export function filtersToParams(filters: AppFilters, order: SortOrder): URLSearchParams {
  const params = new URLSearchParams();
  if (filters.q) params.set("q", filters.q);
  if (filters.states?.length) params.set("state", filters.states.join(","));
  if (filters.kind) params.set("kind", filters.kind);
  if (order.key !== "name" || order.direction !== "asc") params.set("sort", `${order.key}:${order.direction}`);
  return params;
}

const SORT_KEYS: SortKey[] = ["name", "state", "updated_at", "created_at", "version"];

export function filtersFromParams(params: URLSearchParams): { filters: AppFilters; order: SortOrder } {
  const states = (params.get("state") ?? "").split(",").map((s) => s.trim().toUpperCase()).filter((s) => APP_STATES.includes(s));
  const kind = params.get("kind");
  const [key, direction] = (params.get("sort") ?? "").split(":");
  const order: SortOrder = {
    key: SORT_KEYS.includes(key as SortKey) ? (key as SortKey) : "name",
    direction: direction === "desc" ? "desc" : "asc",
  };
  return {
    filters: { q: params.get("q") ?? "", states, kind: kind === "sql" || kind === "jar" ? kind : "" },
    order,
  };
}
