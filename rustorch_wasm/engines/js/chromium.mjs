// Chromium engine host: run a kernel request (see core.mjs, harness.mjs) in a
// real headless Chromium page.
//
//   node chromium.mjs REQUEST.json
//
// REQUEST.json is the harness request plus "chromium" (browser executable)
// and "node_modules" (directory holding playwright-core). pagehost.mjs serves
// page.html, core.mjs, the wasm and the inputs from 127.0.0.1 (cross-origin
// isolated, so performance.now() has ~5 us resolution instead of 100 us);
// this script launches the browser with a fresh profile, runs the request in
// the page and writes outputs/stdout exactly as harness.mjs does.
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { kernelRoutes, pageResult, readRequest, reply, runMain, serve, writeOutputs } from "./pagehost.mjs";

const FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync"];

async function main() {
  const request = readRequest("chromium.mjs");
  const require = createRequire(join(request.node_modules, "noop.js"));
  const { chromium } = require("playwright-core");
  const server = await serve(kernelRoutes(request));
  const profile = mkdtempSync(join(tmpdir(), "rustorch-chromium-"));
  let context;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: request.chromium, headless: true, args: FLAGS, timeout: 60000,
    });
    const page = context.pages()[0] || await context.newPage();
    await page.goto(`http://127.0.0.1:${server.address().port}/`);
    await page.waitForFunction(() => window.__ready === true, null, { timeout: 30000 });
    const out = pageResult(await page.evaluate(() => window.__runKernels()));
    writeOutputs(request.dir, out.results);
    const browser = context.browser();
    const m = /Chrome\/([\d.]+)/.exec(out.userAgent);
    const version = browser ? browser.version() : (m ? m[1] : out.userAgent);
    reply("chromium", `chromium ${version}`, out);
  } finally {
    if (context) await context.close();
    server.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

runMain(main);
