// "Format" in the SQL editor: sql-formatter's Spark dialect (backquoted identifiers, like Flink),
// keywords upper-cased, `${variables}` kept as they are. The result is only whitespace and keyword
// case away from the input; where the formatter would put a space between a function and its
// parenthesis (PROCTIME ()) that the author did not write, it is taken out again.
import { format } from "sql-formatter";

const VARIABLE = String.raw`\$\{[A-Za-z_][A-Za-z0-9_.-]*\}`;

export function formatFlinkSql(text: string): string {
  if (!text.trim()) return text;
  const formatted = format(text, {
    language: "spark",
    keywordCase: "upper",
    tabWidth: 2,
    linesBetweenQueries: 1,
    paramTypes: { custom: [{ regex: VARIABLE }] },
  });
  const called = new Set<string>();
  for (const match of text.matchAll(/([A-Za-z_][A-Za-z0-9_]*)\(/g)) called.add(match[1].toUpperCase());
  const tidied = formatted.replace(/\b([A-Za-z_][A-Za-z0-9_]*) \(/g, (whole, name: string) => (called.has(name.toUpperCase()) ? `${name}(` : whole));
  return tidied.endsWith("\n") ? tidied : tidied + "\n";
}
