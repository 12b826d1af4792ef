import { describe, expect, it } from "vitest";
import { followBuildLog, readBuildLogFrames } from "./buildLog";

function streamOf(chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
}

describe("readBuildLogFrames", () => {
  it("joins the pieces, keeps the last offset and reads the end", () => {
    const progress = readBuildLogFrames([
      { id: "6", event: "log", data: '{"text":"first\\n"}' },
      { id: "13", event: "log", data: '{"text":"second\\n"}' },
      { event: "end", data: '{"id":4,"state":"FAILED"}' },
    ]);
    expect(progress.text).toBe("first\nsecond\n");
    expect(progress.offset).toBe(13);
    expect(progress.ended?.state).toBe("FAILED");
  });

  it("skips a piece that is not JSON and other events", () => {
    const progress = readBuildLogFrames([
      { id: "6", event: "log", data: "{broken" },
      { event: "message", data: '{"text":"no"}' },
    ]);
    expect(progress.text).toBe("");
    expect(progress.offset).toBeUndefined();
    expect(progress.ended).toBeUndefined();
  });
});

describe("followBuildLog", () => {
  it("resumes at the last offset after a drop and answers the build at the end", async () => {
    const asked: Record<string, string>[] = [];
    const answers = [
      // The first connection drops after one piece (and half of the next frame).
      streamOf(['retry: 3000\n: connected\n\nid: 6\nevent: log\ndata: {"text":"first\\n"}\n\nid: 13\nevent: lo']),
      streamOf([': connected\n\nid: 13\nevent: log\ndata: {"text":"second\\n"}\n\n', 'event: end\ndata: {"id":4,"state":"SUCCEEDED"}\n\n']),
    ];
    const fetcher = (async (_url: string, init?: RequestInit) => {
      asked.push({ ...(init?.headers as Record<string, string>) });
      return new Response(answers.shift(), { status: 200, headers: { "Content-Type": "text/event-stream" } });
    }) as unknown as typeof fetch;
    let shown = "";
    const build = await followBuildLog(4, (text) => { shown += text; }, new AbortController().signal, fetcher);
    expect(build?.state).toBe("SUCCEEDED");
    expect(shown).toBe("first\nsecond\n");
    expect(asked).toHaveLength(2);
    expect(asked[0]["Last-Event-ID"]).toBeUndefined();
    expect(asked[1]["Last-Event-ID"]).toBe("6");
  });

  it("throws when the stream is refused", async () => {
    const fetcher = (async () => new Response("{}", { status: 404 })) as unknown as typeof fetch;
    await expect(followBuildLog(9, () => undefined, new AbortController().signal, fetcher)).rejects.toThrow("404");
  });
});
