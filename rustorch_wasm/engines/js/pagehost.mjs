// What every browser host (chromium.mjs, firefox.mjs, webkit.mjs) shares:
// reading the request, serving the page and its files from 127.0.0.1, and
// writing the page's base64 outputs back as files beside the inputs.
//
// The server binds 127.0.0.1 on a free port and sends COOP/COEP headers so
// the page is cross-origin isolated (a finer performance.now() where the
// browser coarsens it otherwise). Only the listed routes exist; anything else
// is a 404.
import { createServer } from "node:http";
import { readFileSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const HERE = dirname(fileURLToPath(import.meta.url));

export function safeName(name) {
  if (basename(name) !== name || name.startsWith(".")) throw new Error(`bad file name ${JSON.stringify(name)}`);
  return name;
}

export function readRequest(script) {
  const path = process.argv[2];
  if (!path) throw new Error(`usage: node ${script} REQUEST.json`);
  return JSON.parse(readFileSync(path, "utf8"));
}

function fileRoute(path, type) {
  return { type, body: () => readFileSync(path) };
}

// The TF.js page instead: request.tfjs = {spec, js_dir} (js_dir holds
// tfjs_rows.mjs and node_modules/@tensorflow).
function tfjsRoutes(request) {
  const { spec, js_dir: js } = request.tfjs;
  const tf = join(js, "node_modules", "@tensorflow");
  const wasmDist = join(tf, "tfjs-backend-wasm", "dist");
  const routes = {
    "/": fileRoute(join(HERE, "tfjs.html"), "text/html; charset=utf-8"),
    "/tfjs_rows.mjs": fileRoute(join(js, "tfjs_rows.mjs"), "text/javascript; charset=utf-8"),
    "/tfjs/tf-core.min.js": fileRoute(join(tf, "tfjs-core", "dist", "tf-core.min.js"), "text/javascript"),
    "/tfjs/tf-backend-wasm.min.js": fileRoute(join(wasmDist, "tf-backend-wasm.min.js"), "text/javascript"),
    "/request.json": { type: "application/json", body: () => JSON.stringify({ tfjs: spec }) },
  };
  for (const f of ["tfjs-backend-wasm.wasm", "tfjs-backend-wasm-simd.wasm", "tfjs-backend-wasm-threaded-simd.wasm"]) {
    routes[`/tfjs/${f}`] = fileRoute(join(wasmDist, f), "application/wasm");
  }
  return routes;
}

// The page, core.mjs, the wasm, the request (calls, inputs, SIMD probe) and every input file;
// the TF.js page when the request has "tfjs".
export function kernelRoutes(request) {
  if (request.tfjs) return tfjsRoutes(request);
  const page = { calls: request.calls, inputs: request.inputs, simd_probe: request.simd_probe };
  const routes = {
    "/": fileRoute(join(HERE, "page.html"), "text/html; charset=utf-8"),
    "/core.mjs": fileRoute(join(HERE, "core.mjs"), "text/javascript; charset=utf-8"),
    "/kernels.wasm": fileRoute(request.wasm, "application/wasm"),
    "/request.json": { type: "application/json", body: () => JSON.stringify(page) },
  };
  for (const [name, f] of Object.entries(request.inputs || {})) {
    routes[`/data/${name}`] = fileRoute(join(request.dir, safeName(f)), "application/octet-stream");
  }
  return routes;
}

export function serve(routes) {
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

// The page's answer, or its error thrown here as one line.
export function pageResult(out) {
  if (out && out.error) throw new Error(out.error);
  return out;
}

// Decode each result's base64 outputs into "<id>.<name>.bin" files in dir; results then name the files.
export function writeOutputs(dir, results) {
  for (const result of results) {
    const files = {};
    for (const [name, b64] of Object.entries(result.outputs)) {
      const f = safeName(`${result.id}.${name}.bin`);
      writeFileSync(join(dir, f), Buffer.from(b64, "base64"));
      files[name] = f;
    }
    result.outputs = files;
  }
  return results;
}

export function reply(engine, version, out) {
  process.stdout.write(JSON.stringify({ engine, version, simd: out.simd,
    crossOriginIsolated: out.crossOriginIsolated, exports: out.exports, results: out.results,
    versions: out.versions, threads: out.threads }) + "\n");
}

export function runMain(main) {
  main().catch((err) => {
    process.stderr.write(`error: ${String(err && err.message || err).split("\n")[0]}\n`);
    process.exit(2);
  });
}
