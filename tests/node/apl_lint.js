#!/usr/bin/env node
// Lints APL documents with Amazon's apl-suggester (StaticAplTemplateValidator).
// stdin:  a JSON object {name: document} of APL documents.
// stdout: a JSON object {name: [findings]}, each finding {path, errorMessage, level}.
// Exit code 0 whenever the check itself ran (the caller judges the findings); 2 on bad input.
'use strict';

const { StaticAplTemplateValidator } = require('apl-suggester');

const { readStdin } = require('./read_stdin');

async function main() {
  let documents;
  try {
    documents = JSON.parse(await readStdin());
  } catch (err) {
    process.stderr.write(`apl_lint: stdin is not JSON: ${err.message}\n`);
    process.exit(2);
  }
  if (documents === null || typeof documents !== 'object' || Array.isArray(documents)) {
    process.stderr.write('apl_lint: expected a JSON object of named documents\n');
    process.exit(2);
  }
  // The validator logs notes such as "No mixin for component" on the console; keep stdout
  // for the result alone.
  console.warn = () => {};
  console.log = () => {};
  const validator = new StaticAplTemplateValidator();
  const results = {};
  for (const [name, document] of Object.entries(documents)) {
    results[name] = (await validator.validate(document)) || [];
  }
  process.stdout.write(JSON.stringify(results));
}

main().catch((err) => {
  process.stderr.write(`apl_lint: ${err.stack || err}\n`);
  process.exit(1);
});
