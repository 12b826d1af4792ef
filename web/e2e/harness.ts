// What the end-to-end test runs against: a real `sluice serve` on a free loopback port with a
// fresh data folder, and Debian's Chromium driven by playwright-core with a fresh profile.
import { ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync, chmodSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Browser, BrowserContext, chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, "..", "..");

export const CHROMIUM_ARGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];

export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

export interface Sluice {
  url: string;
  dataDir: string;
  log: () => string;
  stop: () => Promise<void>;
}

// Starts build/sluice (SLUICE_BINARY overrides) serving web/dist; resolves once /readyz answers.
// `extraArgs` and `extraEnv` add to the command line and the environment (e.g. a bootstrapped Flink).
export async function startSluice(adminPassword: string, extraArgs: string[] = [], extraEnv: Record<string, string> = {}): Promise<Sluice> {
  const binary = process.env.SLUICE_BINARY ?? join(repoRoot, "build", "sluice");
  const webDir = process.env.SLUICE_WEB_DIR ?? join(repoRoot, "web", "dist");
  if (!existsSync(binary)) throw new Error(`no Sluice binary at ${binary}: run make build first`);
  if (!existsSync(join(webDir, "index.html"))) throw new Error(`no built console in ${webDir}: run make build first`);
  const dataDir = mkdtempSync(join(tmpdir(), "sluice-e2e-"));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let output = "";
  const child: ChildProcess = spawn(binary, ["serve", "--listen", `127.0.0.1:${port}`, "--data-dir", join(dataDir, "var"), "--log-level", "warn", ...extraArgs], {
    env: { ...process.env, SLUICE_ADMIN_PASSWORD: adminPassword, SLUICE_WEB_DIR: webDir, ...extraEnv },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (chunk) => { output += chunk; });
  child.stderr?.on("data", (chunk) => { output += chunk; });
  let exited: number | null = null;
  child.on("exit", (code) => { exited = code ?? -1; });

  // Poll readiness (bounded): the server answers /readyz once its store is open.
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (exited !== null) throw new Error(`sluice serve exited with ${exited} before it was ready:\n${output}`);
    try {
      const response = await fetch(`${url}/readyz`);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`sluice serve was not ready within 30 s:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    dataDir,
    log: () => output,
    stop: async () => {
      if (exited === null) {
        const done = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await done;
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function launchBrowser(): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  const executablePath = process.env.SLUICE_CHROMIUM ?? "/usr/bin/chromium";
  if (!existsSync(executablePath)) throw new Error(`no Chromium at ${executablePath}: run scripts/install-deps.sh test`);
  const profile = mkdtempSync(join(tmpdir(), "sluice-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 800 },
    locale: "en-GB",
    timezoneId: "UTC",
    reducedMotion: "reduce", // no transitions half-way in a screenshot
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

// A Flink home to register: the first provisioned one (SLUICE_TEST_FLINK_HOMES), else a minimal
// fake with the layout Sluice inspects (bin/flink, lib/flink-dist-*.jar, conf/config.yaml).
export function flinkHome(scratch: string): string {
  const provisioned = (process.env.SLUICE_TEST_FLINK_HOMES ?? "").split(":").filter(Boolean)[0];
  if (provisioned) return provisioned;
  const home = join(scratch, "flink-1.20.5");
  mkdirSync(join(home, "bin"), { recursive: true });
  mkdirSync(join(home, "lib"), { recursive: true });
  mkdirSync(join(home, "conf"), { recursive: true });
  writeFileSync(join(home, "bin", "flink"), '#!/bin/sh\necho "Version: 1.20.5, Commit ID: e2e"\n');
  chmodSync(join(home, "bin", "flink"), 0o755);
  writeFileSync(join(home, "lib", "flink-dist-1.20.5.jar"), "");
  writeFileSync(join(home, "conf", "config.yaml"), "jobmanager:\n  rpc:\n    address: localhost\n");
  writeFileSync(join(home, "conf", "log4j-console.properties"), "# log4j\n");
  return home;
}

export function screenshotDir(): string {
  const dir = process.env.SLUICE_SCREENSHOT_DIR ?? join(repoRoot, "docs", "screenshots");
  mkdirSync(dir, { recursive: true });
  return dir;
}

// A browser of its own (Playwright gives it a fresh temporary profile), for measuring a first visit.
export async function launchFreshBrowser(): Promise<Browser> {
  const executablePath = process.env.SLUICE_CHROMIUM ?? "/usr/bin/chromium";
  if (!existsSync(executablePath)) throw new Error(`no Chromium at ${executablePath}: run scripts/install-deps.sh test`);
  return chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
}
