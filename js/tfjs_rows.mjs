// The TF.js-wasm peer rows, shared by node (tfjs_bench.mjs) and the browser
// page (rustorch_wasm/engines/js/tfjs.html): no node or DOM API in here, the
// host passes `tf`, the wasm backend module, where its .wasm files are and
// its clock.
//
// Linear is tf.fused.matMul(x[batch,nin], W[nin,nout], bias); Conv2d is
// tf.fused.conv2d(x[1,h,w,cin] NHWC, filter[k,k,cin,cout], stride 1, 'same', bias).
// The wasm backend runs each op synchronously, so timing op() + dispose()
// measures the computation. A sample times `inner` calls (doubled until a
// batch lasts min_sample_ms) and records ms per call.

function inputs(tf, row) {
  const u = (shape) => tf.randomUniform(shape, -1, 1, "float32", 42);
  switch (row.op) {
    case "add": return { a: u([row.n]), b: u([row.n]) };
    case "relu": case "sigmoid": case "erf": return { a: u([row.n]) };
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
    case "erf": return () => tf.erf(t.a);
    case "matmul": return () => tf.matMul(t.a, t.b);
    case "linear": return () => tf.fused.matMul({ a: t.a, b: t.b, bias: t.bias });
    case "conv2d": return () => tf.fused.conv2d({ x: t.a, filter: t.b, strides: 1, pad: "same", bias: t.bias });
  }
}

// Switch TF.js to its wasm backend, one thread; resolves to whether it runs SIMD.
export async function useWasmBackend(tf, wasm, wasmDir) {
  wasm.setWasmPaths(wasmDir);
  wasm.setThreadsCount(1);
  tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
  if (!(await tf.setBackend("wasm"))) throw new Error("the TF.js wasm backend did not initialise");
  await tf.ready();
  return await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT");
}

// [{id, inner, times_ms, mean}] for spec.rows, in order.
export function runRows(tf, spec, now) {
  const batchMs = (fn, inner) => {
    const t0 = now();
    for (let i = 0; i < inner; i++) fn().dispose();
    return now() - t0;
  };
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
  return rows;
}
