// The console end to end, in Debian's Chromium against a real `sluice serve`: log in, the empty
// applications page, a Flink environment, a team and a user, an API token, a SQL application made
// through the form and seen in the list, two edits and the diff of versions, log out; then a user
// of another team does not see the application. Screenshots of the main pages go to
// docs/screenshots/ (SLUICE_SCREENSHOT_DIR overrides).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { cpSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { flinkHome, launchBrowser, launchFreshBrowser, repoRoot, screenshotDir, Sluice, startSluice } from "./harness";

const ADMIN_PASSWORD = "e2e-admin-Secret-1";
const BOB_PASSWORD = "bob-Secret-12345";
const APP = "orders-demo";

let sluice: Sluice;
let browser: { context: BrowserContext; close: () => Promise<void> };
let page: Page;
let scratch: string;
let appUrl = "";
const shots = screenshotDir();
const scratchKept = mkdtempSync(join(tmpdir(), "sluice-e2e-failures-"));

async function shot(name: string) {
  // Works at 1280 px: nothing wider than the window.
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(width, `${name} is ${width} px wide`).toBeLessThanOrEqual(1280);
  // Without the passing notifications, so each picture shows the page itself.
  await page.screenshot({ path: join(shots, `${name}.png`), style: ".mantine-Notifications-root { display: none !important; }" });
}

async function login(username: string, password: string) {
  await page.getByLabel("User name").fill(username);
  await page.locator('input[type="password"]').fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.getByRole("heading", { name: "Applications", exact: true }).waitFor();
}

async function logout() {
  await page.getByTestId("user-menu").click();
  await page.getByRole("menuitem", { name: "Log out" }).click();
  await page.getByRole("button", { name: "Log in" }).waitFor();
  expect(new URL(page.url()).pathname).toBe("/login");
}

async function choose(label: string, option: string | RegExp) {
  await page.getByRole("combobox", { name: label, exact: true }).click();
  await page.getByRole("option", { name: option }).click();
}

// Replaces the whole text of the CodeMirror editor with the given test id.
async function setEditor(testId: string, text: string) {
  await page.getByTestId(testId).locator(".cm-content").click();
  await page.keyboard.press("Control+A");
  await page.keyboard.press("Delete");
  await page.keyboard.insertText(text);
}

// What the test needs (the server, Chromium) missing makes every step fail, never skip.
let setupError: unknown = null;

beforeAll(async () => {
  try {
    scratch = mkdtempSync(join(tmpdir(), "sluice-e2e-scratch-"));
    sluice = await startSluice(ADMIN_PASSWORD);
    browser = await launchBrowser();
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    page.setDefaultTimeout(15_000);
  } catch (error) {
    setupError = error;
  }
});

beforeEach(() => {
  if (setupError) throw setupError;
});

// A failed step leaves a picture of the page and the server's log behind, named in the output.
afterEach(async (context) => {
  if (context.task.result?.state !== "fail" || !page) return;
  anyFailed = true;
  const name = context.task.name.replace(/[^a-z0-9]+/gi, "-").slice(0, 60);
  const picture = join(scratchKept, `failed-${name}.png`);
  await page.screenshot({ path: picture }).catch(() => undefined);
  writeFileSync(join(scratchKept, "sluice.log"), sluice?.log() ?? "");
  console.log(`failed step: page at ${page.url()}, screenshot ${picture}, server log ${join(scratchKept, "sluice.log")}`);
});

let anyFailed = false;

afterAll(async () => {
  // The failures' folder stays only when something failed (it is named in the output then).
  if (!anyFailed) rmSync(scratchKept, { recursive: true, force: true });
  await browser?.close();
  await sluice?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe("the console", () => {
  it("loads the first time in under a second on loopback, compressed", async () => {
    // Three first visits, each in a browser of its own with a fresh profile (nothing cached, no
    // compiled code kept). Other work on a shared machine only ever adds time, so the fastest of
    // the three is what the console itself costs; all three are printed.
    const runs: number[] = [];
    let status = 0;
    let timing = { domContentLoaded: 0, transferred: 0, decoded: 0 };
    for (let i = 0; i < 3; i++) {
      const fresh = await launchFreshBrowser();
      try {
        const visitor = await fresh.newPage({ viewport: { width: 1280, height: 800 } });
        const started = performance.now();
        const response = await visitor.goto(sluice.url + "/");
        await visitor.getByRole("button", { name: "Log in" }).waitFor();
        runs.push(Math.round(performance.now() - started));
        status = response?.status() ?? 0;
        expect(new URL(visitor.url()).pathname).toBe("/login");
        timing = await visitor.evaluate(() => {
          const nav = performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming;
          const assets = performance.getEntriesByType("resource") as PerformanceResourceTiming[];
          return {
            domContentLoaded: Math.round(nav.domContentLoadedEventEnd),
            transferred: assets.reduce((sum, a) => sum + a.transferSize, nav.transferSize),
            decoded: assets.reduce((sum, a) => sum + a.decodedBodySize, nav.decodedBodySize),
          };
        });
      } finally {
        await fresh.close();
      }
    }
    const best = Math.min(...runs);
    const line = `first load: best of 3 ${best} ms to a usable login form in a fresh browser (runs ${runs.join(", ")} ms; DOMContentLoaded ${timing.domContentLoaded} ms; ${timing.transferred} bytes transferred for ${timing.decoded} bytes of files)`;
    console.log(line);
    if (process.env.SLUICE_FIRST_LOAD_FILE) writeFileSync(process.env.SLUICE_FIRST_LOAD_FILE, line + "\n");
    expect(status).toBe(200);
    expect(timing.transferred).toBeGreaterThan(0); // really fetched, not from a cache
    expect(timing.transferred).toBeLessThan(timing.decoded / 2); // gzip on the wire
    expect(best).toBeLessThan(Number(process.env.SLUICE_FIRST_LOAD_LIMIT_MS ?? 1000));
  });

  it("refuses a wrong password with the API's message, then logs in", async () => {
    await page.goto(sluice.url + "/");
    await page.getByRole("button", { name: "Log in" }).waitFor();
    await shot("login");
    await page.getByLabel("User name").fill("admin");
    await page.locator('input[type="password"]').fill("wrong-password");
    await page.getByRole("button", { name: "Log in" }).click();
    await expect.poll(() => page.getByRole("alert").first().textContent()).toMatch(/password/i);
    await login("admin", ADMIN_PASSWORD);
  });

  it("shows the empty applications page with what to do next", async () => {
    await page.getByTestId("empty-state").getByText("No applications yet").waitFor();
    await page.getByRole("link", { name: "Create a SQL application" }).waitFor();
    await shot("apps-empty");
  });

  it("registers a Flink environment by its path", async () => {
    await page.getByRole("link", { name: "Flink environments" }).click();
    await page.getByText("No Flink environment yet").waitFor();
    await page.getByRole("button", { name: "Register environment" }).click();
    await page.getByLabel("Name").fill("flink-1.20");
    await page.getByLabel("Flink home").fill(flinkHome(scratch));
    await page.getByRole("button", { name: "Register", exact: true }).click();
    const row = page.getByTestId("envs-table").getByRole("row", { name: /flink-1\.20/ });
    await row.waitFor();
    await expect.poll(() => row.textContent()).toMatch(/1\.20\.\d/);
    await shot("flink-envs");
  });

  it("creates a team and a user, and makes the user a developer in it", async () => {
    await page.getByRole("link", { name: "Users" }).click();
    await page.getByRole("button", { name: "New user" }).click();
    await page.getByLabel("User name").fill("bob");
    await page.getByLabel("Display name").fill("Bob Builder");
    await page.getByRole("dialog").locator('input[type="password"]').fill(BOB_PASSWORD);
    await page.getByRole("button", { name: "Create user" }).click();
    await page.getByTestId("users-table").getByRole("cell", { name: "bob", exact: true }).waitFor();
    await shot("users");

    await page.getByRole("link", { name: "Teams and members" }).click();
    await page.getByRole("button", { name: "New team" }).click();
    await page.getByLabel("Name").fill("analytics");
    await page.getByRole("button", { name: "Create team" }).click();
    await page.getByRole("heading", { name: "Members of analytics" }).waitFor();
    await choose("Add user", "bob");
    await page.getByRole("button", { name: "Add member" }).click();
    await page.getByTestId("members-table").getByRole("cell", { name: /^bob/ }).waitFor();
    await shot("teams");
  });

  it("creates an API token and shows its secret once", async () => {
    await page.getByRole("link", { name: "API tokens" }).click();
    await page.getByText("No API tokens").waitFor();
    await page.getByRole("button", { name: "New token" }).click();
    await page.getByLabel("Name").fill("ci-deploy");
    await page.getByRole("button", { name: "Create token" }).click();
    const secret = page.getByTestId("token-secret");
    await secret.waitFor();
    expect((await secret.textContent())?.length ?? 0).toBeGreaterThan(20);
    await page.getByTestId("tokens-table").getByRole("cell", { name: "ci-deploy" }).waitFor();
  });

  it("creates a SQL application through the form and lists it", async () => {
    await page.getByRole("link", { name: "Applications" }).click();
    await page.getByRole("link", { name: "New SQL application" }).click();
    await page.getByTestId("sql-editor").locator(".cm-content").waitFor();
    // The form checks before it sends.
    await page.getByRole("button", { name: "Create application" }).click();
    await page.getByText("Give the application a name.").waitFor();

    await page.getByLabel("Name").fill(APP);
    await page.getByText("Give the application a name.").waitFor({ state: "detached" });
    await page.getByLabel("Description").fill("datagen into blackhole");
    await page.getByPlaceholder("Add a tag").fill("demo");
    await page.keyboard.press("Enter");
    await page.getByText("Application mode").click();
    await page.getByLabel("Parallelism").fill("2");
    await page.getByRole("button", { name: "Add option" }).click();
    await page.getByLabel("Option 1 key").fill("execution.checkpointing.interval");
    await page.getByLabel("Option 1 value").fill("30 s");
    await page.getByRole("tab", { name: "Configuration YAML" }).click();
    await setEditor("yaml-editor", "state.checkpoints.dir: file:///tmp/sluice-e2e/checkpoints\n");
    await page.getByRole("tab", { name: "Options" }).click();
    await shot("app-editor");
    await page.getByRole("button", { name: "Create application" }).click();
    await page.waitForURL(/\/apps\/\d+$/);
    appUrl = page.url();
    await page.getByRole("heading", { name: APP }).waitFor();

    await page.getByRole("link", { name: "Applications" }).first().click();
    const row = page.getByTestId(`app-row-${APP}`);
    await row.waitFor();
    await expect.poll(() => row.getByTestId("state-badge").textContent()).toBe("NEW");
    // Search narrows the list (description and tags); a search for something else empties it,
    // with a way back.
    await row.getByText("demo", { exact: true }).waitFor();
    await page.getByLabel("Search").fill("blackhole demo");
    await row.waitFor();
    await page.getByLabel("Search").fill("no-such-app");
    await page.getByText("Nothing matches these filters").waitFor();
    await page.getByRole("button", { name: "Clear the filters" }).click();
    await row.waitFor();
    await shot("apps");
  });

  it("keeps a version per edit and shows the diff of two of them", async () => {
    await page.goto(appUrl + "/edit");
    await page.getByRole("heading", { name: APP }).waitFor();
    // Format: clauses on their lines, keywords upper-case, variables untouched.
    await setEditor("sql-editor", "insert into snk select id, '${who}' from src where id > 0;");
    await page.getByRole("button", { name: "Format", exact: true }).click();
    const content = page.getByTestId("sql-editor").locator(".cm-content");
    await expect.poll(() => content.innerText()).toMatch(/^INSERT INTO\n\s+snk\nSELECT\n\s+id,\n\s+'\$\{who\}'\nFROM/);
    // Lint as one types, and the legacy options rewritten through a diff one accepts.
    await setEditor("sql-editor", [
      "CREATE TABLE src (uid STRING) WITH (",
      "  'connector.type' = 'kafka',",
      "  'connector.version' = 'universal',",
      "  'connector.topic' = 'orders',",
      "  'connector.properties.bootstrap.servers' = '127.0.0.1:9092',",
      "  'format.type' = 'json'",
      ");",
      "INSERT INTO nowhere SELECT uid FROM src;",
      "",
    ].join("\n"));
    const findings = page.getByTestId("lint-findings");
    await findings.getByText(/legacy-options/).waitFor();
    await findings.getByText(/unknown-table/).waitFor();
    expect(await findings.getByText(/^Line 8/).count()).toBeGreaterThan(0);
    await page.getByRole("button", { name: "Migrate legacy options…" }).click();
    const review = page.getByRole("dialog", { name: "Rewrite the legacy options" });
    await expect.poll(() => review.getByTestId("migration-diff").textContent()).toContain("-  'connector.topic' = 'orders',");
    await review.getByRole("button", { name: "Accept the rewrite" }).click();
    await expect.poll(() => content.innerText()).toContain("'connector' = 'kafka'");
    await expect.poll(async () => (await findings.textContent()) ?? "").not.toContain("legacy-options");
    await setEditor("sql-editor", [
      "CREATE TABLE src (id BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '50');",
      "CREATE TABLE snk (id BIGINT) WITH ('connector' = 'blackhole');",
      "INSERT INTO snk SELECT id FROM src WHERE id > 0;",
      "",
    ].join("\n"));
    await page.getByLabel("Note for this version").fill("smaller tables");
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await page.getByRole("button", { name: "Saved" }).waitFor();

    await page.getByLabel("Parallelism").fill("4");
    await page.getByLabel("Note for this version").fill("more parallel");
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await page.getByRole("button", { name: "Saved" }).waitFor();

    await page.getByRole("link", { name: "Versions" }).click();
    const versions = page.getByTestId("versions-table");
    await versions.getByRole("cell", { name: "more parallel" }).waitFor();
    expect(await versions.locator("tbody tr").count()).toBe(3);
    // Newest against the one before: the parallelism.
    const diff = page.getByTestId("diff");
    await diff.waitFor();
    await expect.poll(() => diff.locator("td.del").allTextContents()).toContain('  "parallelism": 2,');
    expect(await diff.locator("td.add").allTextContents()).toContain('  "parallelism": 4,');
    // Any two: the first against the newest shows the SQL change too.
    await choose("Compare", /^v1/);
    await expect.poll(() => diff.locator("td.add").allTextContents()).toContain("INSERT INTO snk SELECT id FROM src WHERE id > 0;");
    await shot("versions");

    // Restoring the first version makes it the newest, and the newest equals the first again.
    await versions.getByRole("row", { name: /^v1 / }).getByRole("button", { name: "Restore" }).click();
    await versions.getByRole("cell", { name: "restored version 1" }).waitFor();
    expect(await versions.locator("tbody tr").count()).toBe(4);
    await expect.poll(() => page.getByRole("combobox", { name: "with", exact: true }).inputValue()).toMatch(/^v4/);
    await expect.poll(() => page.getByRole("combobox", { name: "Compare", exact: true }).inputValue()).toMatch(/^v1/);
    await page.getByText("These versions are the same.").waitFor();
  });

  it("registers clusters, saying why one that does not answer is refused", async () => {
    await page.getByRole("link", { name: "Clusters" }).click();
    await page.getByText("No cluster yet").waitFor();
    await page.getByRole("button", { name: "Register cluster" }).click();
    await page.getByLabel("Name").fill("remote-a");
    await page.getByText("Remote (already running)").click();
    await page.getByLabel("JobManager addresses").fill("http://127.0.0.1:9");
    await page.getByRole("button", { name: "Register", exact: true }).click();
    // The API's own words, in the dialog.
    await page.getByRole("dialog").getByRole("alert").getByText(/Cannot reach a Flink JobManager at http:\/\/127\.0\.0\.1:9/).waitFor();
    await page.getByText("Managed (Sluice starts it)").click();
    await page.getByLabel("Name").fill("local-a");
    await page.getByRole("button", { name: "Register", exact: true }).click();
    const row = page.getByTestId("clusters-table").getByRole("row", { name: /local-a/ });
    await row.waitFor();
    await expect.poll(() => row.getByTestId("state-badge").textContent()).toBe("STOPPED");
    await shot("clusters");
    await row.getByRole("button", { name: "Events" }).click();
    const events = page.getByRole("dialog", { name: "Events of local-a" });
    await events.getByText(/STOPPED|Nothing has happened/).first().waitFor();
    await page.keyboard.press("Escape");
    await events.waitFor({ state: "hidden" });
  });

  it("adds an alert channel, sends it a test message, and says why a test fails", async () => {
    // A real receiver on loopback: it records what Sluice posts.
    const received: { path: string; body: string; headers: Record<string, unknown> }[] = [];
    const receiver = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk) => (body += chunk));
      req.on("end", () => {
        received.push({ path: req.url ?? "", body, headers: req.headers });
        res.writeHead(200, { "Content-Type": "application/json" }).end('{"ok":true}');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    const port = (receiver.address() as AddressInfo).port;
    try {
      await page.getByRole("link", { name: "Alert channels" }).click();
      await page.getByText("No alert channels").waitFor();
      await page.getByRole("button", { name: "New channel" }).click();
      const dialog = page.getByRole("dialog", { name: "New alert channel" });
      await dialog.getByLabel("Name").fill("ops-hook");
      await choose("Kind", "HTTP webhook (JSON)");
      // The form's own check first: not an address.
      await dialog.getByLabel("Webhook URL").fill("not-a-url");
      await dialog.getByRole("button", { name: "Create" }).click();
      await dialog.getByText("An http:// or https:// address").waitFor();
      await dialog.getByLabel("Webhook URL").fill(`http://127.0.0.1:${port}/hook`);
      await dialog.getByLabel("Headers").fill("X-Team: data");
      await dialog.getByRole("button", { name: "Create" }).click();
      await dialog.waitFor({ state: "hidden" });
      const row = page.getByTestId("channel-ops-hook");
      await row.waitFor();
      await row.getByRole("button", { name: "Send test" }).click();
      await page.getByText("ops-hook received the test message").waitFor();
      expect(received.length).toBe(1);
      expect(received[0].path).toBe("/hook");
      expect(received[0].headers["x-team"]).toBe("data");
      expect(JSON.parse(received[0].body)).toBeTypeOf("object");
      await shot("alert-channels");
      // The receiver gone: the test says so, in words.
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
      await row.getByRole("button", { name: "Send test" }).click();
      await page.getByText(/Sending a test message to ops-hook failed/).waitFor();
      await page.getByRole("link", { name: "Alert history" }).first().click();
      await page.getByRole("heading", { name: "Alert history" }).waitFor();
    } finally {
      receiver.close();
    }
  });

  it("sets an application's alert rules over its team's and a maintenance window", async () => {
    await page.goto(appUrl);
    await page.getByRole("tab", { name: "Alerts" }).click();
    const rules = page.getByTestId("alert-rules");
    await rules.waitFor();
    // The team's defaults: the state rules on, the checkpoint rules off.
    await expect.poll(() => page.getByTestId("rule-failed").textContent()).toContain("on");
    await expect.poll(() => page.getByTestId("rule-checkpoint_failures").textContent()).toContain("off");
    await choose("Checkpoint failures for this application", /^On$/);
    await choose("Job lost for this application", /^Off$/);
    // A threshold the form refuses before anything is sent.
    await page.getByLabel("Checkpoint failures: Failures").fill("0");
    await page.getByTestId("save-alert-settings").click();
    await page.getByTestId("rule-checkpoint_failures").getByText(/must be a whole number/).waitFor();
    await page.getByLabel("Checkpoint failures: Failures").fill("2");
    await choose("Then", /^Restart$/);
    await page.getByRole("button", { name: "Add a window" }).click();
    await page.getByTestId("maintenance-window").getByLabel("Note").fill("broker upgrade");
    await page.getByTestId("save-alert-settings").click();
    await page.getByText("Alert settings saved").waitFor();
    await shot("app-alerts");
    // Kept by the server: a fresh page shows the same.
    await page.reload();
    await page.getByRole("tab", { name: "Alerts" }).click();
    await rules.waitFor();
    await expect.poll(() => page.getByRole("combobox", { name: "Checkpoint failures for this application", exact: true }).inputValue()).toBe("On");
    expect(await page.getByRole("combobox", { name: "Job lost for this application", exact: true }).inputValue()).toBe("Off");
    expect(await page.getByRole("combobox", { name: "Job failed for this application", exact: true }).inputValue()).toBe("Team default");
    expect(await page.getByLabel("Checkpoint failures: Failures").inputValue()).toBe("2");
    expect(await page.getByRole("combobox", { name: "Then", exact: true }).inputValue()).toBe("Restart");
    expect(await page.getByTestId("maintenance-window").getByLabel("Note").inputValue()).toBe("broker upgrade");
  });

  it("builds a Git project with Maven and lists its jars", async () => {
    // A real repository (a local path is a Git URL too) holding the tests' multi-module project.
    const repo = join(scratch, "jobs-repo");
    cpSync(join(repoRoot, "tests", "projects", "flink-multi"), repo, { recursive: true });
    const git = (...args: string[]) => execFileSync("git", ["-c", "user.email=e2e@example.com", "-c", "user.name=e2e", ...args], { cwd: repo, stdio: "pipe" });
    git("init", "-q", "-b", "main");
    git("add", "-A");
    git("commit", "-qm", "the jobs");
    await page.getByRole("link", { name: "Projects" }).click();
    await page.getByText("No projects").waitFor();
    await page.getByRole("button", { name: "New project" }).click();
    const dialog = page.getByRole("dialog", { name: "New Git project" });
    await dialog.getByLabel("Name").fill("jobs");
    await dialog.getByLabel("Git URL").fill(repo);
    // Shell syntax in a Maven argument is refused before anything is sent.
    await dialog.getByLabel("Maven arguments").fill("-DskipTests;touch /tmp/x");
    await dialog.getByRole("button", { name: "Create" }).click();
    await dialog.getByText(/is not a plain Maven argument/).waitFor();
    await dialog.getByLabel("Maven arguments").fill("");
    await dialog.getByLabel("Branch or tag").fill("no-such-branch");
    await dialog.getByRole("button", { name: "Create" }).click();
    // The remote was asked: the API's words in the dialog.
    await dialog.getByRole("alert").getByText(/no-such-branch/).waitFor();
    // Enter submits (the failure's notification may cover the button).
    await dialog.getByLabel("Branch or tag").fill("main");
    await dialog.getByLabel("Branch or tag").press("Enter");
    await dialog.waitFor({ state: "hidden" });
    await page.getByTestId("project-jobs").getByRole("link", { name: "jobs" }).click();
    await page.getByRole("heading", { name: "jobs" }).waitFor();
    await page.getByRole("button", { name: "Build", exact: true }).click();
    const first = page.getByTestId("builds-table").locator("tbody tr").first();
    await expect.poll(() => first.getByTestId("build-state").textContent(), { timeout: 240_000, interval: 1000 }).toBe("SUCCEEDED");
    await expect.poll(() => page.getByTestId("build-log").textContent(), { timeout: 20_000 }).toContain("BUILD SUCCESS");
    const jars = page.getByTestId("artifacts-table");
    await jars.waitFor({ timeout: 20_000 });
    expect(await jars.locator("tbody tr").count()).toBeGreaterThanOrEqual(1);
    await shot("project");
  }, 300_000);

  it("logs out", async () => {
    await logout();
    // The session is gone on the server too: going back lands on the login page.
    await page.goto(sluice.url + "/apps");
    await page.waitForURL(/\/login/);
  });

  it("keeps the application from a user of another team", async () => {
    await login("bob", BOB_PASSWORD);
    await page.getByText("No applications yet").waitFor();
    expect(await page.getByText(APP).count()).toBe(0);
    await page.goto(appUrl);
    await page.getByText("Could not load the application").waitFor();
    expect(await page.getByRole("heading", { name: APP }).count()).toBe(0);
    await page.goto(appUrl + "/versions");
    await page.getByText("Could not load the application").waitFor();
  });

  it("changes the password from the user menu", async () => {
    await page.getByTestId("user-menu").click();
    await page.getByRole("menuitem", { name: "Change password" }).click();
    const dialog = page.getByRole("dialog", { name: "Change password" });
    const fields = dialog.locator('input[type="password"]');
    await fields.nth(0).fill("not-my-password");
    await fields.nth(1).fill(BOB_PASSWORD + "-new");
    await fields.nth(2).fill(BOB_PASSWORD + "-new");
    await dialog.getByRole("button", { name: "Change password" }).click();
    // The API's refusal, in words, and the dialog stays.
    await dialog.getByRole("alert").waitFor();
    await fields.nth(0).fill(BOB_PASSWORD);
    await dialog.getByRole("button", { name: "Change password" }).click();
    await dialog.waitFor({ state: "hidden" });
    // This session goes on (only the others end); the new password works from now on.
    await page.goto(sluice.url + "/apps");
    await page.getByRole("heading", { name: "Applications", exact: true }).waitFor();
    await logout();
    await login("bob", BOB_PASSWORD + "-new");
    await logout();
  });

  it("answers unknown console paths with the console and unknown API paths with JSON", async () => {
    const page404 = await fetch(sluice.url + "/no/such/page");
    expect(page404.status).toBe(200);
    expect(page404.headers.get("content-type")).toContain("text/html");
    expect(page404.headers.get("cache-control")).toBe("no-cache");
    const api404 = await fetch(sluice.url + "/api/v1/no-such-thing");
    expect(api404.status).toBe(404);
    expect((await api404.json()).error.code).toBe("ROUTE_NOT_FOUND");
  });
});
