#!/usr/bin/env node
// gen.js - writes the reference cases of kcc's numeric tests.
//
//   (cd tools/tfjs && npm ci) && node tests/numeric/gen.js
//
// For every case: a model built and run with TensorFlow.js 4.22 (the
// official Keras port) on seeded random weights and inputs, saved as
//   cases/<name>/model.json + weights.bin   the TF.js layers-model format
//   cases/<name>/keras2.json                 the same model as tf.keras 2.x
//                                            model.to_json() writes it
//   cases/<name>/keras3.json                 ... and as Keras 3 writes it
//   cases/<name>/io.txt                      inputs and expected outputs
// and cases.cmake, the list CMake turns into tests.  For every case whose
// model trains deterministically (no dropout or noise, no hand patch),
// io.txt also records one training step: TF.js's weights after one SGD
// step (learning rate 0.1) on mean squared error against random targets
// (lines step_t and step_w): the backward pass of every layer, checked by
// tests/train/step.c.
//
// More cases come from cases_*.js beside this file: each exports
// function (add, L, helpers) that adds its family's cases.
//
//   node tests/numeric/gen.js            every case, from scratch
//   node tests/numeric/gen.js conv pool  only the cases of cases_conv.js
//                                        and cases_pool.js ("base": this
//                                        file's); the others stay
//
// Where TF.js deviates from Keras (../shared/KERAS-NOTES.md: ReLU's
// negative_slope and threshold, ELU's alpha, Softmax's default axis, the
// exponential activation, Keras 3's hard_sigmoid), the case builds the
// model without the missing piece, patches the JSON to the Keras layer and
// computes the expected output by hand from Keras's formula.  Each such
// case says so in its note.
'use strict';
const fs = require('fs');
const path = require('path');

const {tf, rng, seedOf} = require('../tfjs.js');
const L = tf.layers;

const OUT = path.join(__dirname, 'cases');

function seq(layers) {
  const m = tf.sequential();
  for (const l of layers) m.add(l);
  return m;
}

// Random weights scaled so that activations stay in a useful range.
function randomize(model, rand) {
  for (const layer of model.layers) {
    const ws = layer.getWeights();
    if (!ws.length) continue;
    layer.setWeights(ws.map((w, i) => {
      const n = w.size;
      const fanIn = w.shape.length >= 2 ? w.shape[0] : 1;
      const scale = w.shape.length >= 2 ? 1.5 / Math.sqrt(fanIn) : 0.5;
      const v = new Float32Array(n);
      for (let k = 0; k < n; k++) v[k] = (rand() * 2 - 1) * scale;
      if (layer.getClassName() === 'PReLU') for (let k = 0; k < n; k++) v[k] = rand() * 1.2 - 0.4;
      return tf.tensor(v, w.shape);
    }));
  }
}

// ---- Keras 2 and Keras 3 spellings of TF.js's JSON ------------------------
const vsNames = [
  [1, 'fan_avg', 'uniform', 'GlorotUniform'], [1, 'fan_avg', 'normal', 'GlorotNormal'],
  [2, 'fan_in', 'uniform', 'HeUniform'], [2, 'fan_in', 'normal', 'HeNormal'],
  [1, 'fan_in', 'uniform', 'LecunUniform'], [1, 'fan_in', 'normal', 'LecunNormal'],
];
function kerasInit(init, k3) {
  if (!init || typeof init !== 'object') return init;
  let out = {class_name: init.class_name, config: {...init.config}};
  if (init.class_name === 'VarianceScaling') {
    const c = init.config;
    const hit = vsNames.find(([s, m, d]) => s === c.scale && m === c.mode && d === c.distribution);
    if (hit) out = {class_name: hit[3], config: {seed: null}};
  }
  if (k3) out = {module: 'keras.initializers', class_name: out.class_name, config: out.config,
                 registered_name: null};
  return out;
}
const initKeys = ['kernel_initializer', 'bias_initializer', 'alpha_initializer'];

// Per layer class, what Keras 2 and 3 write differently from TF.js:
// kerasLayer[class_name](config, major) edits a layer's config in place.
// The families of cases_*.js add theirs.
const kerasLayer = {};

function toKeras2(topo) {
  const t = JSON.parse(JSON.stringify(topo));
  t.keras_version = '2.13.1';
  t.backend = 'tensorflow';
  for (const l of t.config.layers) {
    const c = l.config;
    if (kerasLayer[l.class_name]) kerasLayer[l.class_name](c, 2);
    for (const k of initKeys) if (k in c) c[k] = kerasInit(c[k], false);
    if (l.class_name !== 'InputLayer') c.dtype = 'float32';
    else c.ragged = false;
    if (l.class_name === 'Reshape') c.target_shape = c.target_shape.map(d => (d === null ? -1 : d));
  }
  return t;
}

function toKeras3(topo) {
  const t = JSON.parse(JSON.stringify(topo));
  const policy = {module: 'keras', class_name: 'DTypePolicy', config: {name: 'float32'},
                  registered_name: null};
  const layers = [];
  let shape = null;
  t.config.layers.forEach((l, i) => {
    const c = {...l.config};
    if (i === 0 && l.class_name !== 'InputLayer') {
      layers.push({module: 'keras.layers', class_name: 'InputLayer',
                   config: {batch_shape: c.batch_input_shape, dtype: 'float32', sparse: false,
                            name: 'input_layer'},
                   registered_name: null});
    }
    if (l.class_name === 'InputLayer') {
      layers.push({module: 'keras.layers', class_name: 'InputLayer',
                   config: {batch_shape: c.batch_input_shape, dtype: 'float32', sparse: false,
                            name: c.name},
                   registered_name: null});
      return;
    }
    shape = shape || c.batch_input_shape;
    delete c.batch_input_shape;
    c.dtype = policy;
    for (const k of initKeys) if (k in c) c[k] = kerasInit(c[k], true);
    if (l.class_name === 'LeakyReLU' && 'alpha' in c) {
      c.negative_slope = c.alpha;
      delete c.alpha;
    }
    if (l.class_name === 'Reshape') c.target_shape = c.target_shape.map(d => (d === null ? -1 : d));
    if (kerasLayer[l.class_name]) kerasLayer[l.class_name](c, 3);
    layers.push({module: 'keras.layers', class_name: l.class_name, config: c,
                 registered_name: null});
  });
  return {module: 'keras', class_name: 'Sequential',
          config: {name: t.config.name, trainable: true, dtype: policy, layers},
          registered_name: null};
}

// ---- saving ---------------------------------------------------------------
async function artifactsOf(model) {
  let art;
  await model.save(tf.io.withSaveHandler(async a => {
    art = a;
    return {modelArtifactsInfo: {dateSaved: new Date(), modelTopologyType: 'JSON'}};
  }));
  const data = Array.isArray(art.weightData)
    ? tf.io.concatenateArrayBuffers(art.weightData) : art.weightData;
  return {topology: art.modelTopology, specs: art.weightSpecs, data: new Uint8Array(data)};
}

function fmt(v) {
  if (!Number.isFinite(v)) throw new Error(`non-finite value ${v}`);
  // Trailing zeros of the mantissa only (never the exponent's).
  const [mant, exp] = Math.fround(v).toPrecision(9).split('e');
  const m = mant.includes('.') ? mant.replace(/\.?0+$/, '') : mant;
  return exp === undefined ? m : `${m}e${exp}`;
}

function writeJson(file, obj) {
  fs.writeFileSync(file, JSON.stringify(obj) + '\n');
}

// Float32 outputs of a model on inputs x (a Float32Array of n samples).
function predict(model, x, n, inShape) {
  const y = model.predict(tf.tensor(x, [n, ...inShape]));
  return y.dataSync();
}

const hardSigmoid2 = v => Math.min(1, Math.max(0, 0.2 * v + 0.5));
const hardSigmoid3 = v => Math.min(6, Math.max(0, v + 3)) / 6;

// ---- the cases ------------------------------------------------------------
// Each: name, inShape, build() -> tf model, and optionally
//   patch: {layer: {class_name, config}, f: elementwise fn | rows: fn(row array)}
//          replaces the model's last layer (an Activation('linear')
//          placeholder) in the JSON and applies f to the placeholder's input;
//   k3: elementwise fn for Keras 3's expected output (hard_sigmoid);
//   edit: fn(topology) rewrites the saved JSON (TF.js's spelling), e.g. to
//         put in a Keras layer or option TF.js lacks;
//   expect: fn({model, x, n, y, tf}) -> the expected output (an array of
//         n samples) where TF.js cannot compute it: y is TF.js's output of
//         the model as built, x the inputs; a case with expect records no
//         training step unless it sets step: true;
//   formats, scale (input range), quantize, converter, note, noStep.
const cases = [];
let family = 'base';
function add(c) { cases.push({...c, family}); }

const activations = ['linear', 'relu', 'relu6', 'sigmoid', 'hard_sigmoid', 'tanh', 'softmax',
                     'elu', 'selu', 'softplus', 'softsign', 'swish', 'gelu', 'gelu_new', 'mish',
                     'log_softmax'];
for (const a of activations) {
  // Standalone on the input, fused into a Dense, and a Dense's own.
  const tfName = {hard_sigmoid: 'hardSigmoid', log_softmax: 'logSoftmax'}[a] || a;
  add({name: `act_${a}`, inShape: [3, 4], scale: 3,
       formats: a === 'hard_sigmoid' ? ['tfjs', 'keras2'] : undefined,
       note: a === 'hard_sigmoid' ? 'Keras 3 changed hard_sigmoid: see hard_sigmoid_keras3' : undefined,
       build: () => seq([L.activation({activation: tfName, inputShape: [3, 4]}),
                         L.dense({units: 4}), L.activation({activation: tfName}),
                         L.dense({units: 3, activation: tfName})])});
}
add({name: 'hard_sigmoid_keras3', inShape: [5], scale: 3,
     note: 'Keras 3 hard_sigmoid is relu6(x + 3) / 6; Keras 2 and TF.js: clip(0.2 x + 0.5, 0, 1)',
     build: () => seq([L.dense({units: 8, inputShape: [5]}), L.activation({activation: 'linear'})]),
     patch: {layer: {class_name: 'Activation', config: {activation: 'hard_sigmoid'}}, f: hardSigmoid2},
     k3: hardSigmoid3});
add({name: 'act_exponential', inShape: [5], scale: 1,
     note: 'TF.js has no exponential activation: expected = exp(x) by hand',
     build: () => seq([L.dense({units: 4, inputShape: [5]}), L.activation({activation: 'linear'})]),
     patch: {layer: {class_name: 'Activation', config: {activation: 'exponential'}}, f: Math.exp}});
add({name: 'act_exponential_input', inShape: [6], scale: 2,
     note: 'TF.js has no exponential activation: expected = exp(x) by hand',
     build: () => seq([L.activation({activation: 'linear', inputShape: [6]})]),
     patch: {layer: {class_name: 'Activation', config: {activation: 'exponential'}}, f: Math.exp}});

// ReLU, LeakyReLU, PReLU, ELU, Softmax layers.
add({name: 'relu_layer', inShape: [5], scale: 3,
     build: () => seq([L.dense({units: 6, inputShape: [5]}), L.reLU({})])});
add({name: 'relu_layer_max6', inShape: [5], scale: 8,
     build: () => seq([L.dense({units: 6, inputShape: [5]}), L.reLU({maxValue: 6})])});
add({name: 'relu_layer_max', inShape: [5], scale: 3,
     build: () => seq([L.dense({units: 6, inputShape: [5]}), L.reLU({maxValue: 0.75})])});
add({name: 'relu_layer_slope', inShape: [5], scale: 3,
     note: 'TF.js ReLU has no negative_slope: Keras formula by hand',
     build: () => seq([L.dense({units: 6, inputShape: [5]}), L.activation({activation: 'linear'})]),
     patch: {layer: {class_name: 'ReLU', config: {max_value: null, negative_slope: 0.1, threshold: 0.0}},
             f: v => (v > 0 ? v : 0.1 * v)}});
add({name: 'relu_layer_threshold', inShape: [5], scale: 3,
     note: 'TF.js ReLU has no threshold: Keras formula by hand',
     build: () => seq([L.dense({units: 6, inputShape: [5]}), L.activation({activation: 'linear'})]),
     patch: {layer: {class_name: 'ReLU', config: {max_value: null, negative_slope: 0.0, threshold: 0.5}},
             f: v => (v > 0.5 ? v : 0)}});
add({name: 'relu_layer_all', inShape: [5], scale: 3,
     note: 'TF.js ReLU has no negative_slope or threshold: Keras formula by hand',
     build: () => seq([L.dense({units: 6, inputShape: [5]}), L.activation({activation: 'linear'})]),
     patch: {layer: {class_name: 'ReLU', config: {max_value: 1.5, negative_slope: 0.2, threshold: 0.25}},
             f: v => Math.min(v > 0.25 ? v : 0, 1.5) - (v < 0.25 ? 0.2 * (0.25 - v) : 0)}});
add({name: 'leaky_relu_default', inShape: [5], scale: 3,
     build: () => seq([L.dense({units: 6, inputShape: [5]}), L.leakyReLU({})])});
add({name: 'leaky_relu_alpha', inShape: [5], scale: 3,
     build: () => seq([L.dense({units: 6, inputShape: [5]}), L.leakyReLU({alpha: 0.05}),
                       L.dense({units: 2})])});
add({name: 'prelu_dense', inShape: [5], scale: 3,
     build: () => seq([L.dense({units: 6, inputShape: [5]}), L.prelu({})])});
add({name: 'prelu_shared', inShape: [2, 3, 4], scale: 3,
     build: () => seq([L.prelu({sharedAxes: [1, 2], inputShape: [2, 3, 4]}), L.flatten({}),
                       L.dense({units: 3})])});
add({name: 'prelu_shared_middle', inShape: [2, 3, 4], scale: 3,
     build: () => seq([L.dense({units: 4, inputShape: [2, 3, 4]}), L.prelu({sharedAxes: [2]})])});
add({name: 'elu_layer', inShape: [5], scale: 3,
     build: () => seq([L.dense({units: 6, inputShape: [5]}), L.elu({})])});
add({name: 'elu_layer_alpha', inShape: [5], scale: 3,
     note: 'TF.js ELU supports only alpha 1: Keras formula by hand',
     build: () => seq([L.dense({units: 6, inputShape: [5]}), L.activation({activation: 'linear'})]),
     patch: {layer: {class_name: 'ELU', config: {alpha: 0.5}}, f: v => (v > 0 ? v : 0.5 * Math.expm1(v))}});
add({name: 'softmax_last', inShape: [3, 4], scale: 3,
     build: () => seq([L.dense({units: 5, inputShape: [3, 4]}), L.softmax({axis: -1})])});
add({name: 'softmax_axis1', inShape: [3, 4], scale: 3,
     note: 'TF.js cannot take a softmax along a non-last axis: expected by hand',
     build: () => seq([L.activation({activation: 'linear', inputShape: [3, 4]})]),
     patch: {layer: {class_name: 'Softmax', config: {axis: 1}}, axis: 1}});
add({name: 'softmax_rank3_middle', inShape: [2, 3, 4], scale: 3,
     note: 'TF.js cannot take a softmax along a non-last axis: expected by hand',
     build: () => seq([L.dense({units: 4, inputShape: [2, 3, 4]}), L.activation({activation: 'linear'})]),
     patch: {layer: {class_name: 'Softmax', config: {axis: 2}}, axis: 2}});
add({name: 'softmax_negative_axis', inShape: [2, 3, 4], scale: 3,
     note: 'TF.js cannot take a softmax along a non-last axis: expected by hand',
     build: () => seq([L.dense({units: 4, inputShape: [2, 3, 4]}), L.activation({activation: 'linear'})]),
     patch: {layer: {class_name: 'Softmax', config: {axis: -3}}, axis: 1}});
add({name: 'softmax_default_axis', inShape: [3, 4], scale: 3,
     note: "Keras's Softmax defaults to axis -1 (TF.js: 1): the JSON omits axis, expected by hand",
     build: () => seq([L.dense({units: 4, inputShape: [3, 4]}), L.activation({activation: 'linear'})]),
     patch: {layer: {class_name: 'Softmax', config: {}}, axis: 2}});

// Views, identities and shapes.
add({name: 'flatten', inShape: [2, 3, 4], scale: 2,
     build: () => seq([L.flatten({inputShape: [2, 3, 4]}), L.dense({units: 3, activation: 'tanh'})])});
add({name: 'flatten_channels_first', inShape: [2, 3, 4], scale: 2,
     build: () => seq([L.flatten({inputShape: [2, 3, 4], dataFormat: 'channelsFirst'}),
                       L.dense({units: 3})])});
add({name: 'flatten_channels_first_mid', inShape: [5], scale: 2,
     build: () => seq([L.dense({units: 12, inputShape: [5]}), L.reshape({targetShape: [3, 2, 2]}),
                       L.flatten({dataFormat: 'channelsFirst'}), L.dense({units: 3, activation: 'relu'})])});
add({name: 'reshape_chain', inShape: [6], scale: 2,
     note: 'TF.js cannot infer a -1 size: built with 12, saved as null (TF.js) and -1 (Keras)',
     build: () => seq([L.dense({units: 12, inputShape: [6]}), L.reshape({targetShape: [3, 4]}),
                       L.softmax({axis: -1}), L.reshape({targetShape: [12]}), L.dense({units: 2})]),
     edit: topo => { topo.config.layers[3].config.target_shape = [null]; }});
add({name: 'reshape_output', inShape: [4], scale: 2,
     build: () => seq([L.dense({units: 6, inputShape: [4]}), L.reshape({targetShape: [2, 3]})])});
add({name: 'reshape_input', inShape: [12], scale: 2,
     build: () => seq([L.reshape({targetShape: [3, 4], inputShape: [12]}), L.dense({units: 2})])});
add({name: 'dropout_chain', inShape: [5], scale: 2,
     build: () => seq([L.dense({units: 8, activation: 'relu', inputShape: [5]}), L.dropout({rate: 0.5}),
                       L.dense({units: 3, activation: 'softmax'})])});
add({name: 'dropout_only', inShape: [4], scale: 2,
     build: () => seq([L.dropout({rate: 0.25, inputShape: [4]})])});
add({name: 'input_layer', inShape: [7], scale: 2,
     build: () => seq([L.inputLayer({inputShape: [7]}), L.dense({units: 3, activation: 'sigmoid'})])});
add({name: 'dense_nobias', inShape: [7], scale: 2,
     build: () => seq([L.dense({units: 5, useBias: false, inputShape: [7]})])});
add({name: 'dense_rank3', inShape: [2, 3, 5], scale: 2,
     build: () => seq([L.dense({units: 4, activation: 'relu', inputShape: [2, 3, 5]}),
                       L.dense({units: 2})])});
add({name: 'dense_wide', inShape: [64], scale: 1,
     build: () => seq([L.dense({units: 128, activation: 'tanh', inputShape: [64]}),
                       L.dense({units: 10, activation: 'softmax'})])});
add({name: 'activation_chain', inShape: [5], scale: 3,
     build: () => seq([L.dense({units: 6, inputShape: [5]}), L.reLU({}),
                       L.activation({activation: 'tanh'}), L.softmax({axis: -1})])});
add({name: 'xor', inShape: [2], scale: 1,
     build: () => seq([L.dense({units: 8, activation: 'relu', inputShape: [2]}),
                       L.dense({units: 4, activation: 'relu'}),
                       L.dense({units: 1, activation: 'sigmoid'})])});
add({name: 'churn', inShape: [11], scale: 2,
     build: () => seq([L.dense({units: 6, activation: 'relu', inputShape: [11]}),
                       L.dense({units: 6, activation: 'relu'}),
                       L.dense({units: 1, activation: 'sigmoid'})])});

// Weight files: quantized, float16, the converter's layout, several shards.
for (const q of ['uint8', 'uint16', 'float16']) {
  add({name: `quant_${q}`, inShape: [6], scale: 2, formats: ['tfjs'], quantize: q,
       note: `weights stored as ${q} in the manifest; expected from TF.js loading them`,
       build: () => seq([L.dense({units: 8, activation: 'relu', inputShape: [6]}),
                         L.dense({units: 3})])});
}
add({name: 'converter_layout', inShape: [6], scale: 2, formats: ['tfjs'], converter: true,
     note: "tensorflowjs_converter's layout: model_config inside modelTopology, two shards",
     build: () => seq([L.dense({units: 8, activation: 'relu', inputShape: [6]}),
                       L.dense({units: 3})])});

// Softmax of y (n samples of the given shape) along a Keras axis (1 = the
// first axis of a sample), in double precision.
function softmaxAxis(y, n, shape, axis) {
  const a = axis - 1;
  const outer = shape.slice(0, a).reduce((p, d) => p * d, 1) * n;
  const len = shape[a];
  const inner = shape.slice(a + 1).reduce((p, d) => p * d, 1);
  const out = y.slice();
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const idx = k => (o * len + k) * inner + i;
      let m = -Infinity;
      for (let k = 0; k < len; k++) m = Math.max(m, y[idx(k)]);
      let s = 0;
      for (let k = 0; k < len; k++) s += Math.exp(y[idx(k)] - m);
      for (let k = 0; k < len; k++) out[idx(k)] = Math.exp(y[idx(k)] - m) / s;
    }
  }
  return out;
}

// ---- quantization as tensorflowjs_converter does it -------------------------
function quantize(specs, data, dtype) {
  const f32 = new Float32Array(data.buffer, data.byteOffset, data.byteLength / 4);
  const outSpecs = [];
  const chunks = [];
  let off = 0;
  for (const s of specs) {
    const n = s.shape.reduce((a, b) => a * b, 1);
    const v = f32.subarray(off, off + n);
    off += n;
    if (dtype === 'float16') {
      const h = new Uint16Array(n);
      for (let i = 0; i < n; i++) h[i] = toHalf(v[i]);
      chunks.push(new Uint8Array(h.buffer));
      outSpecs.push({...s, quantization: {dtype: 'float16', original_dtype: 'float32'}});
      continue;
    }
    const levels = dtype === 'uint8' ? 255 : 65535;
    let min = Math.min(...v), max = Math.max(...v);
    if (max === min) max = min + 1;
    const scale = (max - min) / levels;
    const q = dtype === 'uint8' ? new Uint8Array(n) : new Uint16Array(n);
    for (let i = 0; i < n; i++) q[i] = Math.round((v[i] - min) / scale);
    chunks.push(new Uint8Array(q.buffer));
    outSpecs.push({...s, quantization: {dtype, scale, min, original_dtype: 'float32'}});
  }
  const total = chunks.reduce((a, c) => a + c.length, 0);
  const out = new Uint8Array(total);
  let p = 0;
  for (const c of chunks) { out.set(c, p); p += c.length; }
  return {specs: outSpecs, data: out};
}
function toHalf(x) {
  const f = new Float32Array([x]), u = new Uint32Array(f.buffer)[0];
  const sign = (u >>> 16) & 0x8000;
  let exp = ((u >>> 23) & 0xff) - 127 + 15, mant = u & 0x7fffff;
  if (exp <= 0) return sign; // tiny values flush to zero here
  if (exp >= 31) return sign | 0x7c00;
  let h = sign | (exp << 10) | (mant >>> 13);
  if ((mant & 0x1fff) > 0x1000 || ((mant & 0x1fff) === 0x1000 && (h & 1))) h++;
  return h;
}

// ---- writing a case ---------------------------------------------------------
async function writeCase(c) {
  const rand = rng(seedOf(c.name));
  const model = c.build();
  randomize(model, rand);
  const n = 4;
  const inSize = c.inShape.reduce((a, b) => a * b, 1);
  const x = new Float32Array(n * inSize);
  for (let i = 0; i < x.length; i++) x[i] = (rand() * 2 - 1) * c.scale;

  const art = await artifactsOf(model);
  let specs = art.specs, data = art.data;
  if (c.quantize) ({specs, data} = quantize(specs, data, c.quantize));

  // Expected output: TF.js on the saved artifacts, reloaded (which also
  // checks the files and, for quantized weights, TF.js's dequantization).
  // TF.js cannot reload its own gelu_new (it looks up "geluNew"): there,
  // the model in memory gives the reference.
  const direct = predict(model, x, n, c.inShape);
  let y = Array.from(direct);
  if (c.name !== 'act_gelu_new') {
    const reloaded = await tf.loadLayersModel(tf.io.fromMemory({
      modelTopology: art.topology, weightSpecs: specs,
      weightData: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)}));
    y = Array.from(predict(reloaded, x, n, c.inShape));
    if (!c.quantize)
      y.forEach((v, i) => { if (Math.abs(v - direct[i]) > 1e-6) throw new Error(`${c.name}: reload differs`); });
  }

  if (c.expect) y = Array.from(c.expect({model, x, n, y, tf}));

  // One SGD step with TF.js (the model's weights are saved already).
  let step = null;
  const random = model.layers.some(l => ['Dropout', 'GaussianNoise', 'GaussianDropout',
    'SpatialDropout1D', 'SpatialDropout2D', 'SpatialDropout3D', 'AlphaDropout']
    .includes(l.getClassName()) && !(l.rate === 0));
  if (!c.patch && !c.quantize && !c.noStep && !random && (!c.expect || c.step)) {
    const copy = model;
    const outShape = copy.outputs[0].shape.slice(1);
    const outSize = outShape.reduce((a, b) => a * b, 1);
    const t = new Float32Array(n * outSize);
    for (let i = 0; i < t.length; i++) t[i] = rand() * 2 - 1;
    copy.compile({optimizer: tf.train.sgd(0.1), loss: 'meanSquaredError'});
    await copy.trainOnBatch(tf.tensor(x, [n, ...c.inShape]), tf.tensor(t, [n, ...outShape]));
    step = {t, w: copy.weights.map(w => ({name: w.originalName || w.name, v: w.read().dataSync()}))};
  }

  let topo = art.topology;
  if (c.edit) {
    topo = JSON.parse(JSON.stringify(topo));
    c.edit(topo);
  }
  let y3 = y;
  if (c.patch) {
    topo = JSON.parse(JSON.stringify(topo));
    const layers = topo.config.layers;
    const last = layers[layers.length - 1];
    const keep = {name: last.config.name, trainable: true};
    if (last.config.batch_input_shape) keep.batch_input_shape = last.config.batch_input_shape;
    layers[layers.length - 1] = {class_name: c.patch.layer.class_name,
                                 config: {...c.patch.layer.config, ...keep}};
    const base = y;
    if (c.patch.f) {
      y = base.map(c.patch.f);
      if (c.k3) y3 = base.map(c.k3); else y3 = y;
    } else {
      y = softmaxAxis(base, n, model.outputs[0].shape.slice(1), c.patch.axis);
      y3 = y;
    }
  }

  const dir = path.join(OUT, c.name);
  fs.mkdirSync(dir, {recursive: true});
  const formats = c.formats || ['tfjs', 'keras2', 'keras3'];
  if (c.converter) {
    // Two shards, weights named without TF.js's layer-name suffixes.
    const half = Math.floor(data.length / 2);
    fs.writeFileSync(path.join(dir, 'group1-shard1of2.bin'), data.subarray(0, half));
    fs.writeFileSync(path.join(dir, 'group1-shard2of2.bin'), data.subarray(half));
    writeJson(path.join(dir, 'model.json'), {
      format: 'layers-model', generatedBy: 'keras v2.13.1', convertedBy: 'TensorFlow.js Converter v4.22.0',
      modelTopology: {keras_version: '2.13.1', backend: 'tensorflow', model_config: toKeras2(topo),
                      training_config: {loss: 'mse', metrics: null, optimizer_config: {class_name: 'Adam', config: {}}}},
      weightsManifest: [{paths: ['group1-shard1of2.bin', 'group1-shard2of2.bin'], weights: specs}]});
  } else {
    fs.writeFileSync(path.join(dir, 'weights.bin'), data);
    writeJson(path.join(dir, 'model.json'), {
      format: 'layers-model', generatedBy: 'TensorFlow.js tfjs-layers v4.22.0', convertedBy: null,
      modelTopology: topo, weightsManifest: [{paths: ['./weights.bin'], weights: specs}]});
  }
  if (formats.includes('keras2')) writeJson(path.join(dir, 'keras2.json'), toKeras2(topo));
  if (formats.includes('keras3')) writeJson(path.join(dir, 'keras3.json'), toKeras3(topo));

  const outSize = y.length / n;
  const lines = ['kcc-numeric 1', `# ${c.name}: generated by tests/numeric/gen.js with TensorFlow.js ${tf.version.tfjs}`];
  if (c.note) lines.push(`# ${c.note}`);
  lines.push(`samples ${n}`, `input ${inSize}`, `output ${outSize}`);
  lines.push('x ' + Array.from(x, fmt).join(' '));
  for (const f of formats) lines.push(`y ${f} ` + (f === 'keras3' ? y3 : y).map(fmt).join(' '));
  if (step) {
    lines.push('step_t ' + Array.from(step.t, fmt).join(' '));
    for (const w of step.w) lines.push(`step_w ${w.name} ${w.v.length} ` + Array.from(w.v, fmt).join(' '));
  }
  fs.writeFileSync(path.join(dir, 'io.txt'), lines.join('\n') + '\n');
  return formats;
}

// The families of cases in cases_*.js.
const helpers = {seq, hardSigmoid2, hardSigmoid3, kerasLayer, tf, rng};
for (const f of fs.readdirSync(__dirname).filter(f => /^cases_.*\.js$/.test(f)).sort()) {
  family = f.replace(/^cases_|\.js$/g, '');
  require(path.join(__dirname, f))(add, L, helpers);
}

(async () => {
  const only = process.argv.slice(2);
  // One process a family, because TF.js numbers
  // the layers it builds across a process (dense_Dense12): a family's
  // names must not depend on the families built before it.
  if (only.length !== 1) {
    const families = only.length ? only : [...new Set(cases.map(c => c.family))];
    if (!only.length)
      fs.rmSync(OUT, {recursive: true, force: true});
    for (const f of families)
      require('child_process').execFileSync(process.execPath, [__filename, f], {stdio: 'inherit'});
    return;
  }
  const chosen = cases.filter(c => only.includes(c.family));
  const names = new Set();
  for (const c of cases) {
    if (names.has(c.name)) throw new Error(`two cases named ${c.name}`);
    names.add(c.name);
  }
  for (const c of chosen) {
    fs.rmSync(path.join(OUT, c.name), {recursive: true, force: true});
    await writeCase(c);
  }
  // cases.cmake: every case directory there is, in the order of the cases.
  const cm = ['# Generated by tests/numeric/gen.js: the numeric test cases and their formats.'];
  for (const c of cases) {
    const dir = path.join(OUT, c.name);
    if (!fs.existsSync(dir)) continue;
    const formats = ['tfjs', 'keras2', 'keras3'].filter(f =>
      f === 'tfjs' || fs.existsSync(path.join(dir, `${f}.json`)));
    cm.push(`kcc_numeric_case(${c.name} ${formats.join(' ')})`);
  }
  fs.writeFileSync(path.join(__dirname, 'cases.cmake'), cm.join('\n') + '\n');
  console.log(`wrote ${chosen.length} cases to ${OUT}`);
})().catch(e => { console.error(e); process.exit(1); });
