// Line diffs of two application versions: a longest-common-subsequence diff of lines (after
// trimming the common head and tail, so a small edit in a long SQL file stays cheap), and the
// pairing of removed and added lines into side-by-side rows.
import type { AppSpec } from "../api/types";

export type DiffLine =
  | { kind: "same"; text: string; oldNo: number; newNo: number }
  | { kind: "del"; text: string; oldNo: number }
  | { kind: "add"; text: string; newNo: number };

export function splitLines(text: string): string[] {
  if (text === "") return [];
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

// The diff of `a` against `b`, line by line. Above `maxCells` (rows x columns of the table) the
// middle part is shown as all removed then all added rather than spending seconds on it.
export function diffLines(a: string, b: string, maxCells = 4_000_000): DiffLine[] {
  const x = splitLines(a);
  const y = splitLines(b);
  let head = 0;
  while (head < x.length && head < y.length && x[head] === y[head]) head++;
  let tail = 0;
  while (tail < x.length - head && tail < y.length - head &&
         x[x.length - 1 - tail] === y[y.length - 1 - tail]) tail++;

  const out: DiffLine[] = [];
  for (let i = 0; i < head; i++) out.push({ kind: "same", text: x[i], oldNo: i + 1, newNo: i + 1 });

  const xs = x.slice(head, x.length - tail);
  const ys = y.slice(head, y.length - tail);
  const n = xs.length;
  const m = ys.length;
  if (n * m > maxCells) {
    xs.forEach((text, i) => out.push({ kind: "del", text, oldNo: head + i + 1 }));
    ys.forEach((text, j) => out.push({ kind: "add", text, newNo: head + j + 1 }));
  } else {
    // lcs[i][j]: length of the LCS of xs[i..] and ys[j..], in one flat array.
    const width = m + 1;
    const lcs = new Uint32Array((n + 1) * width);
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        lcs[i * width + j] = xs[i] === ys[j]
          ? lcs[(i + 1) * width + j + 1] + 1
          : Math.max(lcs[(i + 1) * width + j], lcs[i * width + j + 1]);
      }
    }
    let i = 0;
    let j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && xs[i] === ys[j]) {
        out.push({ kind: "same", text: xs[i], oldNo: head + i + 1, newNo: head + j + 1 });
        i++;
        j++;
      } else if (j < m && (i === n || lcs[i * width + j + 1] >= lcs[(i + 1) * width + j])) {
        out.push({ kind: "add", text: ys[j], newNo: head + j + 1 });
        j++;
      } else {
        out.push({ kind: "del", text: xs[i], oldNo: head + i + 1 });
        i++;
      }
    }
  }
  // Removed lines before added ones within each changed block reads best.
  normalizeBlocks(out, head, head + Math.max(0, n + m));

  for (let k = 0; k < tail; k++) {
    const oi = x.length - tail + k;
    const ni = y.length - tail + k;
    out.push({ kind: "same", text: x[oi], oldNo: oi + 1, newNo: ni + 1 });
  }
  return out;
}

function normalizeBlocks(lines: DiffLine[], from: number, _to: number): void {
  let k = from;
  while (k < lines.length) {
    if (lines[k].kind === "same") { k++; continue; }
    let end = k;
    while (end < lines.length && lines[end].kind !== "same") end++;
    const block = lines.slice(k, end);
    const dels = block.filter((l) => l.kind === "del");
    const adds = block.filter((l) => l.kind === "add");
    lines.splice(k, end - k, ...dels, ...adds);
    k = end;
  }
}

export interface DiffStats {
  added: number;
  removed: number;
}

export function diffStats(lines: DiffLine[]): DiffStats {
  let added = 0;
  let removed = 0;
  for (const line of lines) {
    if (line.kind === "add") added++;
    else if (line.kind === "del") removed++;
  }
  return { added, removed };
}

export interface SideBySideRow {
  left?: { no: number; text: string; changed: boolean };
  right?: { no: number; text: string; changed: boolean };
}

// Pairs each block of removed lines with the added lines that follow it, row by row.
export function sideBySide(lines: DiffLine[]): SideBySideRow[] {
  const rows: SideBySideRow[] = [];
  let k = 0;
  while (k < lines.length) {
    const line = lines[k];
    if (line.kind === "same") {
      rows.push({ left: { no: line.oldNo, text: line.text, changed: false }, right: { no: line.newNo, text: line.text, changed: false } });
      k++;
      continue;
    }
    const dels: DiffLine[] = [];
    const adds: DiffLine[] = [];
    while (k < lines.length && lines[k].kind === "del") dels.push(lines[k++]);
    while (k < lines.length && lines[k].kind === "add") adds.push(lines[k++]);
    for (let r = 0; r < Math.max(dels.length, adds.length); r++) {
      const d = dels[r] as Extract<DiffLine, { kind: "del" }> | undefined;
      const a = adds[r] as Extract<DiffLine, { kind: "add" }> | undefined;
      rows.push({
        left: d ? { no: d.oldNo, text: d.text, changed: true } : undefined,
        right: a ? { no: a.newNo, text: a.text, changed: true } : undefined,
      });
    }
  }
  return rows;
}

function sortedJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedJson);
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value as object).sort()) out[key] = sortedJson((value as Record<string, unknown>)[key]);
    return out;
  }
  return value;
}

// A version as one readable text, so that two versions diff section by section: the SQL as it is,
// the YAML as it is, the options one per line, everything else as sorted JSON.
export function versionText(spec: AppSpec & Record<string, unknown>): string {
  const parts: string[] = [];
  const skip = new Set(["app_id", "version", "draft", "deployed", "sql", "config_yaml", "dynamic_properties", "options"]);
  const settings: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(spec)) if (!skip.has(key)) settings[key] = value;
  if (typeof spec.sql === "string" && spec.sql !== "") parts.push("-- SQL", ...splitLines(spec.sql));
  const optionKeys = Object.keys(spec.options ?? {}).sort();
  if (optionKeys.length) {
    parts.push("", "-- options");
    for (const key of optionKeys) parts.push(`${key}: ${String(spec.options![key])}`);
  }
  if (spec.config_yaml) parts.push("", "-- config YAML", ...splitLines(spec.config_yaml));
  if (spec.dynamic_properties) parts.push("", "-- dynamic properties", ...splitLines(spec.dynamic_properties));
  parts.push("", "-- settings", ...JSON.stringify(sortedJson(settings), null, 2).split("\n"));
  return parts.join("\n") + "\n";
}
