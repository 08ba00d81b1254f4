// @vitest-environment node
/**
 * The example page in a real browser: builds it (static mode, what `npm run
 * demo` recorded), serves example/web/dist on 127.0.0.1, opens it in
 * Debian's Chromium through playwright-core, picks the skipped execution
 * and checks the trace names the failed condition with the value the event
 * had. `UPDATE_SCREENSHOT=1` (or a missing file) rewrites docs/screenshot.png.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser } from "playwright-core";
import { build } from "vite";
import { afterAll, beforeAll, expect, test } from "vitest";
import type { DemoData } from "../demo/demo.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");
const dist = path.join(here, "dist");
const screenshot = path.join(root, "docs/screenshot.png");
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
/** As the machine's notes start it: no sandbox (root), no GPU, no network of its own. */
const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

let server: Server;
let browser: Browser;
let url: string;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`No Chromium at ${CHROMIUM}: run: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  }
  if (!existsSync(path.join(root, "dist/react/index.js"))) {
    throw new Error("convex-rules/react is not built: run: npm run build");
  }
  // The static mode whatever the environment says: no .env files, no VITE_CONVEX_URL.
  const convexUrl = process.env.VITE_CONVEX_URL;
  delete process.env.VITE_CONVEX_URL;
  try {
    await build({ configFile: path.join(here, "vite.config.ts"), envDir: false, logLevel: "warn" });
  } finally {
    if (convexUrl !== undefined) process.env.VITE_CONVEX_URL = convexUrl;
  }
  server = await serve(dist);
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  // playwright-core starts it with a new, empty profile (--user-data-dir) of its own.
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
});

test("picking a skipped execution shows the condition that failed and the value the event had", async () => {
  const data = JSON.parse(await readFile(path.join(here, "public/demo-data.json"), "utf8")) as DemoData;
  const skipped = data.executions.find(({ execution }) => execution.status === "skipped")!.execution;
  const failed = (skipped.explanation as Array<Record<string, unknown>>).find((node) => node.result === false)!;
  expect([skipped.ruleName, failed.path, failed.op, failed.expected, failed.actual]).toEqual([
    "Alert on budgets over $5,000",
    "value.value",
    "gt",
    5000,
    1250.5,
  ]);

  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(error.message));
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(message.text());
  });
  await page.goto(url);

  // The rules, in words, and the history of monday.com's executions.
  await expect.poll(() => page.getByRole("listitem").filter({ hasText: "When column_changed" }).count()).toBe(1);
  const history = page.getByRole("table", { name: "Executions" });
  const row = history.getByRole("row").filter({ hasText: skipped.ruleName });
  expect(await row.getAttribute("data-status")).toBe("skipped");
  expect(await page.getByText("No execution picked.").isVisible()).toBe(true);

  await row.getByRole("button", { name: skipped.ruleName }).click();
  const trace = page.getByRole("article", { name: `Execution of ${skipped.ruleName}` });
  await trace.waitFor();
  const condition = trace.locator(`.cr-condition[data-result="false"]`);
  expect(await condition.isVisible()).toBe(true);
  expect(await condition.innerText()).toBe(`failed ${failed.id} value.value gt 5000 - saw 1250.5`);
  expect(await trace.getByRole("region", { name: "Actions" }).innerText()).toContain("No action ran: the conditions did not hold.");
  expect(await row.getAttribute("aria-current")).toBe("true");

  if (process.env.UPDATE_SCREENSHOT === "1" || !existsSync(screenshot)) {
    await page.screenshot({ path: screenshot, fullPage: true });
  }

  // GitHub's rules, described by its declarations, and their executions.
  await page.getByRole("button", { name: "GitHub" }).click();
  await expect.poll(() => page.getByText("When An issue was opened in a repository").count()).toBe(1);
  const github = data.executions.filter(({ execution }) => execution.integrationId === "github");
  expect(await history.locator("tbody tr").count()).toBe(github.length);
  expect(await page.getByText("No execution picked.").isVisible()).toBe(true);
  expect(problems).toEqual([]);
}, 30_000);

/** A static file server for the built page, on 127.0.0.1 and a free port. */
async function serve(dir: string): Promise<Server> {
  const types: Record<string, string> = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript",
    ".css": "text/css",
    ".json": "application/json",
  };
  const server = createServer((request, response) => {
    const pathname = decodeURIComponent(new URL(request.url ?? "/", "http://localhost").pathname);
    const file = path.join(dir, pathname.endsWith("/") ? `${pathname}index.html` : pathname);
    if (!file.startsWith(dir + path.sep)) {
      response.writeHead(403).end();
      return;
    }
    readFile(file).then(
      (body) => response.writeHead(200, { "content-type": types[path.extname(file)] ?? "application/octet-stream" }).end(body),
      () => response.writeHead(404).end("not found"),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return server;
}
