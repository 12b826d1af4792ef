// Loading data and running actions, each with the three outcomes a person must see: progress,
// success, or the API's error in words.
import { notifications } from "@mantine/notifications";
import { DependencyList, useCallback, useEffect, useRef, useState } from "react";
import { describeError, errorReference } from "../api/errors";

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

export function useLoad<T>(load: () => Promise<T>, deps: DependencyList): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setLoading(true);
    load().then(
      (value) => { if (live) { setData(value); setError(undefined); setLoading(false); } },
      (err) => { if (live) { setError(err); setLoading(false); } },
    );
    return () => { live = false; };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data, error, loading, reload };
}

// Polls `load` every `ms` while the page is visible, for states that change on their own.
export function usePoll(reload: () => void, ms: number, enabled = true): void {
  const saved = useRef(reload);
  saved.current = reload;
  useEffect(() => {
    if (!enabled) return;
    const timer = setInterval(() => { if (document.visibilityState === "visible") saved.current(); }, ms);
    return () => clearInterval(timer);
  }, [ms, enabled]);
}

let counter = 0;

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: string };

export interface ActionState {
  running: boolean;
  error: string | null;
}

// run(label, fn, success?): shows "label…" while fn runs, then the success text or the error.
export function useAction() {
  const [state, setState] = useState<ActionState>({ running: false, error: null });
  const run = useCallback(async <T,>(label: string, fn: () => Promise<T>, success?: string): Promise<Outcome<T>> => {
    const id = `action-${++counter}`;
    setState({ running: true, error: null });
    notifications.show({ id, loading: true, title: label + "…", message: "Working on it", autoClose: false, withCloseButton: false });
    try {
      const result = await fn();
      notifications.update({ id, loading: false, color: "green", title: success ?? label + ": done", message: "", autoClose: 2500, withCloseButton: true });
      setState({ running: false, error: null });
      return { ok: true, value: result };
    } catch (error) {
      const text = describeError(error);
      const ref = errorReference(error);
      notifications.update({ id, loading: false, color: "red", title: label + " failed", message: ref ? `${text} (${ref})` : text, autoClose: 8000, withCloseButton: true });
      setState({ running: false, error: text });
      return { ok: false, error: text };
    }
  }, []);
  const clear = useCallback(() => setState({ running: false, error: null }), []);
  return { ...state, run, clear };
}
