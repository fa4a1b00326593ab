// Firefox engine host: run a kernel request in a headless Firefox ESR page
// (SpiderMonkey), driven over WebDriver BiDi by puppeteer-core.
//
//   node firefox.mjs REQUEST.json
//
// REQUEST.json is the harness request plus "firefox" (browser executable)
// and "node_modules" (directory holding puppeteer-core). The page, its files
// and the outputs go through pagehost.mjs as for Chromium. The profile is
// fresh and private; the prefs keep Firefox from reaching the network (no
// updates, telemetry, captive-portal or safe-browsing traffic).
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { kernelRoutes, pageResult, readRequest, reply, runMain, serve, writeOutputs } from "./pagehost.mjs";

const QUIET_PREFS = {
  "app.update.enabled": false,
  "app.normandy.enabled": false,
  "browser.safebrowsing.malware.enabled": false,
  "browser.safebrowsing.phishing.enabled": false,
  "datareporting.policy.dataSubmissionEnabled": false,
  "network.captive-portal-service.enabled": false,
  "network.connectivity-service.enabled": false,
  "toolkit.telemetry.enabled": false,
};

async function main() {
  const request = readRequest("firefox.mjs");
  const require = createRequire(join(request.node_modules, "noop.js"));
  const puppeteer = require("puppeteer-core");
  const server = await serve(kernelRoutes(request));
  const profile = mkdtempSync(join(tmpdir(), "rustorch-firefox-"));
  let browser;
  try {
    browser = await puppeteer.launch({
      browser: "firefox", protocol: "webDriverBiDi", executablePath: request.firefox,
      headless: true, userDataDir: profile, extraPrefsFirefox: QUIET_PREFS, timeout: 90000,
    });
    const page = (await browser.pages())[0] || await browser.newPage();
    page.setDefaultTimeout(600000);
    await page.goto(`http://127.0.0.1:${server.address().port}/`);
    await page.waitForFunction(() => window.__ready === true, { timeout: 30000 });
    const out = pageResult(await page.evaluate(() => window.__runKernels()));
    writeOutputs(request.dir, out.results);
    const m = /Firefox\/([\d.]+)/.exec(out.userAgent);
    reply("firefox", `firefox ${m ? m[1] : await browser.version()} (SpiderMonkey)`, out);
  } finally {
    if (browser) await browser.close();
    server.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

runMain(main);
