import { describe, expect, it } from "vitest";
import { buildArgsFromText, credentialsFromValues, emptyProject, validateProject } from "./projectForm";

describe("validateProject", () => {
  it("asks for a name, a URL and a ref, and keeps passwords out of URLs", () => {
    const errors = validateProject({ ...emptyProject(), ref: " " });
    expect(Object.keys(errors).sort()).toEqual(["gitUrl", "name", "ref"]);
    expect(validateProject({ ...emptyProject(), name: "jobs", gitUrl: "https://ann:pw@git.example.com/jobs.git" }).gitUrl).toMatch(/Credentials/);
    expect(validateProject({ ...emptyProject(), name: "jobs", gitUrl: "git@git.example.com:data/jobs.git" })).toEqual({});
  });

  it("refuses build arguments with shell syntax, naming the argument", () => {
    const values = { ...emptyProject(), name: "jobs", gitUrl: "/srv/git/jobs.git", buildArgs: "-pl jobs\n-DskipTests" };
    expect(validateProject(values).buildArgs).toBe('"-pl jobs" is not a plain Maven argument (no spaces, quotes or shell syntax).');
    expect(validateProject({ ...values, buildArgs: "-pl\njobs\n-am\n# a comment\n" }).buildArgs).toBeUndefined();
    expect(validateProject({ ...values, buildArgs: "-Dx=$(id)" }).buildArgs).toMatch(/\$\(id\)/);
  });

  it("needs the parts of the chosen credentials", () => {
    const values = { ...emptyProject(), name: "jobs", gitUrl: "https://git.example.com/jobs.git" };
    expect(Object.keys(validateProject({ ...values, credentials: "password" })).sort()).toEqual(["password", "username"]);
    expect(validateProject({ ...values, credentials: "ssh_key", privateKey: "ssh-ed25519 AAAA" }).privateKey).toMatch(/BEGIN/);
  });
});

describe("credentialsFromValues and buildArgsFromText", () => {
  it("keeps, removes or replaces the credentials", () => {
    const values = { ...emptyProject(), username: " ann ", password: "tok", privateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nx\n-----END OPENSSH PRIVATE KEY-----" };
    expect(credentialsFromValues({ ...values, credentials: "keep" })).toBeUndefined();
    expect(credentialsFromValues({ ...values, credentials: "none" })).toBeNull();
    expect(credentialsFromValues({ ...values, credentials: "password" })).toEqual({ username: "ann", password: "tok" });
    expect(credentialsFromValues({ ...values, credentials: "ssh_key" })).toEqual({ private_key: values.privateKey + "\n" });
  });

  it("takes one argument a line, without blanks and comments", () => {
    expect(buildArgsFromText(" -pl \n\n jobs\n# note\n-am")).toEqual(["-pl", "jobs", "-am"]);
  });
});
