// Turning whatever went wrong into words a person can act on. The API's errors have the body
// {"error": {"code", "number", "message", "field"?, "request_id"}}; anything else (a proxy's HTML
// page, a dropped connection) is described by what we know.

export interface ApiErrorBody {
  code: string;
  number: number;
  message: string;
  field?: string;
  request_id?: string;
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly number: number;
  readonly field?: string;
  readonly requestId?: string;

  constructor(status: number, body: ApiErrorBody) {
    super(body.message);
    this.name = "ApiError";
    this.status = status;
    this.code = body.code;
    this.number = body.number;
    this.field = body.field;
    this.requestId = body.request_id;
  }
}

const STATUS_WORDS: Record<number, string> = {
  400: "the request was not valid",
  401: "you are not logged in",
  403: "you are not allowed to do this",
  404: "it was not found",
  405: "this action is not supported",
  409: "it conflicts with the current state",
  413: "the request is too large",
  422: "it was rejected",
  429: "too many attempts; wait a few minutes",
  500: "the server failed (a bug); see its log",
  502: "a Flink cluster did not answer",
  503: "the server is not ready",
  504: "a Flink cluster did not answer in time",
};

function isErrorBody(value: unknown): value is { error: ApiErrorBody } {
  if (typeof value !== "object" || value === null) return false;
  const error = (value as { error?: unknown }).error;
  return (
    typeof error === "object" &&
    error !== null &&
    typeof (error as ApiErrorBody).message === "string" &&
    typeof (error as ApiErrorBody).code === "string"
  );
}

// The ApiError for a failed HTTP answer, from its status and body text (which may be anything).
export function errorFromResponse(status: number, bodyText: string, requestId?: string | null): ApiError {
  let parsed: unknown = undefined;
  try {
    parsed = bodyText ? JSON.parse(bodyText) : undefined;
  } catch {
    parsed = undefined;
  }
  if (isErrorBody(parsed)) {
    const body = { ...parsed.error };
    if (typeof body.number !== "number") body.number = 0;
    if (!body.request_id && requestId) body.request_id = requestId;
    return new ApiError(status, body);
  }
  const words = STATUS_WORDS[status] ?? "the server answered unexpectedly";
  return new ApiError(status, {
    code: "HTTP_" + status,
    number: 0,
    message: `HTTP ${status}: ${words}`,
    request_id: requestId ?? undefined,
  });
}

// Turns a field name like "target.cluster_id" into "target cluster id".
export function fieldLabel(field: string): string {
  return field.replace(/[._]+/g, " ").trim();
}

// One sentence for a person: the API's message, the field it is about, and nothing internal.
export function describeError(error: unknown): string {
  if (error instanceof ApiError) {
    let text = error.message.trim() || STATUS_WORDS[error.status] || "the request failed";
    text = text.charAt(0).toUpperCase() + text.slice(1);
    if (error.field && !text.toLowerCase().includes(fieldLabel(error.field).toLowerCase()) &&
        !text.includes(error.field)) {
      text = text.replace(/\.$/, "") + ` (field: ${fieldLabel(error.field)})`;
    }
    if (!/[.!?]$/.test(text)) text += ".";
    return text;
  }
  if (error instanceof TypeError) {
    // fetch() rejects with a TypeError when nothing answered.
    return "Cannot reach the Sluice server: check that it is running and your network.";
  }
  if (error instanceof Error) return error.message || "Something went wrong.";
  if (typeof error === "string") return error;
  return "Something went wrong.";
}

// The request id to quote when asking for help, if there is one.
export function errorReference(error: unknown): string | undefined {
  if (error instanceof ApiError && error.requestId) return `request ${error.requestId}`;
  return undefined;
}
