// TensorFlow.js WASM backend (XNNPACK, SIMD, one thread) on the peer rows.
//
//   node tfjs_bench.mjs SPEC.json
//
// SPEC: { "warmup": 2, "repeat": 7, "min_sample_ms": 1,
//         "rows": [ {"id": "add_100", "op": "add", "n": 100},
//                   {"id": "mm_64", "op": "matmul", "m": 64, "k": 64, "n": 64},
//                   {"id": "relu_1k", "op": "relu", "n": 1000},       (also "sigmoid")
//                   {"id": "lin", "op": "linear", "batch": 32, "nin": 784, "nout": 128},
//                   {"id": "conv", "op": "conv2d", "h": 224, "w": 224, "cin": 3, "cout": 64, "k": 3} ] }
// (also "erf"). The ops, inputs and timing are in tfjs_rows.mjs, shared with
// the browser page. The .wasm binaries are loaded from node_modules
// (setWasmPaths), never fetched; the clock is performance.now().
// stdout: one JSON object {versions, simd, threads, rows: [{id, inner, times_ms, mean}]}.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { performance } from "node:perf_hooks";
import { runRows, useWasmBackend } from "./tfjs_rows.mjs";

const require = createRequire(import.meta.url);

async function main() {
  const path = process.argv[2];
  if (!path) throw new Error("usage: node tfjs_bench.mjs SPEC.json");
  const spec = JSON.parse(readFileSync(path, "utf8"));
  const tf = await import("@tensorflow/tfjs-core");
  const wasm = await import("@tensorflow/tfjs-backend-wasm");
  const dist = dirname(require.resolve("@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm"));
  const simd = await useWasmBackend(tf, wasm, dist + "/");
  const rows = runRows(tf, spec, () => performance.now());
  const versions = {
    "tfjs-core": tf.version_core,
    "tfjs-backend-wasm": wasm.version_wasm,
    node: process.version,
    v8: process.versions.v8,
  };
  process.stdout.write(JSON.stringify({ versions, simd, threads: wasm.getThreadsCount(), rows }) + "\n");
}

main().catch((err) => {
  process.stderr.write(`error: ${String(err && err.message || err).split("\n")[0]}\n`);
  process.exit(2);
});
