// WebKit engine host: run a kernel request in a WebKitGTK page (JavaScriptCore,
// Safari's engine) driven by WebKitWebDriver, the W3C WebDriver of WebKitGTK.
//
//   node webkit.mjs REQUEST.json
//
// REQUEST.json is the harness request plus "driver" (WebKitWebDriver),
// "browser" (MiniBrowser), "xvfb" (Xvfb) or "display" (an X display to use).
// WebKitGTK has no headless mode, so unless told otherwise this script starts
// a private Xvfb (display picked by Xvfb itself, -displayfd) and points the
// driver at it. The driver listens on 127.0.0.1; the page and its files are
// served by pagehost.mjs as for the other browsers. Classic WebDriver over
// HTTP (node's fetch): new session, navigate, execute/async, delete session.
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { kernelRoutes, pageResult, readRequest, reply, runMain, serve, writeOutputs } from "./pagehost.mjs";

const SCRIPT_TIMEOUT_MS = 600000;

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = s.address().port;
      s.close(() => resolve(port));
    });
  });
}

function startXvfb(xvfb) {
  const proc = spawn(xvfb, ["-displayfd", "3", "-screen", "0", "1024x768x24", "-nolisten", "tcp"],
    { stdio: ["ignore", "ignore", "ignore", "pipe"] });
  const display = new Promise((resolve, reject) => {
    let text = "";
    const timer = setTimeout(() => reject(new Error("Xvfb gave no display within 20 s")), 20000);
    proc.once("error", (e) => { clearTimeout(timer); reject(new Error(`Xvfb: ${e.message}`)); });
    proc.once("exit", (code) => { clearTimeout(timer); reject(new Error(`Xvfb exited with code ${code}`)); });
    proc.stdio[3].on("data", (d) => {
      text += d;
      if (text.includes("\n")) { clearTimeout(timer); resolve(`:${text.trim()}`); }
    });
  });
  return { proc, display };
}

async function webdriver(base, method, path, body) {
  const res = await fetch(base + path, { method, body: body === undefined ? undefined : JSON.stringify(body),
    headers: { "Content-Type": "application/json" } });
  const doc = await res.json();
  if (!res.ok) {
    const v = doc.value || {};
    throw new Error(`WebDriver ${method} ${path}: ${v.error || res.status}: ${String(v.message || "").split("\n")[0]}`);
  }
  return doc.value;
}

async function waitForDriver(base, driver) {
  for (let i = 0; i < 200; i++) {
    if (driver.exitCode !== null) throw new Error(`WebKitWebDriver exited with code ${driver.exitCode}`);
    try {
      if ((await fetch(base + "/status")).ok) return;
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("WebKitWebDriver did not answer within 20 s");
}

const RUN = "window.__runKernels().then(arguments[arguments.length - 1]);";

async function main() {
  const request = readRequest("webkit.mjs");
  const server = await serve(kernelRoutes(request));
  const children = [];
  let base = null;
  let session = null;
  try {
    let display = request.display || process.env.DISPLAY;
    if (request.xvfb && !request.display) {
      const x = startXvfb(request.xvfb);
      children.push(x.proc);
      display = await x.display;
    }
    const port = await freePort();
    // WebKit's bubblewrap sandbox cannot start as root in a container; the page is our own.
    const env = { ...process.env, DISPLAY: display, WEBKIT_DISABLE_SANDBOX_THIS_IS_DANGEROUS: "1" };
    const driver = spawn(request.driver, [`--port=${port}`, "--host=local"], { env, stdio: "ignore" });
    children.push(driver);
    base = `http://127.0.0.1:${port}`;
    await waitForDriver(base, driver);
    const caps = { "webkitgtk:browserOptions": { binary: request.browser, args: ["--automation"] },
      timeouts: { script: SCRIPT_TIMEOUT_MS, pageLoad: 60000 } };
    session = (await webdriver(base, "POST", "/session", { capabilities: { alwaysMatch: caps } })).sessionId;
    const s = `/session/${session}`;
    await webdriver(base, "POST", `${s}/url`, { url: `http://127.0.0.1:${server.address().port}/` });
    let ready = false;
    for (let i = 0; i < 300 && !ready; i++) {
      ready = await webdriver(base, "POST", `${s}/execute/sync`, { script: "return window.__ready === true;", args: [] });
      if (!ready) await new Promise((r) => setTimeout(r, 100));
    }
    if (!ready) throw new Error("the kernel page did not load within 30 s");
    const out = pageResult(await webdriver(base, "POST", `${s}/execute/async`, { script: RUN, args: [] }));
    writeOutputs(request.dir, out.results);
    const m = /AppleWebKit\/([\d.]+)/.exec(out.userAgent);
    reply("webkit", `WebKitGTK ${request.webkit_version || (m ? m[1] : "?")} (JavaScriptCore, MiniBrowser)`, out);
  } finally {
    if (session) await webdriver(base, "DELETE", `/session/${session}`).catch(() => {});
    for (const c of children.reverse()) c.kill();
    server.close();
  }
}

runMain(main);
