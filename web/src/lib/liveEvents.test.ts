import { describe, expect, it } from "vitest";
import { parseEventStream, reconnectDelay } from "./liveEvents";

describe("parseEventStream", () => {
  it("splits complete frames and keeps the unfinished rest", () => {
    const text = 'retry: 3000\n: connected\n\nid: 7\nevent: app\ndata: {"app_id":1}\n\nid: 8\nevent: app\ndata: {"app';
    const { frames, rest } = parseEventStream(text);
    expect(frames).toEqual([{ id: "7", event: "app", data: '{"app_id":1}' }]);
    expect(rest).toBe('id: 8\nevent: app\ndata: {"app');
    // The rest completes with the next read.
    const next = parseEventStream(rest + '_id":2}\n\n');
    expect(next.frames).toEqual([{ id: "8", event: "app", data: '{"app_id":2}' }]);
    expect(next.rest).toBe("");
  });

  it("ignores comments, joins data lines and accepts CRLF", () => {
    const { frames } = parseEventStream(": ping\r\n\r\ndata: a\r\ndata: b\r\n\r\n");
    expect(frames).toEqual([{ id: undefined, event: "message", data: "a\nb" }]);
  });

  it("keeps a value's own colons and drops only one leading space", () => {
    const { frames } = parseEventStream("event: app\ndata:  {\"at\":\"12:00\"}\n\n");
    expect(frames[0].data).toBe(' {"at":"12:00"}');
  });
});

describe("reconnectDelay", () => {
  it("doubles from one second up to thirty", () => {
    expect([0, 1, 2, 3, 4, 5, 6].map(reconnectDelay)).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000]);
  });
});
