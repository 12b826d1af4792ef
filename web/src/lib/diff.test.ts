import { describe, expect, it } from "vitest";
import { diffLines, diffStats, sideBySide, splitLines, versionText } from "./diff";

describe("diffLines", () => {
  it("finds nothing between equal texts", () => {
    const lines = diffLines("a\nb\nc\n", "a\nb\nc\n");
    expect(lines.every((l) => l.kind === "same")).toBe(true);
    expect(lines).toHaveLength(3);
  });

  it("shows one changed line as removed then added, with both numbers", () => {
    const lines = diffLines("SELECT 1\nFROM a\nWHERE x\n", "SELECT 1\nFROM b\nWHERE x\n");
    expect(lines.map((l) => l.kind)).toEqual(["same", "del", "add", "same"]);
    expect(lines[1]).toMatchObject({ text: "FROM a", oldNo: 2 });
    expect(lines[2]).toMatchObject({ text: "FROM b", newNo: 2 });
    expect(lines[3]).toMatchObject({ oldNo: 3, newNo: 3 });
  });

  it("keeps line numbers right around insertions and deletions", () => {
    const lines = diffLines("a\nb\nc\nd", "a\nx\nc\nd\ne");
    expect(diffStats(lines)).toEqual({ added: 2, removed: 1 });
    const last = lines[lines.length - 1];
    expect(last).toMatchObject({ kind: "add", text: "e", newNo: 5 });
    const d = lines.find((l) => l.text === "d");
    expect(d).toMatchObject({ kind: "same", oldNo: 4, newNo: 4 });
  });

  it("diffs from and to an empty text", () => {
    expect(diffLines("", "a\nb").map((l) => l.kind)).toEqual(["add", "add"]);
    expect(diffLines("a\nb", "").map((l) => l.kind)).toEqual(["del", "del"]);
    expect(diffLines("", "")).toEqual([]);
  });

  it("finds the longest common part, not just the head and tail", () => {
    const lines = diffLines("1\n2\n3\n4\n5", "0\n2\n3\n9\n5");
    expect(lines.filter((l) => l.kind === "same").map((l) => l.text)).toEqual(["2", "3", "5"]);
  });

  it("stays correct when the table would be too big", () => {
    const lines = diffLines("a\nb\nc", "a\nx\ny\nc", 1);
    expect(lines.map((l) => `${l.kind}:${l.text}`)).toEqual(["same:a", "del:b", "add:x", "add:y", "same:c"]);
  });

  it("treats CRLF like LF", () => {
    expect(splitLines("a\r\nb\r\n")).toEqual(["a", "b"]);
    expect(diffLines("a\r\nb", "a\nb").every((l) => l.kind === "same")).toBe(true);
  });
});

describe("sideBySide", () => {
  it("pairs removed and added lines in one row", () => {
    const rows = sideBySide(diffLines("a\nb\nc", "a\nB\nc"));
    expect(rows).toHaveLength(3);
    expect(rows[1]).toEqual({ left: { no: 2, text: "b", changed: true }, right: { no: 2, text: "B", changed: true } });
  });

  it("leaves a side empty when one side has more lines", () => {
    const rows = sideBySide(diffLines("a", "a\nb\nc"));
    expect(rows.map((r) => [r.left?.text, r.right?.text])).toEqual([["a", "a"], [undefined, "b"], [undefined, "c"]]);
  });
});

describe("versionText", () => {
  it("puts SQL, options and YAML in sections and ignores the version's own bookkeeping", () => {
    const a = versionText({ sql: "SELECT 1;", options: { b: "2", a: 1 }, config_yaml: "x: 1\n", parallelism: 2, version: 1, draft: true } as never);
    const b = versionText({ sql: "SELECT 1;", options: { a: 1, b: "2" }, config_yaml: "x: 1\n", parallelism: 2, version: 2, draft: false } as never);
    expect(a).toBe(b);
    expect(a).toContain("-- SQL\nSELECT 1;\n");
    expect(a).toContain("-- options\na: 1\nb: 2\n");
    expect(a).toContain('"parallelism": 2');
    expect(a).not.toContain("draft");
  });
});
