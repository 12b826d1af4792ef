import { describe, expect, it } from "vitest";
import { addRow, apiFromRows, dependencyError, emptyRow, removeRow, rowsFromApi, updateRow } from "./dependencies";

describe("the dependencies table", () => {
  it("round-trips the API's dependencies", () => {
    const api = {
      maven: [{ group: "org.apache.flink", artifact: "flink-connector-kafka", version: "3.3.0-1.20", exclusions: ["org.slf4j:slf4j-api"] },
        { group: "com.acme", artifact: "udf", version: "1.0", classifier: "shaded" }],
      resources: [4, 9],
    };
    const rows = rowsFromApi(api);
    expect(rows.maven[0].exclusions).toBe("org.slf4j:slf4j-api");
    expect(apiFromRows(rows)).toEqual(api);
    expect(rowsFromApi(undefined)).toEqual({ maven: [], resources: [] });
  });

  it("adds, edits and removes rows; blank rows are not sent", () => {
    let v = addRow(rowsFromApi(null));
    v = addRow(v);
    v = updateRow(v, 0, { group: "com.mysql", artifact: "mysql-connector-j", version: "8.4.0" });
    v = updateRow(v, 0, { exclusions: "com.google.protobuf:protobuf-java,  x:y" });
    expect(v.maven).toHaveLength(2);
    expect(apiFromRows(v).maven).toEqual([{ group: "com.mysql", artifact: "mysql-connector-j", version: "8.4.0", exclusions: ["com.google.protobuf:protobuf-java", "x:y"] }]);
    v = removeRow(v, 0);
    expect(v.maven).toEqual([emptyRow()]);
    expect(apiFromRows(v).maven).toEqual([]);
  });

  it("fills a row from pasted g:a:v[:classifier] coordinates", () => {
    const v = updateRow(addRow(rowsFromApi(null)), 0, { group: "org.apache.flink:flink-json:1.20.0:tests" });
    expect(v.maven[0]).toMatchObject({ group: "org.apache.flink", artifact: "flink-json", version: "1.20.0", classifier: "tests" });
  });

  it("says what is wrong with a row", () => {
    const row = (r: Partial<ReturnType<typeof emptyRow>>) => ({ maven: [{ ...emptyRow(), ...r }], resources: [] });
    expect(dependencyError(row({}))).toBeUndefined();
    expect(dependencyError(row({ group: "g", artifact: "a" }))).toBe("Dependency 1: give a version.");
    expect(dependencyError(row({ group: "g h", artifact: "a", version: "1" }))).toMatch(/group/);
    expect(dependencyError(row({ group: "g", artifact: "a", version: "1", exclusions: "g:a:1" }))).toMatch(/group:artifact/);
    const twice = { maven: [{ ...emptyRow(), group: "g", artifact: "a", version: "1" }, { ...emptyRow(), group: "g", artifact: "a", version: "2" }], resources: [] };
    expect(dependencyError(twice)).toBe("Dependency 2: g:a is listed twice.");
  });

  it("sends each uploaded jar once", () => {
    expect(apiFromRows({ maven: [], resources: [3, 3, 5] }).resources).toEqual([3, 5]);
  });
});
