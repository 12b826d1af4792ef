import { describe, expect, it } from "vitest";
import { RULES, describeRule, formFromOverrides, isOn, maintenanceFromInputs, overridesFromForm, toLocalInput } from "./alertRules";

const rule = (key: string) => RULES.find((r) => r.key === key)!;

describe("describeRule", () => {
  it("says on, off, or the settings in words", () => {
    expect(describeRule(rule("failed"), true)).toBe("on");
    expect(describeRule(rule("failed"), undefined)).toBe("on");
    expect(describeRule(rule("lost"), false)).toBe("off");
    expect(describeRule(rule("checkpoint_failures"), undefined)).toBe("off");
    expect(describeRule(rule("checkpoint_failures"), { failures: 2, window_minutes: 5, action: "restart" })).toBe("2 failures within 5 min, then restart");
    expect(describeRule(rule("checkpoint_stale"), true)).toBe("none for 30 min");
    expect(describeRule(rule("flink_restarts"), { restarts: 4, window_minutes: 15 })).toBe("more than 4 within 15 min");
    expect(isOn(rule("flink_restarts"), false)).toBe(false);
  });
});

describe("the form", () => {
  it("round-trips overrides and leaves the other rules to the team", () => {
    const overrides = { lost: false, checkpoint_failures: { failures: 2, window_minutes: 5, action: "restart" }, flink_restarts: true };
    const form = formFromOverrides(overrides);
    expect(form.failed.choice).toBe("inherit");
    expect(form.lost.choice).toBe("off");
    expect(form.checkpoint_failures).toEqual({ choice: "on", settings: { failures: "2", window_minutes: "5", action: "restart" } });
    expect(form.flink_restarts.settings).toEqual({ restarts: "3", window_minutes: "10" });
    const { rules, errors } = overridesFromForm(form);
    expect(errors).toEqual({});
    expect(rules).toEqual({ lost: false, checkpoint_failures: { failures: 2, window_minutes: 5, action: "restart" }, flink_restarts: { restarts: 3, window_minutes: 10 } });
  });

  it("refuses thresholds that are not whole numbers from 1, naming the rule", () => {
    const form = formFromOverrides({});
    form.checkpoint_stale = { choice: "on", settings: { minutes: "0" } };
    form.flink_restarts = { choice: "on", settings: { restarts: "2.5", window_minutes: "10" } };
    form.failed = { choice: "on", settings: {} };
    const { rules, errors } = overridesFromForm(form);
    expect(Object.keys(errors).sort()).toEqual(["checkpoint_stale", "flink_restarts"]);
    expect(errors.checkpoint_stale).toContain("No completed checkpoint");
    expect(errors.flink_restarts).toContain("more than");
    expect(rules.failed).toBe(true);
  });
});

describe("maintenance windows", () => {
  it("turns local inputs into RFC 3339 and back", () => {
    const local = toLocalInput("2026-12-02T10:30:00.000Z");
    const { windows, error } = maintenanceFromInputs([{ from: local, until: toLocalInput("2026-12-02T12:00:00.000Z"), note: " upgrade " }]);
    expect(error).toBeUndefined();
    expect(windows).toEqual([{ from: "2026-12-02T10:30:00.000Z", until: "2026-12-02T12:00:00.000Z", note: "upgrade" }]);
  });

  it("names the window that ends before it starts or is not a date", () => {
    expect(maintenanceFromInputs([{ from: "2026-12-02T10:00", until: "2026-12-02T09:00", note: "" }]).error).toBe("Window 1: it must end after it starts");
    expect(maintenanceFromInputs([{ from: "2026-12-02T10:00", until: "2026-12-02T11:00", note: "" }, { from: "", until: "2026-12-02T11:00", note: "" }]).error).toBe("Window 2: the start is not a date and time");
  });
});
