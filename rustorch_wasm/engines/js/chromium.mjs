// Chromium engine host: run a kernel request (see core.mjs, harness.mjs) in a
// real headless Chromium page.
//
//   node chromium.mjs REQUEST.json
//
// REQUEST.json is the harness request plus "chromium" (browser executable)
// and "node_modules" (directory holding playwright-core). This script serves
// page.html, core.mjs, the wasm and the inputs from an HTTP server bound to
// 127.0.0.1 on a free port, with COOP/COEP headers so the page is
// cross-origin isolated (performance.now() then has ~5 us resolution instead
// of 100 us), launches the browser with a fresh profile, runs the request in
// the page and writes outputs/stdout exactly as harness.mjs does.
import { createServer } from "node:http";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));
const FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync"];

function safeName(name) {
  if (basename(name) !== name || name.startsWith(".")) throw new Error(`bad file name ${JSON.stringify(name)}`);
  return name;
}

function serve(routes) {
  const server = createServer((req, res) => {
    const path = new URL(req.url, "http://127.0.0.1").pathname;
    const route = routes[path];
    if (!route || req.method !== "GET") {
      res.writeHead(404, { "Content-Type": "text/plain" });
      res.end("not found");
      return;
    }
    res.writeHead(200, {
      "Content-Type": route.type,
      "Cross-Origin-Opener-Policy": "same-origin",
      "Cross-Origin-Embedder-Policy": "require-corp",
      "Cache-Control": "no-store",
    });
    res.end(route.body());
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve(server));
  });
}

async function main() {
  const path = process.argv[2];
  if (!path) throw new Error("usage: node chromium.mjs REQUEST.json");
  const request = JSON.parse(readFileSync(path, "utf8"));
  const require = createRequire(join(request.node_modules, "noop.js"));
  const { chromium } = require("playwright-core");
  const file = (p, type) => ({ type, body: () => readFileSync(p) });
  const routes = {
    "/": file(join(HERE, "page.html"), "text/html; charset=utf-8"),
    "/core.mjs": file(join(HERE, "core.mjs"), "text/javascript; charset=utf-8"),
    "/kernels.wasm": file(request.wasm, "application/wasm"),
    "/request.json": { type: "application/json", body: () => JSON.stringify({ calls: request.calls, inputs: request.inputs }) },
  };
  for (const [name, f] of Object.entries(request.inputs || {})) {
    routes[`/data/${name}`] = file(join(request.dir, safeName(f)), "application/octet-stream");
  }
  const server = await serve(routes);
  const profile = mkdtempSync(join(tmpdir(), "rustorch-chromium-"));
  let context;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: request.chromium, headless: true, args: FLAGS, timeout: 60000,
    });
    const page = context.pages()[0] || await context.newPage();
    await page.goto(`http://127.0.0.1:${server.address().port}/`);
    await page.waitForFunction(() => window.__ready === true, null, { timeout: 30000 });
    const out = await page.evaluate(() => window.__runKernels());
    const browser = context.browser();
    for (const result of out.results) {
      const files = {};
      for (const [name, b64] of Object.entries(result.outputs)) {
        const f = safeName(`${result.id}.${name}.bin`);
        writeFileSync(join(request.dir, f), Buffer.from(b64, "base64"));
        files[name] = f;
      }
      result.outputs = files;
    }
    const m = /Chrome\/([\d.]+)/.exec(out.userAgent);
    const version = browser ? browser.version() : (m ? m[1] : out.userAgent);
    process.stdout.write(JSON.stringify({ engine: "chromium", version: `chromium ${version}`,
      crossOriginIsolated: out.crossOriginIsolated, exports: out.exports, results: out.results }) + "\n");
  } finally {
    if (context) await context.close();
    server.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`error: ${String(err && err.message || err).split("\n")[0]}\n`);
  process.exit(2);
});
