#!/usr/bin/env node
// Resolves phrases against our interaction models with virtual-alexa's own matcher, one model
// per locale, so the models are loaded and read by a tool we did not write.
// stdin:  {"models": {"en-US": "/path/en-US.json", ...}, "phrases": ["hang on a second", ...]}
// stdout: {"en-US": [{"phrase": ..., "intent": "AMAZON.PauseIntent" or null, "slots": {...}}]}
// Exit code 0 when every model loaded (the caller judges the intents); 1 when one did not;
// 2 on bad input.
'use strict';

const { VirtualAlexa } = require('virtual-alexa');
const { Utterance } = require('virtual-core');

const { readStdin } = require('./read_stdin');

async function main() {
  let input;
  try {
    input = JSON.parse(await readStdin());
  } catch (err) {
    process.stderr.write(`resolve: stdin is not JSON: ${err.message}\n`);
    process.exit(2);
  }
  if (!input || typeof input.models !== 'object' || !Array.isArray(input.phrases)) {
    process.stderr.write('resolve: expected {"models": {...}, "phrases": [...]}\n');
    process.exit(2);
  }
  const out = {};
  for (const [locale, file] of Object.entries(input.models)) {
    let model;
    try {
      const alexa = VirtualAlexa.Builder()
        .interactionModelFile(file)
        .handler(() => ({ version: '1.0', response: {} }))
        .locale(locale)
        .create();
      model = alexa.context().interactionModel();
    } catch (err) {
      process.stderr.write(`resolve: ${locale}: the model did not load: ${err.message}\n`);
      process.exit(1);
    }
    out[locale] = input.phrases.map((phrase) => {
      const heard = new Utterance(model, phrase);
      return {
        phrase,
        intent: heard.matched() ? heard.intent() : null,
        slots: heard.matched() ? heard.toJSON() : {},
      };
    });
  }
  process.stdout.write(JSON.stringify(out));
}

main();
