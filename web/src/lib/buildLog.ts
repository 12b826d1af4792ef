// Following a build's log: GET /api/v1/builds/{id}/log?follow=1 is a server-sent events stream of
// `log` pieces ({"text"}, with the byte offset after them as the event id) and one `end` (the
// build) after the last piece. Read with fetch (EventSource cannot send the bearer token); a
// dropped connection resumes at the last offset (Last-Event-ID), so no byte is shown twice.
import { getToken } from "../api/client";
import type { Build } from "../api/types";
import { parseEventStream, reconnectDelay, StreamFrame } from "./liveEvents";

export interface BuildLogProgress {
  text: string; // the log's new bytes in these frames
  offset?: number; // where the log stands after them
  ended?: Build; // the build, once the stream has said `end`
}

// What a batch of frames adds to the log.
export function readBuildLogFrames(frames: StreamFrame[]): BuildLogProgress {
  const progress: BuildLogProgress = { text: "" };
  for (const frame of frames) {
    if (frame.event === "log") {
      try {
        progress.text += (JSON.parse(frame.data) as { text?: string }).text ?? "";
      } catch {
        continue;
      }
      const offset = Number(frame.id);
      if (frame.id !== undefined && Number.isFinite(offset)) progress.offset = offset;
    } else if (frame.event === "end") {
      try {
        progress.ended = JSON.parse(frame.data) as Build;
      } catch {
        progress.ended = { state: "" } as Build;
      }
    }
  }
  return progress;
}

// Follows the log until the build has ended (answers the build) or `signal` aborts (answers
// undefined). `onText` gets each new piece. A refused stream (401, 404...) throws.
export async function followBuildLog(
  buildId: number,
  onText: (text: string) => void,
  signal: AbortSignal,
  fetcher: typeof fetch = fetch,
): Promise<Build | undefined> {
  let offset = 0;
  for (let attempt = 0; !signal.aborted; ) {
    const headers: Record<string, string> = { Accept: "text/event-stream" };
    const token = getToken();
    if (token) headers.Authorization = `Bearer ${token}`;
    if (offset > 0) headers["Last-Event-ID"] = String(offset);
    let response: Response;
    try {
      response = await fetcher(`/api/v1/builds/${buildId}/log?follow=1`, { headers, signal, cache: "no-store" });
    } catch {
      if (signal.aborted) return undefined;
      await new Promise((resolve) => setTimeout(resolve, reconnectDelay(attempt++)));
      continue;
    }
    if (!response.ok || !response.body) throw new Error(`the build log answered ${response.status}`);
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        attempt = 0;
        buffer += decoder.decode(value, { stream: true });
        const parsed = parseEventStream(buffer);
        buffer = parsed.rest;
        const progress = readBuildLogFrames(parsed.frames);
        if (progress.text) onText(progress.text);
        if (progress.offset !== undefined) offset = progress.offset;
        if (progress.ended) return progress.ended;
      }
    } catch {
      if (signal.aborted) return undefined;
    }
    // The connection dropped before `end`: resume where it stopped.
    await new Promise((resolve) => setTimeout(resolve, reconnectDelay(attempt++)));
  }
  return undefined;
}
