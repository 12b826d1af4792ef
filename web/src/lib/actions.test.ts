import { describe, expect, it } from "vitest";
import type { Operation } from "../api/types";
import { availability, deletable, followOperation, operationSummary, shouldPoll } from "./actions";

const app = (state: string, extra: Record<string, unknown> = {}) => ({ state, job_id: null, operation: null, ...extra });

describe("availability", () => {
  it("deploys only when no job may run", () => {
    for (const state of ["NEW", "FINISHED", "CANCELED", "FAILED"]) expect(availability(app(state), "deploy").allowed).toBe(true);
    for (const state of ["DEPLOYING", "RUNNING", "LOST", "RESTARTING", "CANCELLING"]) {
      const a = availability(app(state, { job_id: "j" }), "deploy");
      expect(a.allowed).toBe(false);
      expect(a.reason).toContain(state);
    }
  });
  it("stops only a job that exists and may run", () => {
    expect(availability(app("RUNNING", { job_id: "abc" }), "stop").allowed).toBe(true);
    expect(availability(app("LOST", { job_id: "abc" }), "stop").allowed).toBe(true);
    expect(availability(app("RUNNING"), "stop").allowed).toBe(false);
    expect(availability(app("CANCELED", { job_id: "abc" }), "stop").reason).toMatch(/no job to stop/);
    expect(availability(app("DEPLOYING", { job_id: "abc" }), "stop").allowed).toBe(false);
  });
  it("takes savepoints of RUNNING jobs only", () => {
    expect(availability(app("RUNNING", { job_id: "abc" }), "savepoint").allowed).toBe(true);
    expect(availability(app("RESTARTING", { job_id: "abc" }), "savepoint").reason).toMatch(/RUNNING/);
  });
  it("refuses everything while an operation is in flight, saying which", () => {
    const busy = app("RUNNING", { job_id: "abc", operation: { id: 7, kind: "stop", state: "RUNNING" } });
    for (const kind of ["deploy", "stop", "savepoint"] as const) {
      const a = availability(busy, kind);
      expect(a.allowed).toBe(false);
      expect(a.reason).toContain("stop is in progress (operation 7");
    }
  });
});

describe("shouldPoll", () => {
  it("polls while something may change on its own", () => {
    expect(shouldPoll(app("RUNNING"))).toBe(true);
    expect(shouldPoll(app("DEPLOYING"))).toBe(true);
    expect(shouldPoll(app("NEW", { operation: { id: 1, kind: "deploy", state: "PENDING" } }))).toBe(true);
    expect(shouldPoll(app("CANCELED"))).toBe(false);
    expect(shouldPoll(app("NEW"))).toBe(false);
    expect(shouldPoll(null)).toBe(false);
  });
});

describe("followOperation", () => {
  const op = (state: string, extra: Partial<Operation> = {}): Operation => ({ id: 3, kind: "deploy", state, ...extra });

  it("reads until the operation ends and reports each change", async () => {
    const answers = [op("RUNNING"), op("RUNNING"), op("SUCCEEDED", { result: { job_id: "abc", restored_from: "file:///sp/1" } })];
    const seen: string[] = [];
    const waits: number[] = [];
    const done = await followOperation(op("PENDING"), async () => answers.shift()!, {
      intervalMs: 500, wait: async (ms) => { waits.push(ms); }, onUpdate: (o) => seen.push(o.state),
    });
    expect(done.state).toBe("SUCCEEDED");
    expect(seen).toEqual(["PENDING", "RUNNING", "SUCCEEDED"]);
    expect(waits).toEqual([500, 500, 500]);
    expect(operationSummary(done)).toBe("Submitted as job abc, restored from file:///sp/1.");
  });

  it("keeps going through a failed read, and answers a FAILED operation's error", async () => {
    let calls = 0;
    const done = await followOperation(op("PENDING"), async () => {
      calls++;
      if (calls === 1) throw new Error("busy");
      return op("FAILED", { error: { code: "SUBMIT_FAILED", message: "Flink refused the job" } });
    }, { wait: async () => {} });
    expect(calls).toBe(2);
    expect(operationSummary(done)).toBe("Flink refused the job (SUBMIT_FAILED)");
  });

  it("gives up after the timeout, saying where it was", async () => {
    let t = 0;
    await expect(followOperation(op("RUNNING"), async () => op("RUNNING"), {
      intervalMs: 1000, timeoutMs: 3000, wait: async (ms) => { t += ms; }, now: () => t,
    })).rejects.toThrow(/did not end within 3 s; it is RUNNING/);
  });

  it("describes stops and savepoints", () => {
    expect(operationSummary({ id: 1, kind: "stop", state: "SUCCEEDED", result: { savepoint: "file:///s/2" } })).toBe("Stopped; savepoint at file:///s/2.");
    expect(operationSummary({ id: 1, kind: "stop", state: "SUCCEEDED" })).toBe("Stopped.");
    expect(operationSummary({ id: 1, kind: "savepoint", state: "SUCCEEDED", result: { savepoint: "file:///s/3" } })).toBe("Savepoint at file:///s/3.");
  });
});

describe("deletable", () => {
  it("deletes only what does not run", () => {
    expect(deletable(app("NEW")).allowed).toBe(true);
    expect(deletable(app("CANCELED")).allowed).toBe(true);
    expect(deletable(app("RUNNING")).reason).toMatch(/stop it first/);
    expect(deletable(app("FAILED", { operation: { id: 2, kind: "deploy", state: "RUNNING" } })).reason).toMatch(/deploy is in progress/);
  });
});
