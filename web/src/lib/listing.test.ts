import { describe, expect, it } from "vitest";
import type { App } from "../api/types";
import { filterApps, filtersFromParams, filtersToParams, matchesQuery, nextSort, sortApps, stateColor } from "./listing";

function app(id: number, name: string, extra: Partial<App> = {}): App {
  return { id, name, team_id: 1, kind: "sql", state: "NEW", ...extra };
}

const apps = [
  app(1, "orders-to-es", { state: "RUNNING", tags: ["kafka"], updated_at: "2026-01-02T00:00:00Z" }),
  app(2, "clicks", { state: "FAILED", description: "Click stream", updated_at: "2026-01-03T00:00:00Z" }),
  app(3, "Billing", { state: "NEW", kind: "jar", team_id: 2, updated_at: "2026-01-01T00:00:00Z" }),
  app(4, "app10", { state: "LOST" }),
  app(5, "app9", { state: "RUNNING" }),
];

describe("filterApps", () => {
  it("matches every word in name, description and tags, ignoring case", () => {
    expect(filterApps(apps, { q: "CLICK stream" }).map((a) => a.id)).toEqual([2]);
    expect(filterApps(apps, { q: "kafka" }).map((a) => a.id)).toEqual([1]);
    expect(filterApps(apps, { q: "kafka clicks" })).toEqual([]);
    expect(matchesQuery(apps[0], "   ")).toBe(true);
  });

  it("filters by any of several states, by kind and by team", () => {
    expect(filterApps(apps, { states: ["RUNNING", "LOST"] }).map((a) => a.id)).toEqual([1, 4, 5]);
    expect(filterApps(apps, { kind: "jar" }).map((a) => a.id)).toEqual([3]);
    expect(filterApps(apps, { teamId: 2 }).map((a) => a.id)).toEqual([3]);
    expect(filterApps(apps, { states: [] })).toHaveLength(5);
  });
});

describe("sortApps", () => {
  it("sorts names naturally and case-insensitively", () => {
    expect(sortApps(apps, { key: "name", direction: "asc" }).map((a) => a.name)).toEqual(["app9", "app10", "Billing", "clicks", "orders-to-es"]);
  });

  it("puts troubled states first and breaks ties by name", () => {
    expect(sortApps(apps, { key: "state", direction: "asc" }).map((a) => a.id)).toEqual([2, 4, 5, 1, 3]);
  });

  it("sorts by time, newest first when descending, missing times last", () => {
    expect(sortApps(apps, { key: "updated_at", direction: "desc" }).map((a) => a.id)).toEqual([2, 1, 3, 4, 5]);
  });

  it("does not change its input", () => {
    const copy = [...apps];
    sortApps(apps, { key: "name", direction: "desc" });
    expect(apps).toEqual(copy);
  });

  it("flips the direction on the same column and starts dates with the newest", () => {
    expect(nextSort({ key: "name", direction: "asc" }, "name")).toEqual({ key: "name", direction: "desc" });
    expect(nextSort({ key: "name", direction: "asc" }, "updated_at")).toEqual({ key: "updated_at", direction: "desc" });
    expect(nextSort({ key: "updated_at", direction: "desc" }, "state")).toEqual({ key: "state", direction: "asc" });
  });
});

describe("URL parameters", () => {
  it("round-trips filters and order, dropping unknown states", () => {
    const params = filtersToParams({ q: "orders", states: ["RUNNING", "FAILED"], kind: "sql" }, { key: "state", direction: "desc" });
    expect(params.toString()).toBe("q=orders&state=RUNNING%2CFAILED&kind=sql&sort=state%3Adesc");
    params.set("state", "RUNNING,FAILED,BOGUS");
    const back = filtersFromParams(new URLSearchParams(params.toString()));
    expect(back.filters).toEqual({ q: "orders", states: ["RUNNING", "FAILED"], kind: "sql" });
    expect(back.order).toEqual({ key: "state", direction: "desc" });
  });

  it("falls back to name ascending for a bad sort", () => {
    expect(filtersFromParams(new URLSearchParams("sort=evil:x")).order).toEqual({ key: "name", direction: "asc" });
  });
});

describe("stateColor", () => {
  it("colours failures red and running green", () => {
    expect(stateColor("FAILED")).toBe("red");
    expect(stateColor("LOST")).toBe("red");
    expect(stateColor("RUNNING")).toBe("green");
    expect(stateColor("SOMETHING_NEW")).toBe("gray");
  });
});
