// V8 engine host: run a kernel request (see core.mjs) in node.
//
//   node harness.mjs REQUEST.json
//
// REQUEST.json adds to the core request:
//   "wasm":   path of _kernels.wasm
//   "dir":    directory holding the input files and receiving the outputs
//   "inputs": { name: file name inside dir (raw little-endian bytes) }
// Outputs are written to dir as "<call id>.<output name>.bin"; stdout gets
// one JSON object: { engine, version, exports, results: [{id, export, inner,
// times_ms, outputs: {name: file}}] }. Errors: one line "error: ..." on
// stderr and exit code 2.
import { readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { performance } from "node:perf_hooks";
import { runRequest } from "./core.mjs";

function safeName(name) {
  if (basename(name) !== name || name.startsWith(".")) throw new Error(`bad file name ${JSON.stringify(name)}`);
  return name;
}

async function main() {
  const path = process.argv[2];
  if (!path) throw new Error("usage: node harness.mjs REQUEST.json");
  const request = JSON.parse(readFileSync(path, "utf8"));
  const inputs = {};
  for (const [name, file] of Object.entries(request.inputs || {})) {
    inputs[name] = new Uint8Array(readFileSync(join(request.dir, safeName(file))));
  }
  const wasm = readFileSync(request.wasm);
  const out = await runRequest(wasm, request, inputs, () => performance.now());
  for (const result of out.results) {
    const files = {};
    for (const [name, bytes] of Object.entries(result.outputs)) {
      const file = safeName(`${result.id}.${name}.bin`);
      writeFileSync(join(request.dir, file), bytes);
      files[name] = file;
    }
    result.outputs = files;
  }
  process.stdout.write(JSON.stringify({ engine: "v8",
    version: `V8 ${process.versions.v8} (node ${process.version})`, ...out }) + "\n");
}

main().catch((err) => {
  process.stderr.write(`error: ${String(err && err.message || err).split("\n")[0]}\n`);
  process.exit(2);
});
