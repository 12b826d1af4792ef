// The application pages against a real managed Flink cluster: `sluice serve` bootstraps the first
// of SLUICE_TEST_FLINK_HOMES as the cluster `local` with the demo SQL app (datagen into blackhole).
// In the browser: deploy it and see RUNNING without reloading, stop it with a savepoint, find the
// savepoint, deploy again from it, read the start log, make a second version and compare the two,
// a secret variable and an uploaded jar; at the end the job is cancelled from the list's row menu
// and the cluster stopped, so no JVM outlives the test. Missing Flink or runner jar: every step fails.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { launchBrowser, screenshotDir, Sluice, startSluice } from "./harness";

const ADMIN_PASSWORD = "e2e-admin-Flink-1";
const FLINK_WAIT = 180_000; // a cold JVM on a shared two-core machine
const STEP = 300_000;

let sluice: Sluice;
let browser: { context: BrowserContext; close: () => Promise<void> };
let page: Page;
let token = "";
let clusterId = 0;
let appId = 0;
let runnerJar = "";
const shots = screenshotDir();
const kept = mkdtempSync(join(tmpdir(), "sluice-e2e-flink-failures-"));
let setupError: unknown = null;

async function call<T = any>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(sluice.url + path, {
    method,
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

async function shot(name: string) {
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(width, `${name} is ${width} px wide`).toBeLessThanOrEqual(1280);
  await page.screenshot({ path: join(shots, `${name}.png`), style: ".mantine-Notifications-root { display: none !important; }" });
}

const appState = () => page.getByTestId("app-state").textContent();
const progress = () => page.getByTestId("operation-progress").textContent();

beforeAll(async () => {
  try {
    const home = (process.env.SLUICE_TEST_FLINK_HOMES ?? "").split(":").filter(Boolean)[0];
    runnerJar = process.env.SLUICE_TEST_RUNNER_JAR ?? "";
    if (!home || !existsSync(join(home, "bin", "flink"))) throw new Error(`SLUICE_TEST_FLINK_HOMES names no Flink home (${home ?? "unset"}): make test provisions one`);
    if (!runnerJar || !existsSync(runnerJar)) throw new Error(`SLUICE_TEST_RUNNER_JAR names no jar (${runnerJar || "unset"}): scripts/provision/runner.sh builds it`);
    sluice = await startSluice(ADMIN_PASSWORD, ["--bootstrap-flink-home", home, "--runner-jar", runnerJar], { SLUICE_TRACKING_INTERVAL_MS: "500" });
    const login = await fetch(sluice.url + "/api/v1/auth/login", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ username: "admin", password: ADMIN_PASSWORD }) });
    token = (await login.json()).token;
    browser = await launchBrowser();
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    page.setDefaultTimeout(20_000);
  } catch (error) {
    setupError = error;
  }
}, 120_000);

beforeEach(() => {
  if (setupError) throw setupError;
});

afterEach(async (context) => {
  if (context.task.result?.state !== "fail" || !page) return;
  anyFailed = true;
  const name = context.task.name.replace(/[^a-z0-9]+/gi, "-").slice(0, 60);
  const picture = join(kept, `failed-${name}.png`);
  await page.screenshot({ path: picture }).catch(() => undefined);
  writeFileSync(join(kept, "sluice.log"), sluice?.log() ?? "");
  console.log(`failed step: page at ${page.url()}, screenshot ${picture}, server log ${join(kept, "sluice.log")}`);
});

// Whatever happened, the job and the cluster are stopped before the server goes.
let anyFailed = false;

afterAll(async () => {
  // The failures' folder stays only when something failed (it is named in the output then).
  if (!anyFailed) rmSync(kept, { recursive: true, force: true });
  if (sluice && token) {
    if (appId) {
      const app = await call("GET", `/api/v1/apps/${appId}`).catch(() => null);
      if (app?.job_id && !["FINISHED", "CANCELED", "FAILED", "NEW"].includes(app.state)) {
        await call("POST", `/api/v1/apps/${appId}/stop`, { savepoint: false }).catch(() => undefined);
      }
    }
    if (clusterId) await call("POST", `/api/v1/clusters/${clusterId}/stop`).catch((e) => console.log(`could not stop the cluster: ${e}`));
  }
  await browser?.close();
  await sluice?.stop();
}, 120_000);

describe("applications on a real Flink cluster", () => {
  it("bootstraps the managed cluster local and the demo app", async () => {
    await expect.poll(async () => {
      const list = await call("GET", "/api/v1/clusters");
      const local = list.items.find((c: { name: string }) => c.name === "local");
      clusterId = local?.id ?? 0;
      return local?.state;
    }, { timeout: FLINK_WAIT, interval: 1000 }).toBe("RUNNING");
    const apps = await call("GET", "/api/v1/apps?q=demo");
    appId = apps.items.find((a: { name: string }) => a.name === "demo")?.id ?? 0;
    expect(appId).toBeGreaterThan(0);
  }, FLINK_WAIT + 10_000);

  it("logs in and opens the demo app", async () => {
    await page.goto(sluice.url + "/");
    await page.getByLabel("User name").fill("admin");
    await page.locator('input[type="password"]').fill(ADMIN_PASSWORD);
    await page.getByRole("button", { name: "Log in" }).click();
    const row = page.getByTestId("app-row-demo");
    await row.waitFor();
    await row.getByRole("link", { name: "demo" }).click();
    await page.waitForURL(/\/apps\/\d+$/);
    await expect.poll(appState).toBe("NEW");
    // What the state forbids is disabled, with the reason.
    expect(await page.getByRole("button", { name: "Stop", exact: true }).isDisabled()).toBe(true);
    expect(await page.locator("[data-reason]").first().getAttribute("data-reason")).toMatch(/no job to stop/);
    await page.getByText("Nothing has happened yet").waitFor();
  });

  it("deploys it and sees RUNNING without reloading", async () => {
    const url = page.url();
    // The page follows the server's event stream: while it is live it does not poll, so the
    // states below arrive as server-sent events.
    await expect.poll(() => page.getByTestId("live-status").getAttribute("data-live"), { timeout: 10_000 }).toBe("live");
    await page.getByRole("button", { name: "Deploy", exact: true }).click();
    const dialog = page.getByRole("dialog", { name: "Deploy demo" });
    // Nothing to restore yet: the API's 422, in words, in the dialog.
    await dialog.getByLabel(/The latest savepoint or retained checkpoint/).check();
    await dialog.getByRole("button", { name: "Deploy", exact: true }).click();
    await dialog.getByRole("alert").getByText(/has no savepoint or retained checkpoint to restore/).waitFor();
    await dialog.getByLabel("Empty state").check();
    await dialog.getByRole("button", { name: "Deploy", exact: true }).click();
    await dialog.waitFor({ state: "hidden" });
    await expect.poll(appState, { timeout: FLINK_WAIT, interval: 500 }).toBe("RUNNING");
    await expect.poll(progress, { timeout: 30_000 }).toMatch(/Deploy succeeded.*Submitted as job [0-9a-f]{32}, with empty state/);
    expect(page.url()).toBe(url); // no navigation, no reload
    await expect.poll(() => page.getByTestId("job-id").textContent()).toMatch(/^[0-9a-f]{32}$/);
    expect(await page.getByTestId("flink-ui-link").getAttribute("href")).toMatch(/^https?:\/\/\S+/);
    await page.getByTestId("timeline").getByText("RUNNING").first().waitFor();
    expect(await page.getByRole("button", { name: "Deploy", exact: true }).isDisabled()).toBe(true);
  }, STEP);

  it("stops it with a savepoint and lists the savepoint", async () => {
    await page.getByRole("button", { name: "Stop", exact: true }).click();
    const dialog = page.getByRole("dialog", { name: "Stop demo" });
    await dialog.getByLabel("With a savepoint (to start again where it stopped)").check();
    await dialog.getByRole("button", { name: "Stop with savepoint" }).click();
    await expect.poll(progress, { timeout: FLINK_WAIT, interval: 500 }).toMatch(/Stop succeeded.*savepoint at \S+/);
    await expect.poll(appState, { timeout: FLINK_WAIT, interval: 500 }).toMatch(/^(FINISHED|CANCELED)$/);
    await page.getByRole("tab", { name: "Savepoints & checkpoints" }).click();
    const table = page.getByTestId("savepoints-table");
    await table.getByText("savepoint", { exact: true }).first().waitFor();
    expect(await table.locator("tbody tr").first().textContent()).toMatch(/savepoint.*latest/);
  }, STEP);

  it("deploys it again from that savepoint and sees RUNNING", async () => {
    // From the savepoint's own row: the dialog opens with it chosen.
    const path = (await page.getByTestId("savepoints-table").locator("tbody tr").first().locator("td").nth(1).locator("p").first().textContent())!.trim();
    expect(path).toMatch(/savepoint/);
    await page.getByTestId("savepoints-table").getByRole("button", { name: "Deploy from this" }).first().click();
    const dialog = page.getByRole("dialog", { name: "Deploy demo" });
    expect(await dialog.getByLabel("A savepoint or checkpoint of this application").isChecked()).toBe(true);
    // The latest is the same one: deploy with restore "latest".
    await dialog.getByLabel(/The latest savepoint or retained checkpoint/).check();
    await dialog.getByRole("button", { name: "Deploy", exact: true }).click();
    await expect.poll(appState, { timeout: FLINK_WAIT, interval: 500 }).toBe("RUNNING");
    await expect.poll(progress, { timeout: 30_000 }).toContain(`restored from ${path}`);
    await page.getByRole("tab", { name: "Timeline" }).click();
    await page.getByTestId("timeline").getByText("RUNNING").first().waitFor();
    await shot("app-detail");
  }, STEP);

  it("reads the start log", async () => {
    await page.getByRole("tab", { name: "Start log" }).click();
    await expect.poll(() => page.getByTestId("start-log").textContent(), { timeout: 20_000 }).toContain("Job has been submitted");
    await page.getByRole("button", { name: "Refresh" }).click();
    await expect.poll(() => page.getByTestId("start-log").textContent()).toContain("Job has been submitted");
    await page.getByRole("tab", { name: "Exceptions" }).click();
    await page.getByText(/The job has no exceptions|Root cause/).first().waitFor();
  });

  it("makes version 2 by editing the SQL and shows the two side by side", async () => {
    await page.getByRole("link", { name: "Edit" }).click();
    await page.getByTestId("sql-editor").locator(".cm-content").waitFor();
    const editor = page.getByTestId("sql-editor").locator(".cm-content");
    await editor.click();
    await page.keyboard.press("Control+End");
    await page.keyboard.insertText("\n-- version 2: a comment\n");
    await page.getByLabel("Note for this version").fill("a comment");
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await page.getByRole("button", { name: "Saved" }).waitFor();
    await page.getByRole("link", { name: "Versions" }).click();
    const diff = page.getByTestId("diff");
    await expect.poll(() => diff.locator("td.add").allTextContents()).toContain("-- version 2: a comment");
    await page.getByRole("link", { name: "demo" }).click();
    await page.getByText("(not deployed yet)").waitFor();
  });

  it("keeps a secret variable masked and uploads a jar", async () => {
    await page.getByRole("link", { name: "Variables" }).click();
    await page.getByRole("button", { name: "New variable" }).click();
    const form = page.getByRole("dialog", { name: "New variable" });
    await form.getByLabel("Name").fill("db_password");
    await form.getByLabel("Value").fill("hunter2-secret");
    await form.getByLabel(/Secret/).check();
    await form.getByRole("button", { name: "Create", exact: true }).click();
    const row = page.getByTestId("variable-db_password");
    await row.getByText("******").waitFor();
    expect(await page.content()).not.toContain("hunter2-secret");
    await shot("variables");
    // Edit: a secret stays as it was when its value is left empty; made plain, its value shows.
    await row.getByRole("button", { name: "Edit" }).click();
    const edit = page.getByRole("dialog", { name: "Edit db_password" });
    expect(await edit.getByLabel("Value").inputValue()).toBe("");
    await edit.getByLabel("Description").fill("the orders database");
    await edit.getByRole("button", { name: "Save", exact: true }).click();
    await row.getByText("the orders database").waitFor();
    await row.getByText("******").waitFor();
    await row.getByRole("button", { name: "Edit" }).click();
    await edit.getByLabel(/Secret/).uncheck();
    await edit.getByLabel("Value").fill("not-secret-any-more");
    await edit.getByRole("button", { name: "Save", exact: true }).click();
    await row.getByText("not-secret-any-more").waitFor();
    await row.getByRole("button", { name: "Delete" }).click();
    await page.getByText("No variables").waitFor();

    await page.getByRole("link", { name: "Resources" }).click();
    await page.getByRole("button", { name: "Upload jar" }).first().click();
    const dialog = page.getByRole("dialog", { name: "Upload a jar" });
    await dialog.locator('input[type="file"]').setInputFiles(runnerJar);
    await dialog.getByLabel("Name").fill("runner-copy");
    await dialog.getByRole("button", { name: "Upload", exact: true }).click();
    await page.getByTestId("resources-table").getByText("runner-copy").waitFor();
    await shot("resources");
  });

  it("picks the uploaded jar as a dependency, checks it, and cannot delete it while used", async () => {
    await page.getByRole("link", { name: "Applications" }).first().click();
    await page.getByTestId("app-row-demo").getByRole("link", { name: "demo" }).click();
    await page.getByRole("link", { name: "Edit" }).click();
    await page.getByRole("tab", { name: /^Dependencies/ }).click();
    const deps = page.getByTestId("dependencies");
    await deps.getByLabel("Uploaded jars").click();
    await page.getByRole("option", { name: /runner-copy/ }).click();
    await page.keyboard.press("Escape");
    // A half-written Maven row is caught before anything is sent.
    await deps.getByRole("button", { name: "Add Maven dependency" }).click();
    await deps.getByLabel("Dependency 1 group").fill("org.example");
    await deps.getByLabel("Dependency 1 artifact").fill("demo-udf");
    await deps.getByRole("button", { name: "Check" }).click();
    await deps.getByText("Dependency 1: give a version.").waitFor();
    await deps.getByRole("button", { name: "Remove dependency 1" }).click();
    await deps.getByRole("button", { name: "Check" }).click();
    await page.getByTestId("resolution").getByText(/No conflicts: 1 jar/).waitFor();
    await page.getByTestId("resolution").getByText("sluice-sql-runner.jar").waitFor();
    await shot("app-dependencies");
    await page.getByLabel("Note for this version").fill("uses runner-copy");
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await page.getByRole("button", { name: "Saved" }).waitFor();

    await page.getByRole("link", { name: "Resources" }).click();
    const table = page.getByTestId("resources-table");
    await table.getByRole("button", { name: "Delete" }).click();
    // The API's 409, in words.
    await expect.poll(() => page.getByRole("alert").first().textContent()).toMatch(/runner-copy.*is used by .*demo/);
    await table.getByText("runner-copy").waitFor();

    // A JAR application with the jar as its program, its main class and arguments; then deleted.
    await page.getByRole("link", { name: "Applications" }).first().click();
    await page.getByRole("link", { name: "New JAR application" }).click();
    await page.getByRole("heading", { name: "New JAR application" }).waitFor();
    await page.getByLabel("Name").fill("jar-demo");
    await page.getByRole("combobox", { name: "Job jar" }).click();
    await page.getByRole("option", { name: /runner-copy/ }).click();
    await page.getByLabel("Main class").fill("org.example..Main");
    await page.getByRole("button", { name: "Create application" }).click();
    await page.getByText(/A Java class name/).waitFor();
    await page.getByLabel("Main class").fill("org.example.Main");
    await page.getByLabel("Program arguments").fill("--input\nfile:///tmp/in");
    await page.getByRole("button", { name: "Create application" }).click();
    await page.waitForURL(/\/apps\/\d+$/);
    await page.getByRole("heading", { name: "jar-demo" }).waitFor();
    await expect.poll(appState).toBe("NEW");
    await page.getByRole("link", { name: "Edit" }).click();
    await expect.poll(() => page.getByLabel("Main class").inputValue()).toBe("org.example.Main");
    expect(await page.getByLabel("Program arguments").inputValue()).toBe("--input\nfile:///tmp/in");
    await page.getByRole("link", { name: "Details and actions" }).click();
    await page.getByRole("button", { name: "Delete", exact: true }).click();
    await page.getByRole("dialog", { name: "Delete jar-demo?" }).getByRole("button", { name: "Delete jar-demo" }).click();
    await page.waitForURL(/\/apps$/);
    await page.getByTestId("app-row-demo").waitFor();
    expect(await page.getByTestId("app-row-jar-demo").count()).toBe(0);

    await page.getByRole("link", { name: "Applications" }).first().click();
    await page.getByTestId("app-row-demo").getByRole("link", { name: "demo" }).click();
    await page.getByRole("link", { name: "Edit" }).click();
    await page.getByRole("tab", { name: /^Dependencies/ }).click();
    await page.getByTestId("dependencies").getByLabel("Uploaded jars").click();
    await page.keyboard.press("Backspace");
    await page.keyboard.press("Escape");
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await page.getByRole("button", { name: "Saved" }).waitFor();
    await page.getByRole("link", { name: "Resources" }).click();
    await page.getByTestId("resources-table").getByRole("button", { name: "Delete" }).click();
    await page.getByText("No jars uploaded").waitFor();
  });

  it("cancels the job from the list's row menu", async () => {
    await page.getByRole("link", { name: "Applications" }).first().click();
    const row = page.getByTestId("app-row-demo");
    await expect.poll(() => row.getByTestId("state-badge").textContent()).toBe("RUNNING");
    await expect.poll(() => page.getByTestId("live-status").getAttribute("data-live"), { timeout: 10_000 }).toBe("live");
    await row.getByRole("button", { name: "More actions for demo" }).click();
    await page.getByRole("menuitem", { name: /^Stop…/ }).click();
    const dialog = page.getByRole("dialog", { name: "Stop demo" });
    await dialog.getByLabel("Cancel the job, no savepoint").check();
    await dialog.getByRole("button", { name: "Cancel job" }).click();
    await expect.poll(() => row.getByTestId("state-badge").textContent(), { timeout: FLINK_WAIT, interval: 500 }).toBe("CANCELED");
  }, STEP);

  it("shows a deploy that fails, with the error in words and as the last error", async () => {
    await page.getByTestId("app-row-demo").getByRole("link", { name: "demo" }).click();
    await page.getByRole("link", { name: "Edit" }).click();
    const editor = page.getByTestId("sql-editor").locator(".cm-content");
    await editor.click();
    await page.keyboard.press("Control+A");
    await page.keyboard.press("Delete");
    await page.keyboard.insertText("INSERT INTO no_such_table SELECT 1;\n");
    await page.getByLabel("Note for this version").fill("broken on purpose");
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await page.getByRole("button", { name: "Saved" }).waitFor();
    await page.getByRole("link", { name: "Details and actions" }).click();
    await expect.poll(appState).toBe("CANCELED");
    await page.getByRole("button", { name: "Deploy", exact: true }).click();
    const dialog = page.getByRole("dialog", { name: "Deploy demo" });
    await dialog.getByLabel("Empty state").check();
    await dialog.getByRole("button", { name: "Deploy", exact: true }).click();
    await expect.poll(progress, { timeout: FLINK_WAIT, interval: 500 }).toMatch(/Deploy failed/);
    await page.getByTestId("last-error").waitFor({ timeout: 20_000 });
    expect(await page.getByTestId("last-error").textContent()).toMatch(/no_such_table|not found|submit/i);
    await page.getByRole("tab", { name: "Start log" }).click();
    await expect.poll(() => page.getByTestId("start-log").textContent()).toMatch(/no_such_table/);
    // The failed deploy leaves the application where it was.
    await expect.poll(appState).toBe("CANCELED");
  }, STEP);

  it("stops the cluster", async () => {
    const stopped = await call("POST", `/api/v1/clusters/${clusterId}/stop`);
    expect(stopped.state).toBe("STOPPED");
  });
});
