import { describe, expect, it } from "vitest";
import type { App } from "../api/types";
import { createBody, dynamicPropertiesError, emptyForm, formFromApp, patchBody, validateForm } from "./appForm";

const saved: App = {
  id: 7, team_id: 1, name: "orders", kind: "sql", state: "NEW", description: "",
  flink_env_id: 1, target: { mode: "session", cluster_id: 3 }, sql: "SELECT 1;", parallelism: 2,
  options: { "taskmanager.numberOfTaskSlots": 2 }, config_yaml: "", dynamic_properties: "",
};

describe("validateForm", () => {
  it("asks for a name, a team, a session cluster and SQL", () => {
    const errors = validateForm({ ...emptyForm(null, null), sql: " " });
    expect(Object.keys(errors).sort()).toEqual(["clusterId", "name", "sql", "teamId"]);
  });

  it("accepts a complete form and application mode without a cluster", () => {
    const values = { ...emptyForm(1, 1), name: "orders-to-es", mode: "application" as const };
    expect(validateForm(values)).toEqual({});
  });

  it("rejects bad names, parallelism and duplicate option keys", () => {
    const values = {
      ...emptyForm(1, 1), name: "bad name", clusterId: 2, parallelism: 0,
      options: [{ key: "a", value: "1" }, { key: "a", value: "2" }],
    };
    const errors = validateForm(values);
    expect(errors.name).toMatch(/letters/);
    expect(errors.parallelism).toMatch(/1 to 100000/);
    expect(errors.options).toBe("The option a is given twice.");
  });

  it("names the bad line of the dynamic properties", () => {
    expect(dynamicPropertiesError("-Da=1\n# comment\n\nstate.backend=rocksdb")).toBe("Line 4: write -Dkey=value.");
    expect(dynamicPropertiesError("-Dyarn.application.queue=q\n-Dtable.exec.state.ttl=1 h")).toBeUndefined();
  });
});

describe("bodies", () => {
  it("sends a SQL app with its target and options", () => {
    const values = {
      ...emptyForm(1, 2), name: " orders ", clusterId: 5,
      options: [{ key: " a ", value: " 1 " }, { key: "", value: "" }],
    };
    expect(createBody(values)).toMatchObject({
      name: "orders", team_id: 1, kind: "sql", flink_env_id: 2,
      target: { mode: "session", cluster_id: 5 }, options: { a: "1" }, parallelism: 1,
    });
  });

  it("patches nothing when nothing changed, options compared as text", () => {
    expect(patchBody(saved, formFromApp(saved))).toEqual({});
  });

  it("sends tags without blanks and repeats, and patches them only when they changed", () => {
    const values = { ...emptyForm(1, 1), name: "a", mode: "application" as const, tags: [" kafka ", "", "kafka", "es"] };
    expect(createBody(values).tags).toEqual(["kafka", "es"]);
    const tagged = { ...saved, tags: ["kafka"] };
    expect(patchBody(tagged, { ...formFromApp(tagged), tags: ["kafka", " "] })).toEqual({});
    expect(patchBody(tagged, { ...formFromApp(tagged), tags: ["kafka", "es"] })).toEqual({ tags: ["kafka", "es"] });
  });

  it("patches only the changed fields, with the note", () => {
    const values = { ...formFromApp(saved), sql: "SELECT 2;", note: "second" };
    expect(patchBody(saved, values)).toEqual({ sql: "SELECT 2;", note: "second" });
    const moved = { ...formFromApp(saved), mode: "application" as const };
    expect(patchBody(saved, moved)).toEqual({ target: { mode: "application" } });
  });
});

describe("dependencies and JAR applications in the form", () => {
  it("makes no new version when the dependencies did not change ({} and empty lists are the same)", () => {
    expect(patchBody(saved, formFromApp(saved))).toEqual({});
    expect(patchBody({ ...saved, dependencies: { maven: [], resources: [] } }, formFromApp(saved))).toEqual({});
    const withDep = formFromApp(saved);
    withDep.dependencies = { maven: [{ group: "com.mysql", artifact: "mysql-connector-j", version: "8.4.0", classifier: "", exclusions: "" }], resources: [5] };
    expect(patchBody(saved, withDep)).toEqual({ dependencies: { maven: [{ group: "com.mysql", artifact: "mysql-connector-j", version: "8.4.0" }], resources: [5] } });
  });

  it("needs an uploaded jar for a JAR application and checks the main class", () => {
    const values = { ...emptyForm(1, 1, "jar"), name: "etl", mode: "application" as const, sql: "" };
    expect(validateForm(values)).toEqual({ jarResourceId: expect.stringMatching(/uploaded jar/) });
    expect(validateForm({ ...values, jarResourceId: 4, mainClass: "com.acme..Job" }).mainClass).toMatch(/Java class/);
    expect(validateForm({ ...values, jarResourceId: 4, mainClass: "com.acme.Job" })).toEqual({});
  });

  it("sends the jar with its main class and arguments instead of SQL", () => {
    const values = { ...emptyForm(1, 1, "jar"), name: "etl", mode: "application" as const, jarResourceId: 4, mainClass: "com.acme.Job", args: "--input\n s3://in \n\n--parallel" };
    const body = createBody(values);
    expect(body.kind).toBe("jar");
    expect(body.jar).toEqual({ resource_id: 4, main_class: "com.acme.Job", args: ["--input", "s3://in", "--parallel"] });
    expect("sql" in body).toBe(false);
    const jarApp: App = { ...saved, kind: "jar", sql: undefined, jar: { resource_id: 4, main_class: "com.acme.Job", args: ["--input", "s3://in"] } };
    const form = formFromApp(jarApp);
    expect(form.args).toBe("--input\ns3://in");
    expect(patchBody(jarApp, form)).toEqual({});
    expect(patchBody(jarApp, { ...form, args: "--input\ns3://other" })).toEqual({ jar: { resource_id: 4, main_class: "com.acme.Job", args: ["--input", "s3://other"] } });
  });
});

describe("restart policy and alert channels in the form", () => {
  it("sends no policy when it is off, and the policy when it is on", () => {
    const values = { ...emptyForm(1, 1), name: "orders", clusterId: 3 };
    expect(createBody(values).restart_policy).toBeNull();
    expect(createBody({ ...values, restartEnabled: true, maxRestarts: 2, windowMinutes: 10, alertChannelIds: [4] })).toMatchObject({
      restart_policy: { max_restarts: 2, window_minutes: 10 }, alert_channel_ids: [4],
    });
  });

  it("checks the numbers only when restarts are on", () => {
    const values = { ...emptyForm(1, 1), name: "orders", clusterId: 3, maxRestarts: -1, windowMinutes: 0 };
    expect(validateForm(values)).toEqual({});
    const errors = validateForm({ ...values, restartEnabled: true });
    expect(errors.maxRestarts).toMatch(/0 to 1000/);
    expect(errors.windowMinutes).toMatch(/1 to 10080/);
  });

  it("patches the policy and the channels only when they changed (channel order does not matter)", () => {
    const withPolicy: App = { ...saved, restart_policy: { max_restarts: 3, window_minutes: 30 }, alert_channel_ids: [2, 1] };
    const form = formFromApp(withPolicy);
    expect(form.restartEnabled).toBe(true);
    expect(patchBody(withPolicy, { ...form, alertChannelIds: [1, 2] })).toEqual({});
    expect(patchBody(withPolicy, { ...form, restartEnabled: false })).toEqual({ restart_policy: null });
    expect(patchBody(withPolicy, { ...form, alertChannelIds: [1] })).toEqual({ alert_channel_ids: [1] });
  });
});

describe("a JAR application built from a Git project", () => {
  it("keeps its project artifact on an edit, and an uploaded jar chosen replaces it", () => {
    const built: App = { ...saved, kind: "jar", sql: undefined, jar: { project_artifact: { project_id: 4, module: "jobs", jar: "jobs-1.0.jar" }, main_class: "dev.Entry", args: ["--job", "Orders"] } };
    const form = formFromApp(built);
    expect(validateForm(form)).toEqual({});
    expect(patchBody(built, form)).toEqual({});
    expect(patchBody(built, { ...form, args: "--job\nPayments" })).toEqual({
      jar: { project_artifact: { project_id: 4, module: "jobs", jar: "jobs-1.0.jar" }, main_class: "dev.Entry", args: ["--job", "Payments"] },
    });
    expect(patchBody(built, { ...form, jarResourceId: 9 }).jar).toEqual({ resource_id: 9, main_class: "dev.Entry", args: ["--job", "Orders"] });
  });
});
