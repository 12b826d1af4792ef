// The project form: a Git URL, a ref, credentials (none, user and password or token, or an SSH
// private key) and Maven's build arguments, one a line. Credentials never come back from the API,
// so on an edit "keep" leaves them out of the PATCH, and "none" removes them.
import type { ProjectCredentials } from "../api/endpoints";

export type CredentialChoice = "keep" | "none" | "password" | "ssh_key";

export interface ProjectValues {
  name: string;
  gitUrl: string;
  ref: string;
  credentials: CredentialChoice;
  username: string;
  password: string;
  privateKey: string;
  buildArgs: string;
  description: string;
}

export function emptyProject(): ProjectValues {
  return { name: "", gitUrl: "", ref: "main", credentials: "none", username: "", password: "", privateKey: "", buildArgs: "", description: "" };
}

export function buildArgsFromText(text: string): string[] {
  return text.split("\n").map((line) => line.trim()).filter((line) => line && !line.startsWith("#"));
}

// What the form would send as `credentials`: undefined to leave them as they are.
export function credentialsFromValues(values: ProjectValues): ProjectCredentials | undefined {
  switch (values.credentials) {
    case "keep": return undefined;
    case "none": return null;
    case "password": return { username: values.username.trim(), password: values.password };
    case "ssh_key": return { private_key: values.privateKey.endsWith("\n") ? values.privateKey : values.privateKey + "\n" };
  }
}

export type ProjectErrors = Partial<Record<keyof ProjectValues, string>>;

// What a person can be told before anything is sent; the server checks the rest (the remote).
export function validateProject(values: ProjectValues): ProjectErrors {
  const errors: ProjectErrors = {};
  if (!values.name.trim()) errors.name = "Give the project a name.";
  const url = values.gitUrl.trim();
  if (!url) errors.gitUrl = "The repository's URL, an SSH address (git@host:repo.git) or a local path.";
  else if (/^[a-z]+:\/\/[^/@\s]*:[^/@\s]*@/i.test(url)) errors.gitUrl = "Put the password under Credentials, not in the URL.";
  if (!values.ref.trim()) errors.ref = "A branch or tag, e.g. main.";
  if (values.credentials === "password") {
    if (!values.username.trim()) errors.username = "The Git user name.";
    if (!values.password) errors.password = "The password or access token.";
  }
  if (values.credentials === "ssh_key" && !/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(values.privateKey)) {
    errors.privateKey = "Paste the whole private key, from -----BEGIN ... PRIVATE KEY-----.";
  }
  const bad = buildArgsFromText(values.buildArgs).find((arg) => /[\s;|&$`'"<>()\\]/.test(arg));
  if (bad) errors.buildArgs = `"${bad}" is not a plain Maven argument (no spaces, quotes or shell syntax).`;
  return errors;
}
