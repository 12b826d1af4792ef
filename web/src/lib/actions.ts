// Which of deploy, stop and savepoint an application's state allows (with the reason when not, so a
// disabled button can say why), whether its page should keep polling, and following an operation
// from its 202 to the end. The rules are the API's (docs/api.md, src/apps/journal.cc).
import type { App, Operation } from "../api/types";

// Flink's terminal job states, plus NEW (never deployed): nothing runs, a deploy may start.
export const TERMINAL_STATES = new Set(["NEW", "FINISHED", "CANCELED", "FAILED"]);
// A job of the app may run: Sluice's DEPLOYING and LOST, and Flink's non-terminal states.
export const ACTIVE_STATES = new Set([
  "DEPLOYING", "LOST", "CREATED", "INITIALIZING", "RUNNING", "FAILING", "CANCELLING", "RESTARTING",
  "SUSPENDED", "RECONCILING",
]);

export type ActionKind = "deploy" | "stop" | "savepoint";

// Deleting an application: only when nothing of it runs or is in flight (the API's 409 otherwise).
export function deletable(app: Pick<App, "state" | "operation">): Availability {
  if (app.operation) return { allowed: false, reason: `A ${app.operation.kind} is in progress: wait for it to end.` };
  if (!TERMINAL_STATES.has(app.state)) return { allowed: false, reason: `The application is ${app.state}: stop it first.` };
  return { allowed: true };
}

export interface Availability {
  allowed: boolean;
  reason?: string; // why not, in words, when not allowed
}

type AppState = Pick<App, "state" | "operation" | "job_id">;

function inFlight(app: AppState): string | undefined {
  if (!app.operation) return undefined;
  const op = app.operation;
  return `A ${op.kind} is in progress (operation ${op.id}, ${op.state.toLowerCase()}): wait for it to end.`;
}

export function availability(app: AppState, action: ActionKind): Availability {
  const busy = inFlight(app);
  if (busy) return { allowed: false, reason: busy };
  const state = app.state || "UNKNOWN";
  switch (action) {
    case "deploy":
      if (ACTIVE_STATES.has(state))
        return { allowed: false, reason: `The application is ${state}: a job of it may run. Stop it first.` };
      return { allowed: true };
    case "stop":
      if (!app.job_id || !ACTIVE_STATES.has(state) || state === "DEPLOYING")
        return { allowed: false, reason: `There is no job to stop (the application is ${state}).` };
      return { allowed: true };
    case "savepoint":
      if (state !== "RUNNING" || !app.job_id)
        return { allowed: false, reason: `A savepoint needs a RUNNING job (the application is ${state}).` };
      return { allowed: true };
  }
}

// The detail page polls while something may change on its own: an operation in flight, or a state
// that is not terminal (RUNNING included: it may fail or finish at any time).
export function shouldPoll(app: AppState | undefined | null): boolean {
  if (!app) return false;
  return !!app.operation || !TERMINAL_STATES.has(app.state);
}

export function isFinished(op: Pick<Operation, "state">): boolean {
  return op.state === "SUCCEEDED" || op.state === "FAILED";
}

export function operationError(op: Operation): string {
  const error = op.error;
  if (!error) return `The ${op.kind} failed.`;
  if (typeof error === "string") return error;
  const text = error.message || `The ${op.kind} failed.`;
  return error.code ? `${text} (${error.code})` : text;
}

// What a finished operation did, in a sentence.
export function operationSummary(op: Operation): string {
  if (op.state === "FAILED") return operationError(op);
  const result = op.result ?? {};
  switch (op.kind) {
    case "deploy":
      return `Submitted${result.job_id ? ` as job ${result.job_id}` : ""}${result.restored_from ? `, restored from ${result.restored_from}` : ", with empty state"}.`;
    case "stop":
      return result.savepoint ? `Stopped; savepoint at ${result.savepoint}.` : "Stopped.";
    case "savepoint":
      return result.savepoint ? `Savepoint at ${result.savepoint}.` : "Savepoint taken.";
    default:
      return `${op.kind} done.`;
  }
}

export interface FollowOptions {
  intervalMs?: number;
  timeoutMs?: number;
  onUpdate?: (op: Operation) => void;
  wait?: (ms: number) => Promise<void>; // injected by the tests
  now?: () => number;
}

// Reads the operation again every intervalMs until it SUCCEEDED or FAILED, and answers its last
// form. A read that fails is retried (the server may be busy) until the time is up.
export async function followOperation(
  first: Operation,
  get: (id: number) => Promise<Operation>,
  options: FollowOptions = {},
): Promise<Operation> {
  const interval = options.intervalMs ?? 1000;
  const timeout = options.timeoutMs ?? 10 * 60_000;
  const wait = options.wait ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const now = options.now ?? Date.now;
  const deadline = now() + timeout;
  let op = first;
  options.onUpdate?.(op);
  let lastError: unknown = null;
  while (!isFinished(op)) {
    if (now() > deadline) {
      throw new Error(`The ${op.kind} (operation ${op.id}) did not end within ${Math.round(timeout / 1000)} s; it is ${op.state}.${lastError ? ` Last read failed: ${String(lastError)}` : ""}`);
    }
    await wait(interval);
    try {
      const next = await get(op.id);
      lastError = null;
      if (next.state !== op.state) options.onUpdate?.(next);
      op = next;
    } catch (error) {
      lastError = error;
    }
  }
  return op;
}
