// The one place that talks HTTP to Sluice: the bearer token, JSON in and out, errors as ApiError.
import { ApiError, errorFromResponse } from "./errors";

const TOKEN_KEY = "sluice.token";

let token: string | null = readToken();
let onUnauthorized: (() => void) | null = null;

function readToken(): string | null {
  try {
    return globalThis.localStorage?.getItem(TOKEN_KEY) ?? null;
  } catch {
    return null;
  }
}

export function getToken(): string | null {
  return token;
}

export function setToken(value: string | null): void {
  token = value;
  try {
    if (value) localStorage.setItem(TOKEN_KEY, value);
    else localStorage.removeItem(TOKEN_KEY);
  } catch {
    // private mode: the token lives in memory only
  }
}

// Called when the server says the session is gone (401 on anything but the login itself).
export function setUnauthorizedHandler(handler: (() => void) | null): void {
  onUnauthorized = handler;
}

export type Query = Record<string, string | number | boolean | undefined | null>;

export function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === "") continue;
    params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

export async function request<T>(method: string, path: string, body?: unknown, query?: Query): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (token) headers.Authorization = `Bearer ${token}`;
  const form = typeof FormData !== "undefined" && body instanceof FormData;
  if (body !== undefined && !form) headers["Content-Type"] = "application/json";
  const response = await fetch(withQuery(path, query), {
    method,
    headers,
    body: body === undefined ? undefined : form ? (body as FormData) : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) {
    const error = errorFromResponse(response.status, text, response.headers.get("X-Request-Id"));
    if (response.status === 401 && path !== "/api/v1/auth/login" && onUnauthorized) onUnauthorized();
    throw error;
  }
  if (!text) return undefined as T;
  const type = response.headers.get("Content-Type") ?? "";
  if (!type.includes("json")) return text as T;
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new ApiError(response.status, { code: "BAD_ANSWER", number: 0, message: "the server's answer was not valid JSON" });
  }
}

export const api = {
  get: <T>(path: string, query?: Query) => request<T>("GET", path, undefined, query),
  post: <T>(path: string, body?: unknown) => request<T>("POST", path, body ?? {}),
  patch: <T>(path: string, body: unknown) => request<T>("PATCH", path, body),
  put: <T>(path: string, body: unknown) => request<T>("PUT", path, body),
  upload: <T>(path: string, form: FormData) => request<T>("POST", path, form),
  del: <T = void>(path: string) => request<T>("DELETE", path),
};
