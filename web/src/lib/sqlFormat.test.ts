import { describe, expect, it } from "vitest";
import { formatFlinkSql } from "./sqlFormat";

describe("formatFlinkSql", () => {
  it("puts clauses on their own lines and upper-cases keywords", () => {
    const out = formatFlinkSql("insert into k select x from s where x > 1;");
    expect(out).toBe("INSERT INTO\n  k\nSELECT\n  x\nFROM\n  s\nWHERE\n  x > 1;\n");
  });

  it("keeps variables, quoted strings and backquoted identifiers as written", () => {
    const out = formatFlinkSql("create table t (`Data` STRING) with ('password' = '${db.pass}', 'url'='jdbc:mysql://h/${db}');");
    expect(out).toContain("`Data` STRING");
    expect(out).toContain("'password' = '${db.pass}'");
    expect(out).toContain("'url' = 'jdbc:mysql://h/${db}'");
  });

  it("keeps function calls together and statement sets intact", () => {
    const out = formatFlinkSql("CREATE TABLE s (ts AS PROCTIME()) WITH ('connector'='datagen');\nBEGIN STATEMENT SET;\ninsert into a select * from s;\nEND;");
    expect(out).toContain("PROCTIME()");
    expect(out).toMatch(/BEGIN STATEMENT SET;\n\nINSERT INTO\n {2}a/);
    expect(out.trimEnd().endsWith("END;")).toBe(true);
  });

  it("leaves an empty script alone", () => {
    expect(formatFlinkSql("  \n")).toBe("  \n");
  });
});
