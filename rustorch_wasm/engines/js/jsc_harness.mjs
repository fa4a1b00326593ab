// JavaScriptCore shell host: run a kernel request (see core.mjs) in `jsc`,
// the engine of Safari/WebKit without a browser around it.
//
//   jsc -m jsc_harness.mjs -- REQUEST.json
//
// Same request and files as harness.mjs (node). The shell has no node APIs:
// files go through its readFile(path, "binary") / writeFile(path, buffer),
// the clock is preciseTime() (seconds, microsecond resolution), and the
// answer is one JSON line printed to stdout. On an error the script prints
// "error: ..." on stderr and exits non-zero.
import { runRequest } from "./core.mjs";

function safeName(name) {
  if (name.includes("/") || name.startsWith(".")) throw new Error(`bad file name ${JSON.stringify(name)}`);
  return name;
}

const ARGS = arguments; // the shell's argv after "--" (inside a function it would be the function's)

async function main() {
  const path = ARGS[0];
  if (!path) throw new Error("usage: jsc -m jsc_harness.mjs -- REQUEST.json");
  const request = JSON.parse(readFile(path));
  const inputs = {};
  for (const [name, file] of Object.entries(request.inputs || {})) {
    inputs[name] = readFile(`${request.dir}/${safeName(file)}`, "binary");
  }
  const wasm = readFile(request.wasm, "binary");
  const t0 = preciseTime();
  const out = await runRequest(wasm, request, inputs, () => (preciseTime() - t0) * 1e3);
  for (const result of out.results) {
    const files = {};
    for (const [name, bytes] of Object.entries(result.outputs)) {
      const file = safeName(`${result.id}.${name}.bin`);
      writeFile(`${request.dir}/${file}`, bytes.buffer);
      files[name] = file;
    }
    result.outputs = files;
  }
  print(JSON.stringify({ engine: "jsc", ...out })); // the Python side labels the version
}

try {
  await main();
} catch (err) {
  printErr(`error: ${String(err && err.message || err).split("\n")[0]}`);
  throw err; // an uncaught rejection is jsc's only non-zero exit (quit() ignores its code)
}
