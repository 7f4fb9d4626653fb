#!/usr/bin/env node
// Validates SSML strings against Alexa's rules with ssml-check-core.
// stdin:  a JSON array of SSML strings.
// stdout: a JSON array, one entry per input, in order: [] when clean, else the error objects.
// Exit code 0 whenever the check itself ran (the caller judges the errors); 2 on bad input.
'use strict';

const ssmlCheck = require('ssml-check-core');

const { readStdin } = require('./read_stdin');

async function main() {
  let inputs;
  try {
    inputs = JSON.parse(await readStdin());
  } catch (err) {
    process.stderr.write(`ssml_check: stdin is not JSON: ${err.message}\n`);
    process.exit(2);
  }
  if (!Array.isArray(inputs) || !inputs.every((s) => typeof s === 'string')) {
    process.stderr.write('ssml_check: expected a JSON array of strings\n');
    process.exit(2);
  }
  const results = [];
  for (const ssml of inputs) {
    const errors = await ssmlCheck.check(ssml, { platform: 'amazon', locale: 'en-US' });
    results.push(errors || []);
  }
  process.stdout.write(JSON.stringify(results));
}

main().catch((err) => {
  process.stderr.write(`ssml_check: ${err.stack || err}\n`);
  process.exit(1);
});
