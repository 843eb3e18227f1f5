#!/usr/bin/env node
// tfjs_load.js DIR INPUTS.csv - loads a model kcc fit saved with TensorFlow.js
// (model.json and weights.bin, as a TF.js layers-model) and prints its
// predictions for the rows of INPUTS.csv (no header), one line each.
'use strict';
const fs = require('fs');
const path = require('path');
console.warn = () => {};
const tf = require(path.join(__dirname, '../../tools/tfjs/node_modules/@tensorflow/tfjs'));
(async () => {
  const dir = process.argv[2];
  const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
  const bin = fs.readFileSync(path.join(dir, json.weightsManifest[0].paths[0]));
  const model = await tf.loadLayersModel(tf.io.fromMemory({
    modelTopology: json.modelTopology,
    weightSpecs: json.weightsManifest.flatMap(g => g.weights),
    weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength),
    trainingConfig: json.trainingConfig,
  }));
  const rows = fs.readFileSync(process.argv[3], 'utf8').trim().split(/\r?\n/)
    .map(l => l.split(',').map(Number));
  const y = model.predict(tf.tensor(rows)).arraySync();
  for (const r of y) console.log(r.map(v => v.toPrecision(9)).join(','));
})().catch(e => { console.error(e.message); process.exit(1); });
