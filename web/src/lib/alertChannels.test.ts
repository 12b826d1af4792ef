import { describe, expect, it } from "vitest";
import { configFromValues, valuesFromConfig } from "./alertChannels";

describe("configFromValues", () => {
  it("builds a Lark config and names what is missing", () => {
    expect(configFromValues("lark", { url: "" }, false).errors).toEqual({ url: "Webhook URL is needed" });
    expect(configFromValues("lark", { url: "ftp://x" }, false).errors.url).toMatch(/http/);
    const ok = configFromValues("lark", { url: " https://open.feishu.cn/hook/abc ", secret: "s3" }, false);
    expect(ok.config).toEqual({ url: "https://open.feishu.cn/hook/abc", secret: "s3" });
  });

  it("keeps secrets on an edit when their fields are left empty", () => {
    const ok = configFromValues("dingtalk", { url: "", secret: "" }, true);
    expect(ok.errors).toEqual({});
    expect(ok.config).toEqual({});
  });

  it("splits email recipients and refuses a bad one", () => {
    const base = { smtp_url: "smtp://127.0.0.1:2525", tls: "none", from: "s@x.io" };
    expect(configFromValues("email", { ...base, to: "a@x.io, b@y.io" }, false).config).toEqual({ ...base, to: ["a@x.io", "b@y.io"] });
    expect(configFromValues("email", { ...base, to: "a@x.io, nobody" }, false).errors.to).toBe('"nobody" is not an email address');
  });

  it("reads webhook headers a line each, naming a bad line", () => {
    const ok = configFromValues("webhook", { url: "http://127.0.0.1:9/x", headers: "X-Team: data\n\nAuthorization: Bearer t:1" }, false);
    expect(ok.config?.headers).toEqual({ "X-Team": "data", Authorization: "Bearer t:1" });
    expect(configFromValues("webhook", { url: "http://h/x", headers: "X-Ok: 1\nno colon" }, false).errors.headers).toBe('Line 2 is not "Name: value"');
  });

  it("sends a template only when one is written", () => {
    expect(configFromValues("slack", { url: "https://hooks.slack.com/x" }, false).config).toEqual({ url: "https://hooks.slack.com/x" });
    expect(configFromValues("slack", { url: "https://hooks.slack.com/x", "template.text": "{{app}} is {{state}}" }, false).config?.template).toEqual({ text: "{{app}} is {{state}}" });
  });
});

describe("valuesFromConfig", () => {
  it("shows what the API answers, never a masked secret", () => {
    const values = valuesFromConfig("email", { smtp_url: "smtp://h:25", password: "******", from: "a@b.c", to: ["x@y.z", "q@r.s"], template: { title: "T" } });
    expect(values.password).toBe("");
    expect(values.to).toBe("x@y.z, q@r.s");
    expect(values["template.title"]).toBe("T");
  });
});
