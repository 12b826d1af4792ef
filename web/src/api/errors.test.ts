import { describe, expect, it } from "vitest";
import { ApiError, describeError, errorFromResponse, errorReference, fieldLabel } from "./errors";

describe("errorFromResponse", () => {
  it("reads the API's error body", () => {
    const body = JSON.stringify({ error: { code: "APP_NOT_FOUND", number: 2001, message: "no application with id 7", request_id: "abc" } });
    const error = errorFromResponse(404, body);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 404, code: "APP_NOT_FOUND", number: 2001, requestId: "abc" });
    expect(describeError(error)).toBe("No application with id 7.");
    expect(errorReference(error)).toBe("request abc");
  });

  it("takes the request id from the header when the body has none", () => {
    const body = JSON.stringify({ error: { code: "X", number: 1, message: "m" } });
    expect(errorFromResponse(400, body, "rid").requestId).toBe("rid");
  });

  it("describes an answer that is not the API's (a proxy's HTML page) by its status", () => {
    const error = errorFromResponse(502, "<html>Bad Gateway</html>");
    expect(error.code).toBe("HTTP_502");
    expect(describeError(error)).toBe("HTTP 502: a Flink cluster did not answer.");
    expect(describeError(errorFromResponse(418, ""))).toBe("HTTP 418: the server answered unexpectedly.");
  });
});

describe("describeError", () => {
  it("names the field unless the message already does", () => {
    const named = new ApiError(400, { code: "INVALID_ARGUMENT", number: 1, message: "must not be empty", field: "target.cluster_id" });
    expect(describeError(named)).toBe("Must not be empty (field: target cluster id).");
    const already = new ApiError(400, { code: "INVALID_ARGUMENT", number: 1, message: "name is taken", field: "name" });
    expect(describeError(already)).toBe("Name is taken.");
  });

  it("keeps a message's own final punctuation", () => {
    expect(describeError(new ApiError(409, { code: "C", number: 1, message: "already running!" }))).toBe("Already running!");
  });

  it("explains a network failure and plain errors", () => {
    expect(describeError(new TypeError("Failed to fetch"))).toMatch(/Cannot reach the Sluice server/);
    expect(describeError(new Error("boom"))).toBe("boom");
    expect(describeError("text")).toBe("text");
    expect(describeError(undefined)).toBe("Something went wrong.");
  });

  it("turns field paths into words", () => {
    expect(fieldLabel("dependencies.maven[0]")).toBe("dependencies maven[0]");
  });
});
