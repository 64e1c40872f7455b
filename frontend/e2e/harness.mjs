// What the end-to-end tests and bench/page.mjs share: a real `keytrail` server on a free
// loopback port (the demo estate, or the wide estate of bench/page_estate.py), Debian's
// Chromium driven by playwright-core, a record of every request's origin, axe-core and screenshots.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

export const FRONTEND = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const REPO = resolve(FRONTEND, "..");
export const ARTEFACTS = join(FRONTEND, "test-results", "e2e");
export const CHROMIUM = process.env.KEYTRAIL_CHROMIUM ?? "/usr/bin/chromium";
const PYTHON = process.env.PYTHON ?? "python3";
const IN_CI = (process.env.CI ?? "").toLowerCase() === "true";

/** Why the browser tests cannot run here, or null. In CI a missing Chromium is a failure, not a skip. */
export function browserMissing() {
  if (existsSync(CHROMIUM)) return null;
  const reason = `Chromium not found at ${CHROMIUM}: make test installs Debian's chromium with apt-get`;
  if (IN_CI) throw new Error(reason);
  return reason;
}

function freePort() {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });
}

function keytrail(args, env, options = {}) {
  return spawn(PYTHON, ["-c", "from api.cli import main; main()", ...args], {
    cwd: REPO,
    env: { ...process.env, PYTHONPATH: REPO, ...env },
    stdio: ["ignore", "pipe", "pipe"],
    ...options,
  });
}

async function waitHealthy(base, child, log, seconds = 90) {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`keytrail exited ${child.exitCode}:\n${log.join("")}`);
    try {
      const answer = await fetch(`${base}/healthz`);
      if (answer.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`keytrail did not answer /healthz in ${seconds}s:\n${log.join("")}`);
}

function stopper(child, folder) {
  return async () => {
    if (child.exitCode === null) {
      child.kill("SIGINT");
      await Promise.race([new Promise((r) => child.once("exit", r)), new Promise((r) => setTimeout(r, 10_000))]);
      if (child.exitCode === null) child.kill("SIGKILL");
    }
    rmSync(folder, { recursive: true, force: true });
  };
}

/** `keytrail demo` on a free port: the demo estate, its manifest and the reader token it printed. */
export async function startDemo() {
  const folder = mkdtempSync(join(tmpdir(), "keytrail-e2e-"));
  const port = await freePort();
  const child = keytrail(["demo", "--dir", join(folder, "demo"), "--port", String(port)], {});
  const log = [];
  let token = null;
  child.stdout.on("data", (chunk) => {
    log.push(String(chunk));
    token ??= /token:\s+(kt_\S+)/.exec(log.join(""))?.[1] ?? null;
  });
  child.stderr.on("data", (chunk) => log.push(String(chunk)));
  const base = `http://127.0.0.1:${port}`;
  const stop = stopper(child, folder);
  try {
    await waitHealthy(base, child, log, 180);
    if (!token) throw new Error(`no token in keytrail demo's output:\n${log.join("")}`);
  } catch (error) {
    await stop();
    throw error;
  }
  const manifest = JSON.parse(readFileSync(join(folder, "demo", "estate", "manifest.json"), "utf8"));
  return { base, token, manifest, stop, log };
}

/** `keytrail serve` over the wide estate of bench/page_estate.py (a blast radius of `nodes` nodes). */
export async function startWide(nodes = 5000) {
  const folder = mkdtempSync(join(tmpdir(), "keytrail-wide-"));
  const made = spawnSync(PYTHON, [join(REPO, "bench", "page_estate.py"), folder, String(nodes)], {
    cwd: REPO,
    env: { ...process.env, PYTHONPATH: REPO },
    encoding: "utf8",
  });
  if (made.status !== 0) throw new Error(`bench/page_estate.py failed:\n${made.stderr}`);
  const estate = JSON.parse(made.stdout);
  const port = await freePort();
  const child = keytrail(["serve", "--port", String(port), "--store", estate.store], { KEYTRAIL_SECRET: estate.secret });
  const log = [];
  child.stdout.on("data", (c) => log.push(String(c)));
  child.stderr.on("data", (c) => log.push(String(c)));
  const base = `http://127.0.0.1:${port}`;
  const stop = stopper(child, folder);
  try {
    await waitHealthy(base, child, log);
  } catch (error) {
    await stop();
    throw error;
  }
  return { base, token: estate.token, subject: estate.subject, stop };
}

export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-default-apps",
  "--no-first-run",
  "--use-angle=swiftshader",
  "--enable-unsafe-swiftshader",
];

export function launch() {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}

/** A page at 1280×800 that records the origin of every request it makes. */
export async function openPage(browser, base, viewport = { width: 1280, height: 800 }) {
  const context = await browser.newContext({ viewport, acceptDownloads: true });
  const page = await context.newPage();
  const origins = new Set();
  const problems = [];
  page.on("request", (request) => {
    const url = new URL(request.url());
    if (url.protocol === "http:" || url.protocol === "https:" || url.protocol === "ws:" || url.protocol === "wss:")
      origins.add(url.origin);
  });
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error" && !/401|Unauthorized/.test(message.text())) problems.push(`console: ${message.text()}`);
  });
  page.on("requestfailed", (r) => {
    // the page aborts a request a newer one replaces (typing in search, changing a filter)
    if (r.failure()?.errorText !== "net::ERR_ABORTED") problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`);
  });
  return { context, page, origins, problems, base };
}

export async function shot(page, name) {
  mkdirSync(ARTEFACTS, { recursive: true });
  const path = join(ARTEFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: false });
  return path;
}

const AXE = readFileSync(join(FRONTEND, "node_modules", "axe-core", "axe.min.js"), "utf8");

/** axe-core run inside the page (evaluated over the DevTools protocol, so the page's CSP stays as served). */
export async function axeViolations(page) {
  await page.evaluate(`${AXE}\n;0`);
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const outcome = await axe.run(document, { resultTypes: ["violations"] });
    return outcome.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")),
    }));
  });
  return result;
}

export function serious(violations) {
  return violations.filter((v) => v.impact === "serious" || v.impact === "critical");
}

/** Time from the blast request to the first drawn frame, and frames per second while panning. */
export async function measureBlast(page, base, subject, { panSeconds = 3 } = {}) {
  await page.goto(`${base}/blast/${encodeURIComponent(subject)}?depth=3`);
  await page.waitForFunction(() => performance.getEntriesByName("keytrail:blast-first-frame").length > 0, null, {
    timeout: 60_000,
  });
  const { firstFrame, answered } = await page.evaluate(() => {
    const [request] = performance.getEntriesByName("keytrail:blast-request");
    const [frame] = performance.getEntriesByName("keytrail:blast-first-frame");
    // the blast query's answer: the last /graphql response that ended before the first frame
    const answers = performance
      .getEntriesByType("resource")
      .filter((r) => r.name.endsWith("/graphql") && r.responseEnd <= frame.startTime && r.startTime >= request.startTime);
    const last = Math.max(...answers.map((r) => r.responseEnd));
    return { firstFrame: frame.startTime - request.startTime, answered: last - request.startTime };
  });
  const counts = await page.evaluate(() => {
    const s = window.__keytrailSigma;
    return { nodes: s.getGraph().order, edges: s.getGraph().size };
  });
  const pan = await dragAcross(page, panSeconds);
  return { firstFrameMs: firstFrame, answerMs: answered, ...counts, ...pan };
}

/** Drag the graph with the mouse for `seconds`, as a hand pans it; count the frames sigma draws. */
async function dragAcross(page, seconds) {
  const box = await page.locator(".graph-canvas").boundingBox();
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  await page.evaluate(() => {
    const sigma = window.__keytrailSigma;
    window.__keytrailFrames = [];
    window.__keytrailCount = () => window.__keytrailFrames.push(performance.now());
    sigma.on("afterRender", window.__keytrailCount);
  });
  await page.mouse.move(cx, cy);
  await page.mouse.down();
  const started = Date.now();
  let step = 0;
  while (Date.now() - started < seconds * 1000 && step < 2000) {
    step++;
    const t = step / 30;
    await page.mouse.move(cx + 150 * Math.sin(t), cy + 100 * Math.cos(t));
    await page.waitForTimeout(16);
  }
  await page.mouse.up();
  return page.evaluate((elapsed) => {
    window.__keytrailSigma.off("afterRender", window.__keytrailCount);
    const times = window.__keytrailFrames;
    const gaps = times.slice(1).map((t, i) => t - times[i]).sort((a, b) => a - b);
    return {
      fps: times.length / (elapsed / 1000),
      frames: times.length,
      p95FrameMs: gaps[Math.floor(gaps.length * 0.95)] ?? 0,
      worstFrameMs: gaps[gaps.length - 1] ?? 0,
    };
  }, Date.now() - started);
}
