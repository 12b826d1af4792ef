// Live updates: one server-sent events connection to GET /api/v1/events/stream, shared by every
// page that listens. EventSource cannot send the bearer token, so the stream is read with fetch;
// when it drops, it reconnects with back-off and Last-Event-ID, so nothing is missed. Pages read
// again when an event concerns them, and poll slowly only while the stream is down.
import { useEffect, useRef, useState } from "react";
import { getToken } from "../api/client";

export interface AppEvent {
  id: number;
  app_id: number;
  app: string;
  team_id: number;
  kind: "state" | "operation" | "savepoint" | string;
  from?: string;
  to?: string;
  cause: string;
  at: string;
  job_id: string;
  operation_id: number | null;
  state: string;
  operation_id_in_flight: number | null;
}

export interface StreamFrame {
  id?: string;
  event: string;
  data: string;
}

// Splits SSE text into complete frames (RFC: lines "field: value", frames end at a blank line;
// comments start with ':'). Answers the frames and the unfinished rest to keep for the next read.
export function parseEventStream(buffer: string): { frames: StreamFrame[]; rest: string } {
  const frames: StreamFrame[] = [];
  const normalized = buffer.replace(/\r\n?/g, "\n");
  const parts = normalized.split("\n\n");
  const rest = parts.pop() ?? "";
  for (const part of parts) {
    let id: string | undefined;
    let event = "message";
    const data: string[] = [];
    for (const line of part.split("\n")) {
      if (line === "" || line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? "" : line.slice(colon + 1);
      if (value.startsWith(" ")) value = value.slice(1);
      if (field === "id") id = value;
      else if (field === "event") event = value;
      else if (field === "data") data.push(value);
    }
    if (data.length > 0 || id !== undefined) frames.push({ id, event, data: data.join("\n") });
  }
  return { frames, rest };
}

// The wait before reconnect attempt `n` (0-based): 1 s, 2 s, 4 s ... at most 30 s.
export function reconnectDelay(attempt: number): number {
  return Math.min(30_000, 1000 * 2 ** Math.max(0, attempt));
}

export type LiveStatus = "connecting" | "live" | "down";

type Listener = (event: AppEvent) => void;
type StatusListener = (status: LiveStatus) => void;

const listeners = new Set<Listener>();
const statusListeners = new Set<StatusListener>();
let status: LiveStatus = "down";
let controller: AbortController | null = null;
let lastEventId: string | undefined;
let retryTimer: ReturnType<typeof setTimeout> | undefined;
let attempt = 0;

function setStatus(next: LiveStatus) {
  if (next === status) return;
  status = next;
  for (const listener of statusListeners) listener(next);
}

function scheduleReconnect() {
  if (listeners.size === 0 && statusListeners.size === 0) return;
  setStatus("down");
  clearTimeout(retryTimer);
  retryTimer = setTimeout(connect, reconnectDelay(attempt++));
}

async function connect() {
  const token = getToken();
  if (!token || controller) return;
  const abort = new AbortController();
  controller = abort;
  setStatus("connecting");
  try {
    const headers: Record<string, string> = { Accept: "text/event-stream", Authorization: `Bearer ${token}` };
    if (lastEventId) headers["Last-Event-ID"] = lastEventId;
    const response = await fetch("/api/v1/events/stream", { headers, signal: abort.signal, cache: "no-store" });
    if (!response.ok || !response.body) throw new Error(`the event stream answered ${response.status}`);
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      const parsed = parseEventStream(buffer);
      buffer = parsed.rest;
      if (status !== "live") {
        setStatus("live");
        attempt = 0;
      }
      for (const frame of parsed.frames) {
        if (frame.id) lastEventId = frame.id;
        if (frame.event !== "app") continue;
        let event: AppEvent;
        try {
          event = JSON.parse(frame.data) as AppEvent;
        } catch {
          continue;
        }
        for (const listener of [...listeners]) listener(event);
      }
    }
  } catch {
    // Dropped, refused or aborted: the reconnect below decides what happens next.
  } finally {
    if (controller === abort) controller = null;
  }
  if (!abort.signal.aborted) scheduleReconnect();
}

function release() {
  if (listeners.size > 0 || statusListeners.size > 0) return;
  clearTimeout(retryTimer);
  controller?.abort();
  controller = null;
  setStatus("down");
}

// Ends the stream (logging out): the next listener connects again with the new token.
export function resetLiveEvents(): void {
  clearTimeout(retryTimer);
  controller?.abort();
  controller = null;
  lastEventId = undefined;
  attempt = 0;
  setStatus("down");
}

export function subscribeAppEvents(listener: Listener): () => void {
  listeners.add(listener);
  if (!controller) void connect();
  return () => {
    listeners.delete(listener);
    release();
  };
}

// Calls `onEvent` for every app event that `accept` takes, while the component is mounted.
export function useAppEvents(onEvent: Listener, accept: (event: AppEvent) => boolean = () => true): void {
  const saved = useRef({ onEvent, accept });
  saved.current = { onEvent, accept };
  useEffect(
    () =>
      subscribeAppEvents((event) => {
        if (saved.current.accept(event)) saved.current.onEvent(event);
      }),
    [],
  );
}

// The stream's status, for the "live" badge and for falling back to polling while it is down.
export function useLiveStatus(): LiveStatus {
  const [current, setCurrent] = useState<LiveStatus>(status);
  useEffect(() => {
    statusListeners.add(setCurrent);
    setCurrent(status);
    return () => {
      statusListeners.delete(setCurrent);
      release();
    };
  }, []);
  return current;
}

// Coalesces bursts (a deploy makes several events within milliseconds) into one call.
export function useCoalesced(fn: () => void, ms = 150): () => void {
  const saved = useRef(fn);
  saved.current = fn;
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);
  const ref = useRef(() => {
    clearTimeout(timer.current);
    timer.current = setTimeout(() => saved.current(), ms);
  });
  return ref.current;
}
