// The dependencies table of the app editor: Maven coordinates as editable rows (exclusions as
// "group:artifact" text), uploaded jars by id, to and from the API's {"maven": [...], "resources": [...]}.
import type { Dependencies, MavenDependency } from "../api/types";

export interface MavenRow {
  group: string;
  artifact: string;
  version: string;
  classifier: string;
  exclusions: string; // "g:a, g:a"
}

export interface DependencyValues {
  maven: MavenRow[];
  resources: number[];
}

export const emptyRow = (): MavenRow => ({ group: "", artifact: "", version: "", classifier: "", exclusions: "" });

export function rowsFromApi(deps: Dependencies | null | undefined): DependencyValues {
  return {
    maven: (deps?.maven ?? []).map((m) => ({
      group: m.group, artifact: m.artifact, version: m.version, classifier: m.classifier ?? "",
      exclusions: (m.exclusions ?? []).join(", "),
    })),
    resources: [...(deps?.resources ?? [])],
  };
}

// "g:a:v" or "g:a:v:classifier" pasted into the group field fills the row.
export function parseCoordinates(text: string): Partial<MavenRow> | null {
  const parts = text.trim().split(":");
  if (parts.length < 3 || parts.length > 4 || parts.some((p) => !p)) return null;
  return { group: parts[0], artifact: parts[1], version: parts[2], classifier: parts[3] ?? "" };
}

export function addRow(values: DependencyValues, row: MavenRow = emptyRow()): DependencyValues {
  return { ...values, maven: [...values.maven, row] };
}

export function removeRow(values: DependencyValues, index: number): DependencyValues {
  return { ...values, maven: values.maven.filter((_, i) => i !== index) };
}

export function updateRow(values: DependencyValues, index: number, change: Partial<MavenRow>): DependencyValues {
  let next = change;
  if (change.group !== undefined && change.group.includes(":")) next = parseCoordinates(change.group) ?? change;
  return { ...values, maven: values.maven.map((row, i) => (i === index ? { ...row, ...next } : row)) };
}

export function splitExclusions(text: string): string[] {
  return text.split(/[\s,]+/).map((s) => s.trim()).filter(Boolean);
}

const PART = /^[A-Za-z0-9_.-]+$/;

// The first problem with the rows, or undefined. Blank rows are ignored.
export function dependencyError(values: DependencyValues): string | undefined {
  const seen = new Set<string>();
  for (let i = 0; i < values.maven.length; i++) {
    const row = values.maven[i];
    const n = i + 1;
    if (isBlank(row)) continue;
    if (!PART.test(row.group.trim())) return `Dependency ${n}: the group is missing or has characters Maven does not allow.`;
    if (!PART.test(row.artifact.trim())) return `Dependency ${n}: the artifact is missing or has characters Maven does not allow.`;
    if (!row.version.trim()) return `Dependency ${n}: give a version.`;
    for (const ex of splitExclusions(row.exclusions)) {
      const [g, a, more] = ex.split(":");
      if (!g || !a || more !== undefined) return `Dependency ${n}: write exclusions as group:artifact (not "${ex}").`;
    }
    const key = `${row.group.trim()}:${row.artifact.trim()}:${row.classifier.trim()}`;
    if (seen.has(key)) return `Dependency ${n}: ${row.group.trim()}:${row.artifact.trim()} is listed twice.`;
    seen.add(key);
  }
  return undefined;
}

function isBlank(row: MavenRow): boolean {
  return !row.group.trim() && !row.artifact.trim() && !row.version.trim() && !row.classifier.trim() && !row.exclusions.trim();
}

// The API's body: blank rows dropped, empty optional fields left out.
export function apiFromRows(values: DependencyValues): Dependencies {
  const maven: MavenDependency[] = values.maven.filter((r) => !isBlank(r)).map((r) => {
    const dep: MavenDependency = { group: r.group.trim(), artifact: r.artifact.trim(), version: r.version.trim() };
    if (r.classifier.trim()) dep.classifier = r.classifier.trim();
    const exclusions = splitExclusions(r.exclusions);
    if (exclusions.length) dep.exclusions = exclusions;
    return dep;
  });
  return { maven, resources: [...new Set(values.resources)] };
}
