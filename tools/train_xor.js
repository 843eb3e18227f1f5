#!/usr/bin/env node
// train_xor.js - trains the tutorial's XOR model with TensorFlow.js and
// saves it as a TF.js layers-model in models/xor_trained/: the bundled
// example of a trained model for the Quick start.
//
//   (cd tools/tfjs && npm ci) && node tools/train_xor.js
'use strict';
const fs = require('fs');
const path = require('path');
console.warn = () => {};
const tf = require(path.join(__dirname, 'tfjs/node_modules/@tensorflow/tfjs'));

(async () => {
  const x = tf.tensor([[0, 0], [0, 1], [1, 0], [1, 1]]);
  const y = tf.tensor([[0], [1], [1], [0]]);
  // A seed whose ReLU units all survive: the first, from 1 up, that
  // reaches 100% accuracy with a low loss.
  let model;
  for (let seed = 1; ; seed++) {
    const init = k => tf.initializers.glorotUniform({seed: seed * 10 + k});
    model = tf.sequential({name: 'xor'});
    model.add(tf.layers.dense({name: 'dense', units: 8, activation: 'relu', inputShape: [2],
                               kernelInitializer: init(1)}));
    model.add(tf.layers.dense({name: 'dense_1', units: 4, activation: 'relu', kernelInitializer: init(2)}));
    model.add(tf.layers.dense({name: 'dense_2', units: 1, activation: 'sigmoid', kernelInitializer: init(3)}));
    model.compile({optimizer: tf.train.adam(0.02), loss: 'binaryCrossentropy', metrics: ['accuracy']});
    const h = await model.fit(x, y, {epochs: 500, batchSize: 4, shuffle: false, verbose: 0});
    const p = model.predict(x).dataSync();
    const loss = h.history.loss.at(-1);
    console.log(`seed ${seed}: loss ${loss.toFixed(4)}, outputs ${Array.from(p, v => v.toFixed(3))}`);
    if (loss < 0.05 && p[0] < 0.5 && p[1] > 0.5 && p[2] > 0.5 && p[3] < 0.5) break;
    if (seed == 50) throw new Error('XOR did not train');
  }

  const dir = path.join(__dirname, '../models/xor_trained');
  await model.save(tf.io.withSaveHandler(async a => {
    const data = Array.isArray(a.weightData) ? tf.io.concatenateArrayBuffers(a.weightData) : a.weightData;
    fs.mkdirSync(dir, {recursive: true});
    fs.writeFileSync(path.join(dir, 'weights.bin'), Buffer.from(data));
    fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify({
      format: 'layers-model', generatedBy: `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
      convertedBy: null, modelTopology: a.modelTopology,
      weightsManifest: [{paths: ['./weights.bin'], weights: a.weightSpecs}]}) + '\n');
    return {modelArtifactsInfo: {dateSaved: new Date(), modelTopologyType: 'JSON'}};
  }));
  console.log(`saved ${dir}`);
})().catch(e => { console.error(e); process.exit(1); });
