// Run kernel calls on an instance of _kernels.wasm and time them.
//
// Shared by the node harness (harness.mjs) and the Chromium page (page.html),
// so both engines execute exactly the same JavaScript around the same wasm.
//
// A request is plain JSON:
//   { "calls": [ { "id": "add", "export": "ew_add",
//                  "args": [ {"in": "a"}, {"in": "b"},
//                            {"out": "c", "dtype": "f32", "count": 100},
//                            {"i32": 100} ],
//                  "warmup": 1, "repeat": 5, "inner": 1, "min_sample_ms": 0,
//                  "return_outputs": true } ] }
// Inputs are raw little-endian bytes, supplied by the host through
// `inputs[name]` (Uint8Array). Each input named by a call is copied into a
// fresh block from the module's own allocator (rt_alloc) before timing.
//
// Timing: every sample times `inner` back-to-back calls with performance.now()
// and records (t1 - t0) / inner in milliseconds. With min_sample_ms > 0, inner
// is doubled (before the samples) until one batch lasts at least that long, so
// a coarse clock (Chromium without cross-origin isolation rounds to 100 us)
// still measures microsecond kernels.

const DTYPE_BYTES = { f32: 4, f64: 8, i32: 4, u8: 1 };

function fail(message) {
  throw new Error(message);
}

function allocate(exports, nbytes, what) {
  const ptr = exports.rt_alloc(Math.max(nbytes, 1)) >>> 0;
  if (ptr === 0) fail(`${what}: wasm heap exhausted allocating ${nbytes} bytes`);
  return ptr;
}

function bytesOf(exports, ptr, nbytes) {
  return new Uint8Array(exports.memory.buffer, ptr, nbytes);
}

function prepareArgs(exports, call, inputs) {
  const values = [];
  const outs = [];
  const blocks = [];
  for (const arg of call.args) {
    if ("in" in arg) {
      const data = inputs[arg.in];
      if (!data) fail(`${call.id}: no input named ${JSON.stringify(arg.in)}`);
      const ptr = allocate(exports, data.byteLength, call.id);
      bytesOf(exports, ptr, data.byteLength).set(data);
      blocks.push(ptr);
      values.push(ptr);
    } else if ("out" in arg) {
      const size = DTYPE_BYTES[arg.dtype || "f32"];
      if (!size) fail(`${call.id}: unknown dtype ${arg.dtype}`);
      const nbytes = arg.count * size;
      const ptr = allocate(exports, nbytes, call.id);
      bytesOf(exports, ptr, nbytes).fill(0);
      blocks.push(ptr);
      outs.push({ name: arg.out, ptr, nbytes });
      values.push(ptr);
    } else if ("i32" in arg) {
      values.push(arg.i32 | 0);
    } else if ("f32" in arg) {
      values.push(Math.fround(arg.f32));
    } else if ("f64" in arg) {
      values.push(+arg.f64);
    } else {
      fail(`${call.id}: argument ${JSON.stringify(arg)} is none of in/out/i32/f32/f64`);
    }
  }
  return { values, outs, blocks };
}

function timeBatch(fn, values, inner, now) {
  const t0 = now();
  for (let i = 0; i < inner; i++) fn(...values);
  return now() - t0;
}

// Copy a whole linear-memory image over the module's memory, growing it to fit.
function installImage(exports, image, what) {
  if (!image) fail(`${what}: no memory image input`);
  const short = image.byteLength - exports.memory.buffer.byteLength;
  if (short > 0) exports.memory.grow(Math.ceil(short / 65536));
  new Uint8Array(exports.memory.buffer).set(image);
}

export function runCall(exports, call, inputs, now) {
  const fn = exports[call.export];
  if (typeof fn !== "function") fail(`kernel module has no export ${JSON.stringify(call.export)}`);
  if (call.memory) installImage(exports, inputs[call.memory], call.id);
  const { values, outs, blocks } = prepareArgs(exports, call, inputs);
  const warmup = call.warmup ?? 1;
  const repeat = call.repeat ?? 5;
  let inner = Math.max(1, call.inner ?? 1);
  for (let i = 0; i < warmup; i++) fn(...values);
  const minMs = call.min_sample_ms ?? 0;
  while (minMs > 0 && inner < (1 << 24) && timeBatch(fn, values, inner, now) < minMs) inner *= 2;
  const times = [];
  for (let r = 0; r < repeat; r++) times.push(timeBatch(fn, values, inner, now) / inner);
  const ret = call.return_value ? fn(...values) : undefined; // one more call, for its result
  const outputs = {};
  if (call.return_outputs ?? true) {
    for (const o of outs) outputs[o.name] = bytesOf(exports, o.ptr, o.nbytes).slice();
  }
  for (const ptr of blocks) exports.rt_free(ptr);
  const value = typeof ret === "bigint" ? Number(ret) : ret;
  return { id: call.id, export: call.export, inner, times_ms: times, outputs, value: value ?? null };
}

export async function instantiate(wasmBytes) {
  const { instance } = await WebAssembly.instantiate(wasmBytes, {});
  const exports = instance.exports;
  if (!(exports.memory instanceof WebAssembly.Memory)) fail("kernel module exports no memory");
  if (typeof exports.rt_alloc !== "function") fail("kernel module exports no rt_alloc");
  return exports;
}

export function exportNames(exports) {
  return Object.keys(exports).filter((k) => typeof exports[k] === "function").sort();
}

// The SIMD128 feature probe: does this engine validate the tiny module the
// host sends as request.simd_probe (bytes of a module that uses a v128 op)?
// null when no probe was sent.
export function simdSupported(probe, validate = (b) => WebAssembly.validate(b)) {
  if (!probe) return null;
  return validate(new Uint8Array(probe)) === true;
}

// A request with no calls only probes. With calls, a failed probe is an error
// that says so (the kernels are built with +simd128 and would not compile).
export async function runRequest(wasmBytes, request, inputs, now) {
  const simd = simdSupported(request.simd_probe);
  if (!(request.calls || []).length) return { simd, exports: [], results: [] };
  if (simd === false) fail("wasm SIMD128 is off in this engine (the SIMD probe module does not validate)");
  const exports = await instantiate(wasmBytes);
  const results = [];
  for (const call of request.calls || []) results.push(runCall(exports, call, inputs, now));
  return { simd, exports: exportNames(exports), results };
}
