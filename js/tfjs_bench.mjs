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
// Linear is tf.fused.matMul(x[batch,nin], W[nin,nout], bias); Conv2d is
// tf.fused.conv2d(x[1,h,w,cin] NHWC, filter[k,k,cin,cout], stride 1, 'same', bias).
// The .wasm binaries are loaded from node_modules (setWasmPaths), never fetched.
// The wasm backend runs each op synchronously, so timing op() + dispose()
// with performance.now() measures the computation. A sample times `inner`
// calls (doubled until a batch lasts min_sample_ms) and records ms per call.
// stdout: one JSON object {versions, simd, threads, rows: [{id, inner, times_ms, mean}]}.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { performance } from "node:perf_hooks";

const require = createRequire(import.meta.url);

function inputs(tf, row) {
  const u = (shape) => tf.randomUniform(shape, -1, 1, "float32", 42);
  switch (row.op) {
    case "add": return { a: u([row.n]), b: u([row.n]) };
    case "relu": case "sigmoid": return { a: u([row.n]) };
    case "matmul": return { a: u([row.m, row.k]), b: u([row.k, row.n]) };
    case "linear": return { a: u([row.batch, row.nin]), b: u([row.nin, row.nout]), bias: u([row.nout]) };
    case "conv2d": return { a: u([1, row.h, row.w, row.cin]), b: u([row.k, row.k, row.cin, row.cout]), bias: u([row.cout]) };
    default: throw new Error(`unknown op ${JSON.stringify(row.op)}`);
  }
}

function opFn(tf, row, t) {
  switch (row.op) {
    case "add": return () => tf.add(t.a, t.b);
    case "relu": return () => tf.relu(t.a);
    case "sigmoid": return () => tf.sigmoid(t.a);
    case "matmul": return () => tf.matMul(t.a, t.b);
    case "linear": return () => tf.fused.matMul({ a: t.a, b: t.b, bias: t.bias });
    case "conv2d": return () => tf.fused.conv2d({ x: t.a, filter: t.b, strides: 1, pad: "same", bias: t.bias });
  }
}

function batchMs(fn, inner) {
  const t0 = performance.now();
  for (let i = 0; i < inner; i++) fn().dispose();
  return performance.now() - t0;
}

async function main() {
  const path = process.argv[2];
  if (!path) throw new Error("usage: node tfjs_bench.mjs SPEC.json");
  const spec = JSON.parse(readFileSync(path, "utf8"));
  const tf = await import("@tensorflow/tfjs-core");
  const wasm = await import("@tensorflow/tfjs-backend-wasm");
  const dist = dirname(require.resolve("@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm"));
  wasm.setWasmPaths(dist + "/");
  wasm.setThreadsCount(1);
  tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
  if (!(await tf.setBackend("wasm"))) throw new Error("the TF.js wasm backend did not initialise");
  await tf.ready();
  const simd = await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT");
  const rows = [];
  for (const row of spec.rows) {
    const t = inputs(tf, row);
    const fn = opFn(tf, row, t);
    for (let i = 0; i < (spec.warmup ?? 2); i++) fn().dispose();
    let inner = 1;
    while (inner < (1 << 24) && batchMs(fn, inner) < (spec.min_sample_ms ?? 1)) inner *= 2;
    const times = [];
    for (let r = 0; r < (spec.repeat ?? 7); r++) times.push(batchMs(fn, inner) / inner);
    const out = fn();
    const m = tf.mean(out);
    const mean = m.dataSync()[0];
    m.dispose();
    out.dispose();
    for (const x of Object.values(t)) x.dispose();
    rows.push({ id: row.id, inner, times_ms: times, mean });
  }
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
