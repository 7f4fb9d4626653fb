#!/usr/bin/env node
// End-to-end dialog: virtual-alexa resolves spoken phrases against interaction_models/LOCALE.json
// (the model we ship) and POSTs real Alexa envelopes to a running `knee-coach serve --dev`.
// Usage: node tests/node/e2e.js PORT [LOCALE]   (LOCALE: en-US by default, de-DE, es-ES ...)
// stdout: a JSON array, one entry per turn:
//   {utterance, intent, slots, ssml, reprompt, shouldEndSession}
//   (`utterance` is null for the launch; `intent` is what virtual-alexa resolved the phrase to).
// Exit code 0 when every turn got HTTP 200 with a JSON response; 1 on any HTTP or transport
// error (the transcript so far is still printed, the error goes to stderr); 2 on bad usage.
'use strict';

const path = require('path');
const { VirtualAlexa } = require('virtual-alexa');

const LOCALE = process.argv[3] || 'en-US';
const MODEL = path.join(__dirname, '..', '..', 'interaction_models', `${LOCALE}.json`);

// Launch, the five safety questions, the side, then technique 1 to its last step and on into
// technique 2, with a pause/resume and a progress question in the middle. Every phrase is a
// sample (or a sample with a slot value) from the model, so this is what people can really say.
// The same conversation in each language (one script per language; es-MX, es-US as es-ES).
const SCRIPTS = {};
SCRIPTS['en-US'] = [
  'no', // osteoporosis
  "no i don't", // varicose veins
  'no', // high blood pressure
  "i haven't", // warning signs
  'no', // the rest of the warning signs
  'my right knee', // ChooseSideIntent, side=right
  'next', // technique 1, step 4
  'next', // technique 2: Thigh Tapping
  'pause',
  'resume',
  'how much is left',
  'next step',
];
SCRIPTS['de-DE'] = [
  'nein', 'nein das habe ich nicht', 'nein', 'habe ich nicht', 'nein',
  'mein rechtes knie', 'weiter', 'weiter', 'pause', 'fortsetzen', 'wie viel fehlt noch',
  'nächster schritt',
];
SCRIPTS['es-ES'] = [
  'no', 'no lo tengo', 'no', 'no tengo', 'no',
  'mi rodilla derecha', 'siguiente', 'siguiente', 'pausa', 'continuar', 'cuánto falta',
  'siguiente paso',
];
SCRIPTS['es-MX'] = SCRIPTS['es-ES'];
SCRIPTS['es-US'] = SCRIPTS['es-ES'];
const SCRIPT = SCRIPTS[LOCALE];

function speechOf(part) {
  if (!part || !part.outputSpeech) return null;
  return part.outputSpeech.ssml || part.outputSpeech.text || null;
}

function slotValues(intent) {
  const out = {};
  for (const [name, slot] of Object.entries((intent && intent.slots) || {})) {
    if (slot && slot.value !== undefined) out[name] = slot.value;
  }
  return out;
}

async function main() {
  const port = Number(process.argv[2]);
  if (!Number.isInteger(port) || port <= 0 || port > 65535 || !SCRIPT) {
    process.stderr.write('usage: node e2e.js PORT [LOCALE]\n');
    process.exit(2);
  }
  const alexa = VirtualAlexa.Builder()
    .interactionModelFile(MODEL)
    .skillURL(`http://127.0.0.1:${port}/`)
    .locale(LOCALE)
    .create();

  // The filter sees each request just before it is sent: the only place to learn which intent
  // virtual-alexa's own NLU picked for a phrase.
  let sent = null;
  alexa.filter((request) => { sent = request.request; });

  const transcript = [];
  const turn = async (utterance, call) => {
    sent = null;
    const payload = await call();
    const response = (payload && payload.response) || {};
    const intent = sent && sent.intent;
    transcript.push({
      utterance,
      intent: intent ? intent.name : sent && sent.type,
      slots: slotValues(intent),
      ssml: speechOf(response),
      reprompt: speechOf(response.reprompt),
      shouldEndSession: response.shouldEndSession === undefined ? null : response.shouldEndSession,
    });
  };

  try {
    await turn(null, () => alexa.launch());
    for (const utterance of SCRIPT) {
      await turn(utterance, () => alexa.utter(utterance));
    }
  } catch (err) {
    process.stdout.write(JSON.stringify(transcript, null, 2) + '\n');
    process.stderr.write(`e2e: turn ${transcript.length} failed: ${err && err.message ? err.message : err}\n`);
    process.exit(1);
  }
  process.stdout.write(JSON.stringify(transcript, null, 2) + '\n');
}

main();
