#!/usr/bin/env node
// gen.js - writes the reference cases of kcc's loss and metric tests.
//
//   (cd tools/tfjs && npm ci) && node tests/losses/gen.js
//
// writes cases/losses.txt and cases/metrics.txt (README.md describes the
// format).  Every loss case is a seeded batch of predictions and targets,
// its mean loss (Keras's "sum_over_batch_size") and its gradient with
// respect to the predictions (or the logits, for the fused cases), taken
// with TensorFlow.js 4.22's automatic differentiation (tf.valueAndGrad).
// Every metric case is two seeded batches and the metric's running value
// after each.
//
// TF.js is the reference where it computes what Python Keras (tf.keras 2.x)
// computes.  Where it does not, the case says "patched" and its reference
// is Keras's formula written here with TF.js ops (so the gradient is still
// TF.js's automatic differentiation) or, for the metrics, by hand in
// double precision.  The deviations (README.md lists them):
//   - binary_crossentropy: TF.js turns the clipped probability into a
//     logit and uses sigmoid crossentropy; tf.keras 2 computes
//     -(t log(p + eps) + (1 - t) log(1 - p + eps)) on the clipped p.
//   - crossentropies from logits: TF.js's layers clip softmax(z) (and the
//     sparse one clips the logits themselves to [eps, 1 - eps]); Keras uses
//     softmax_cross_entropy_with_logits, here tf.losses.softmaxCrossEntropy
//     (TF.js core, whose gradient is TensorFlow's softmax(z) - t).
//   - sparse_categorical_crossentropy from probabilities: TF.js normalizes
//     and clips twice; Keras takes log(clip(p)) as logits of
//     sparse_softmax_cross_entropy_with_logits.
//   - hinge: TF.js does not map 0/1 labels to -1/1, and its max(0, x) sends
//     the gradient at x = 0 to the constant; Keras maps the labels and
//     writes max(x, 0).
//   - huber: absent from TF.js's layers losses.
//   - kl_divergence: TF.js multiplies by the unclipped y_true; Keras by the
//     clipped one.
//   - mean_absolute_error, mean_absolute_percentage_error: TF.js's gradient
//     of abs at 0 is -1; TensorFlow's is sign(0) = 0.  Cases with an exact
//     match get 0 there.
//   - precision, recall: TF.js expects 0/1 predictions; Keras thresholds
//     at 0.5.  top-k: TF.js's layers throw NotImplementedError, and
//     tf.inTopKAsync breaks ties by index where tf.math.in_top_k counts
//     every tied class as in.  AUC: absent.  "accuracy" with binary
//     crossentropy on several outputs: TF.js picks binary_accuracy,
//     tf.keras 2's compile_utils categorical_accuracy.
'use strict';
const fs = require('fs');
const path = require('path');

const {tf, rng, seedOf} = require('../tfjs.js');

const OUT = path.join(__dirname, 'cases');
const EPS = 1e-7;       // Keras's backend.epsilon(), TF.js's epsilon() on the CPU
const f32 = Math.fround;

// ---- TF.js's own layers losses and metrics ---------------------------------
// tfjs-layers does not export its losses; a compiled model holds the
// function a loss name resolves to.
function tfjsLoss(name) {
  const m = tf.sequential();
  m.add(tf.layers.dense({units: 1, inputShape: [1]}));
  m.compile({optimizer: 'sgd', loss: name});
  return m.model.lossFunctions[0];
}

// ---- Keras's formulas in TF.js ops (per-sample losses) --------------------
const K = {
  // tf_keras/backend.py binary_crossentropy, from probabilities.
  bce(t, p) {
    const q = tf.clipByValue(p, EPS, 1 - EPS);
    const l = tf.add(tf.mul(t, tf.log(tf.add(q, EPS))),
                     tf.mul(tf.sub(1, t), tf.log(tf.add(tf.sub(1, q), EPS))));
    return tf.mean(tf.neg(l), -1);
  },
  // tf.nn.sigmoid_cross_entropy_with_logits, mean over the last axis.
  bceLogits(t, z) {
    return tf.mean(tf.losses.sigmoidCrossEntropy(t, z, undefined, 0, tf.Reduction.NONE), -1);
  },
  // tf.nn.softmax_cross_entropy_with_logits.
  cceLogits(t, z) {
    return tf.losses.softmaxCrossEntropy(t, z, undefined, 0, tf.Reduction.NONE);
  },
  scceLogits(t, z) {
    const oneHot = tf.oneHot(tf.cast(t, 'int32'), z.shape[1]);
    return tf.losses.softmaxCrossEntropy(oneHot, z, undefined, 0, tf.Reduction.NONE);
  },
  // tf_keras/backend.py sparse_categorical_crossentropy, from probabilities:
  // log(clip(p)) as logits.
  scce(t, p) {
    const logits = tf.log(tf.clipByValue(p, EPS, 1 - EPS));
    return K.scceLogits(t, logits);
  },
  huber(t, p, delta = 1.0) {
    const e = tf.sub(p, t);
    const a = tf.abs(e);
    // the condition is a constant of the gradient (TF.js has no gradient
    // for lessEqual): computed from the values
    const cond = tf.tensor(Array.from(a.dataSync(), v => v <= delta), a.shape, 'bool');
    return tf.mean(tf.where(cond, tf.mul(0.5, tf.square(e)),
                            tf.sub(tf.mul(delta, a), 0.5 * delta * delta)), -1);
  },
  // t already mapped to -1/1 where Keras maps it (mapHingeLabels).
  hinge(t, p) {
    return tf.mean(tf.maximum(tf.sub(1, tf.mul(t, p)), 0), -1);
  },
  kld(t, p) {
    const tc = tf.clipByValue(t, EPS, 1);
    const pc = tf.clipByValue(p, EPS, 1);
    return tf.sum(tf.mul(tc, tf.log(tf.div(tc, pc))), -1);
  },
};

// Keras's _maybe_convert_labels: when every label of the batch is 0 or 1.
function mapHingeLabels(t) {
  return t.every(v => v === 0 || v === 1) ? t.map(v => 2 * v - 1) : t;
}

// ---- the loss cases --------------------------------------------------------
// Trailing zeros of the mantissa only ("9.99999972e-10" keeps its exponent).
function trim(s) {
  const [m, e] = s.split('e');
  const t = m.includes('.') ? m.replace(/\.?0+$/, '') : m;
  return e === undefined ? t : `${t}e${e}`;
}
function fmt(v) {
  if (Number.isNaN(v)) return 'nan';
  return Number.isInteger(v) ? String(v) : trim(v.toPrecision(17));
}
function fmt32(v) {
  return trim(Math.fround(v).toPrecision(9));
}

const lossLines = [];
const metricLines = [];

// fn(yt, yp) -> per-sample losses; yt shape [n, k] or [n] (sparse).
function lossCase(c) {
  const {id, loss, n, k} = c;
  const sparse = c.sparse || false;
  const yp = Float32Array.from(c.yp);
  const yt = Float32Array.from(c.yt);
  if (yp.length !== n * k || yt.length !== (sparse ? n : n * k)) throw new Error(`${id}: sizes`);
  const ytT = tf.tensor(yt, sparse ? [n] : [n, k]);
  const ypT = tf.tensor(yp, [n, k]);
  const {value, grad} = tf.valueAndGrad(p => tf.mean(c.fn(ytT, p)))(ypT);
  const v = value.dataSync()[0];
  const g = Array.from(grad.dataSync());
  if (c.absAtZero) // TensorFlow's sign(0) = 0 where TF.js's abs gradient is -1
    for (let i = 0; i < n * k; i++) if (yp[i] === yt[i]) g[i] = 0;
  if (!Number.isFinite(v) || g.some(x => !Number.isFinite(x))) throw new Error(`${id}: not finite`);
  lossLines.push(`case ${id} ${loss} from_logits ${c.fromLogits ? 1 : 0} fused ${c.fused ? 1 : 0}` +
                 ` act ${c.act || 'linear'} n ${n} size ${k} ref ${c.patched ? 'patched' : 'tfjs'}`);
  if (c.note) lossLines.push(`# ${c.note}`);
  lossLines.push('y_pred ' + Array.from(yp, fmt32).join(' '));
  lossLines.push('y_true ' + Array.from(yt, fmt32).join(' '));
  lossLines.push('loss ' + fmt(v));
  lossLines.push('grad ' + g.map(fmt).join(' '));
  lossLines.push('end');
}

// Seeded data.
const uniform = (r, lo, hi) => lo + (hi - lo) * r();
function probs(r, count, lo = 0.02, hi = 0.98) {
  return Array.from({length: count}, () => uniform(r, lo, hi));
}
function labels01(r, count) {
  return Array.from({length: count}, () => (r() < 0.5 ? 0 : 1));
}
function softmaxRows(z, k) {
  const out = [];
  for (let s = 0; s < z.length / k; s++) {
    const row = z.slice(s * k, s * k + k);
    const m = Math.max(...row);
    const e = row.map(v => Math.exp(v - m));
    const sum = e.reduce((a, b) => a + b, 0);
    for (const v of e) out.push(v / sum);
  }
  return out;
}
function oneHot(r, n, k) {
  const out = new Array(n * k).fill(0);
  const idx = [];
  for (let s = 0; s < n; s++) {
    const c = Math.floor(r() * k);
    out[s * k + c] = 1;
    idx.push(c);
  }
  return {out, idx};
}
function distributions(r, n, k) {
  const out = [];
  for (let s = 0; s < n; s++) {
    const w = Array.from({length: k}, () => r() + 0.05);
    const sum = w.reduce((a, b) => a + b, 0);
    // float32 rows that sum to about 1
    for (const v of w) out.push(v / sum);
  }
  return out;
}
function logits(r, count, scale = 3) {
  return Array.from({length: count}, () => uniform(r, -scale, scale));
}

// Predictions at and around the clipping bounds.
const EXTREME = [0, 1e-9, 5e-8, f32(1e-7), 1.5e-7, 1e-6, 1e-3, 0.5, 0.999, 1 - 1e-6,
                 f32(1 - 1e-7), f32(0.99999994), 1];

function bceCases() {
  const bce = tfjsLoss('binaryCrossentropy');
  for (const [tag, n, k] of [['k1', 6, 1], ['k3', 4, 3]]) {
    for (const seed of [1, 2]) {
      const id = `bce_${tag}_s${seed}`;
      const r = rng(seedOf(id));
      const yp = probs(r, n * k);
      const yt = labels01(r, n * k);
      lossCase({id, loss: 'binary_crossentropy', n, k, yp, yt, fn: K.bce, patched: true,
                note: 'TF.js: clip, logit, sigmoid crossentropy; Keras 2: log(p + eps) terms'});
    }
  }
  {
    const id = 'bce_extreme';
    const yp = EXTREME.concat(EXTREME);
    const yt = EXTREME.map(() => 0).concat(EXTREME.map(() => 1));
    lossCase({id, loss: 'binary_crossentropy', n: 2, k: EXTREME.length, yp, yt, fn: K.bce,
              patched: true, note: 'predictions at and beyond the clipping bounds'});
  }
  {
    const id = 'bce_soft_labels';
    const r = rng(seedOf(id));
    const yp = probs(r, 10);
    const yt = probs(r, 10, 0, 1);
    lossCase({id, loss: 'binary_crossentropy', n: 5, k: 2, yp, yt, fn: K.bce, patched: true});
  }
  {
    // Away from the bounds, eps hardly matters: the patched formula must
    // agree with TF.js's own binary crossentropy there.
    const r = rng(seedOf('bce_sanity'));
    const yp = tf.tensor(probs(r, 8, 0.2, 0.8), [4, 2]);
    const yt = tf.tensor(labels01(r, 8), [4, 2]);
    const a = tf.mean(bce(yt, yp)).dataSync()[0];
    const b = tf.mean(K.bce(yt, yp)).dataSync()[0];
    if (Math.abs(a - b) > 1e-5 * Math.abs(a)) throw new Error(`bce sanity ${a} ${b}`);
  }
  for (const [tag, n, k] of [['k1', 6, 1], ['k3', 4, 3]]) {
    const id = `bce_logits_${tag}`;
    const r = rng(seedOf(id));
    const z = logits(r, n * k, 6);
    z[0] = 0;
    if (n * k > 2) {
      z[1] = 40;
      z[2] = -40;
    }
    const yt = labels01(r, n * k);
    lossCase({id, loss: 'binary_crossentropy', fromLogits: true, n, k, yp: z, yt,
              fn: K.bceLogits, note: 'tf.losses.sigmoidCrossEntropy: Keras\'s stable formula'});
    lossCase({id: `bce_fused_${tag}`, loss: 'binary_crossentropy', fused: true, act: 'sigmoid', n,
              k, yp: z, yt, fn: K.bceLogits,
              note: 'fused: the sigmoid output\'s logits, gradient with respect to them'});
  }
  {
    const id = 'bce_logits_soft';
    const r = rng(seedOf(id));
    lossCase({id, loss: 'binary_crossentropy', fromLogits: true, n: 3, k: 2, yp: logits(r, 6),
              yt: probs(r, 6, 0, 1), fn: K.bceLogits});
  }
}

function cceCases() {
  const cce = tfjsLoss('categoricalCrossentropy');
  const n = 4, k = 5;
  for (const seed of [1, 2]) {
    const id = `cce_s${seed}`;
    const r = rng(seedOf(id));
    const yp = softmaxRows(logits(r, n * k), k);
    const {out: yt} = oneHot(r, n, k);
    lossCase({id, loss: 'categorical_crossentropy', n, k, yp, yt, fn: cce});
  }
  {
    const id = 'cce_unnormalized';
    const r = rng(seedOf(id));
    const yp = probs(r, n * k, 0.05, 0.9);
    lossCase({id, loss: 'categorical_crossentropy', n, k, yp, yt: distributions(r, n, k), fn: cce,
              note: 'rows not summing to 1 (Keras divides by the sum), soft labels'});
  }
  {
    const id = 'cce_extreme';
    // saturated softmax rows: the true class near 0 and near 1, zeros
    const yp = [1, 0, 0, 0, 0,
                1e-9, 1 - 1e-6, 1e-6, 0, 0,
                0.2, 0.2, 0.2, 0.2, 0.2,
                1e-8, 1e-8, 1e-8, 1e-8, 1];
    const yt = [0, 1, 0, 0, 0,
                1, 0, 0, 0, 0,
                0, 0, 1, 0, 0,
                0, 0, 0, 0, 1];
    lossCase({id, loss: 'categorical_crossentropy', n, k, yp, yt, fn: cce,
              note: 'predictions clipped at both bounds'});
  }
  for (const [tag, soft] of [['onehot', false], ['soft', true]]) {
    const id = `cce_logits_${tag}`;
    const r = rng(seedOf(id));
    const z = logits(r, n * k, 4);
    z[3] = 30;
    const yt = soft ? distributions(r, n, k) : oneHot(r, n, k).out;
    lossCase({id, loss: 'categorical_crossentropy', fromLogits: true, n, k, yp: z, yt,
              fn: K.cceLogits, patched: true,
              note: 'TF.js clips softmax(z); Keras: softmax_cross_entropy_with_logits'});
    lossCase({id: `cce_fused_${tag}`, loss: 'categorical_crossentropy', fused: true,
              act: 'softmax', n, k, yp: z, yt, fn: K.cceLogits, patched: true});
  }
}

function scceCases() {
  const n = 5, k = 4;
  for (const seed of [1, 2]) {
    const id = `scce_s${seed}`;
    const r = rng(seedOf(id));
    const yp = softmaxRows(logits(r, n * k), k);
    const {idx} = oneHot(r, n, k);
    lossCase({id, loss: 'sparse_categorical_crossentropy', sparse: true, n, k, yp, yt: idx,
              fn: K.scce, patched: true,
              note: 'TF.js normalizes and clips again; Keras: log(clip(p)) as logits'});
  }
  {
    const id = 'scce_extreme';
    const yp = [1, 0, 0, 0,
                1e-9, 1, 0, 0,
                0.25, 0.25, 0.25, 0.25,
                0.5, 0.5, 1e-8, 0,
                0.3, 0.3, 0.3, 0.3];
    const yt = [1, 1, 3, 2, 0];
    lossCase({id, loss: 'sparse_categorical_crossentropy', sparse: true, n, k, yp, yt,
              fn: K.scce, patched: true, note: 'clipped predictions; rows not summing to 1'});
  }
  {
    const id = 'scce_logits';
    const r = rng(seedOf(id));
    const z = logits(r, n * k, 4);
    z[5] = -25;
    const {idx} = oneHot(r, n, k);
    lossCase({id, loss: 'sparse_categorical_crossentropy', sparse: true, fromLogits: true, n, k,
              yp: z, yt: idx, fn: K.scceLogits, patched: true,
              note: 'TF.js clips the logits to [eps, 1-eps]; Keras: sparse softmax crossentropy'});
    lossCase({id: 'scce_fused', loss: 'sparse_categorical_crossentropy', sparse: true,
              fused: true, act: 'softmax', n, k, yp: z, yt: idx, fn: K.scceLogits,
              patched: true});
  }
}

function regressionCases() {
  const mse = tfjsLoss('meanSquaredError');
  const mae = tfjsLoss('meanAbsoluteError');
  const mape = tfjsLoss('meanAbsolutePercentageError');
  const logcosh = tfjsLoss('logcosh');
  const n = 4, k = 3;
  for (const seed of [1, 2]) {
    const r = rng(seedOf(`reg_s${seed}`));
    const yp = logits(r, n * k, 2);
    const yt = logits(r, n * k, 2);
    yp[4] = yt[4]; // an exact match: |e| = 0
    lossCase({id: `mse_s${seed}`, loss: 'mean_squared_error', n, k, yp, yt, fn: mse});
    lossCase({id: `mae_s${seed}`, loss: 'mean_absolute_error', n, k, yp, yt, fn: mae,
              absAtZero: true, note: 'gradient 0 at the exact match (TF.js: -1)'});
    lossCase({id: `log_cosh_s${seed}`, loss: 'log_cosh', n, k, yp, yt, fn: logcosh});
    lossCase({id: `huber_s${seed}`, loss: 'huber', n, k, yp, yt, fn: (t, p) => K.huber(t, p),
              patched: true, note: 'absent from TF.js\'s layers: Keras\'s formula'});
  }
  {
    const id = 'mape_s1';
    const r = rng(seedOf(id));
    const yt = logits(r, n * k, 5);
    const yp = logits(r, n * k, 5);
    yt[0] = 0;          // max(|t|, eps)
    yt[1] = 1e-9;
    yt[2] = -3;
    yp[3] = yt[3];      // exact match
    lossCase({id, loss: 'mean_absolute_percentage_error', n, k, yp, yt, fn: mape, absAtZero: true,
              note: 'targets 0 and 1e-9 divide by eps; gradient 0 at the exact match'});
  }
  {
    const id = 'log_cosh_large';
    const yp = [30, -30, 0.001, 5, -80, 2];
    const yt = [0, 0, 0, -5, 0, 2.5];
    lossCase({id, loss: 'log_cosh', n: 2, k: 3, yp, yt, fn: logcosh});
  }
  {
    const id = 'huber_delta';
    // errors below, at and above delta = 1
    const yp = [0.5, 1, 2, -1, -0.25, 3, 0, 1.5];
    const yt = [0, 0, 0, 0, 0, 0, 0, 0];
    lossCase({id, loss: 'huber', n: 2, k: 4, yp, yt, fn: (t, p) => K.huber(t, p), patched: true});
  }
}

function hingeCases() {
  const n = 4, k = 3;
  {
    const id = 'hinge_01';
    const r = rng(seedOf(id));
    const yp = logits(r, n * k, 2);
    const yt = labels01(r, n * k);
    yp[0] = 1;
    yt[0] = 1; // margin exactly 1: max(x, 0) at x = 0 passes the gradient
    lossCase({id, loss: 'hinge', n, k, yp, yt: yt, fn: (t, p) => K.hinge(tf.tensor(
      mapHingeLabels(Array.from(t.dataSync())), t.shape), p), patched: true,
              note: '0/1 labels mapped to -1/1 (TF.js does not); kink at margin 1'});
  }
  {
    const id = 'hinge_pm1';
    const r = rng(seedOf(id));
    const yp = logits(r, n * k, 2);
    const yt = labels01(r, n * k).map(v => 2 * v - 1);
    lossCase({id, loss: 'hinge', n, k, yp, yt, fn: tfjsLoss('hinge'),
              note: 'labels already -1/1: TF.js\'s hinge is Keras\'s'});
  }
  {
    const id = 'hinge_mixed';
    const r = rng(seedOf(id));
    const yp = logits(r, n * k, 2);
    const yt = labels01(r, n * k);
    yt[5] = 0.5; // not all 0/1: Keras leaves the labels alone
    lossCase({id, loss: 'hinge', n, k, yp, yt, fn: (t, p) => K.hinge(t, p), patched: true,
              note: 'a label not 0/1: no mapping'});
  }
}

function kldCases() {
  const n = 3, k = 4;
  {
    const id = 'kld_s1';
    const r = rng(seedOf(id));
    lossCase({id, loss: 'kl_divergence', n, k, yp: distributions(r, n, k),
              yt: distributions(r, n, k), fn: K.kld, patched: true,
              note: 'TF.js multiplies by the unclipped y_true'});
  }
  {
    const id = 'kld_extreme';
    const yp = [0.5, 0.5, 0, 0,
                1e-9, 0.2, 0.3, 0.5,
                0.25, 0.25, 0.25, 1.5];
    const yt = [0, 0.5, 0.5, 0,
                0.7, 0.1, 0.2, 0,
                1, 0, 0, 0];
    lossCase({id, loss: 'kl_divergence', n, k, yp, yt, fn: K.kld, patched: true,
              note: 'zeros clipped to eps on both sides; a prediction above 1'});
  }
}

// ---- the metric cases ------------------------------------------------------
// Each: two batches; the reference after each is the running
// (sample-weighted) value over everything seen, as Keras's stateful metrics.
function metricCase(c) {
  metricLines.push(`metric ${c.id} ${c.name} loss ${c.loss} size ${c.k} ` +
                   `ref ${c.patched ? 'patched' : 'tfjs'}${c.pr ? ' curve pr' : ''}`);
  if (c.note) metricLines.push(`# ${c.note}`);
  c.batches.forEach((b, i) => {
    metricLines.push(`batch ${b.n}`);
    metricLines.push('y_pred ' + b.yp.map(fmt32).join(' '));
    metricLines.push('y_true ' + b.yt.map(fmt32).join(' '));
    metricLines.push('after ' + fmt(c.after[i]));
  });
  metricLines.push('end');
}

// Mean metric wrapper: per-sample values from fn, accumulated.
function meanMetric(batches, fn, k, sparse) {
  let total = 0, count = 0;
  const after = [];
  for (const b of batches) {
    const yt = tf.tensor(b.yt.map(f32), sparse ? [b.n] : [b.n, k]);
    const yp = tf.tensor(b.yp.map(f32), [b.n, k]);
    const v = Array.from(fn(yt, yp).dataSync());
    if (v.length !== b.n) throw new Error('per-sample values expected');
    total += v.reduce((a, x) => a + x, 0);
    count += b.n;
    after.push(count ? total / count : 0);
  }
  return after;
}

// tf.math.in_top_k: fewer than k classes strictly greater.
function inTopK(row, target, k) {
  if (!(target > -1 && target < row.length)) return false;
  const c = Math.trunc(target);
  if (!Number.isFinite(row[c])) return false;
  return row.filter(v => v > row[c]).length < k;
}
function argmax(row) {
  let b = 0;
  for (let i = 1; i < row.length; i++) if (row[i] > row[b]) b = i;
  return b;
}

async function topKMetric(batches, k, topk, sparse) {
  let total = 0, count = 0;
  const after = [];
  for (const b of batches) {
    const yp = b.yp.map(f32);
    for (let s = 0; s < b.n; s++) {
      const row = yp.slice(s * k, s * k + k);
      const target = sparse ? b.yt[s] : argmax(b.yt.slice(s * k, s * k + k));
      const hit = inTopK(row, target, topk);
      // Cross-check with tf.inTopKAsync where no tie straddles the boundary.
      const c = Math.trunc(target);
      const inRange = target > -1 && target < k;
      const ties = inRange && row.filter(v => v === row[c]).length > 1;
      if (inRange && !ties) {
        const t = await tf.inTopKAsync(tf.tensor([row]), tf.tensor([c], [1], 'int32'), topk);
        if (Boolean(t.dataSync()[0]) !== hit) throw new Error('inTopK disagrees');
      }
      total += hit ? 1 : 0;
    }
    count += b.n;
    after.push(total / count);
  }
  return after;
}

// Precision and recall over flattened values, thresholded at 0.5.
function confusion(batches, which) {
  let tp = 0, fp = 0, fn = 0;
  const after = [];
  for (const b of batches) {
    const yp = b.yp.map(f32);
    yp.forEach((p, i) => {
      const pos = p > 0.5, lab = b.yt[i] !== 0;
      if (pos && lab) tp++;
      if (pos && !lab) fp++;
      if (!pos && lab) fn++;
    });
    // Cross-check one batch with TF.js on thresholded predictions.
    const thr = tf.tensor(yp.map(p => (p > 0.5 ? 1 : 0)));
    const lab = tf.tensor(b.yt.map(v => (v !== 0 ? 1 : 0)));
    const single = (which === 'precision' ? tf.metrics.precision : tf.metrics.recall)(lab, thr);
    let btp = 0, bden = 0;
    yp.forEach((p, i) => {
      const pos = p > 0.5, l = b.yt[i] !== 0;
      if (pos && l) btp++;
      if (which === 'precision' ? pos : l) bden++;
    });
    const mine = bden ? btp / bden : 0;
    if (Math.abs(single.dataSync()[0] - mine) > 1e-6) throw new Error(`${which} disagrees`);
    const den = which === 'precision' ? tp + fp : tp + fn;
    after.push(den ? tp / den : 0);
  }
  return after;
}

// Keras's AUC (ROC or PR, interpolation) with num_thresholds buckets.
function aucMetric(batches, T = 200, pr = false) {
  const tp = new Array(T).fill(0), fp = new Array(T).fill(0);
  let pos = 0, neg = 0;
  const after = [];
  for (const b of batches) {
    const yp = b.yp.map(f32);
    yp.forEach((p, i) => {
      const lab = b.yt[i] !== 0;
      if (lab) pos++;
      else neg++;
      const q = Math.min(Math.max(p, 0), 1);
      let bucket = Math.ceil(f32(q * (T - 1))) - 1; // float32 product, as Keras
      if (bucket < 0) bucket = 0;
      for (let t = 0; t <= bucket; t++) {
        if (lab) tp[t]++;
        else fp[t]++;
      }
    });
    const fn = tp.map(v => pos - v), tn = fp.map(v => neg - v);
    const div = (a, c) => (c === 0 ? 0 : a / c);
    let auc = 0;
    for (let i = 0; i + 1 < T; i++) {
      if (pr) {
        const pa = tp[i] + fp[i], pb = tp[i + 1] + fp[i + 1];
        const dtp = tp[i] - tp[i + 1];
        const slope = div(dtp, Math.max(pa - pb, 0));
        const intercept = tp[i + 1] - slope * pb;
        const ratio = pa > 0 && pb > 0 ? div(pa, Math.max(pb, 0)) : 1;
        auc += div(slope * (dtp + intercept * Math.log(ratio)), Math.max(tp[i + 1] + fn[i + 1], 0));
      } else {
        const tpr0 = div(tp[i], tp[i] + fn[i]), tpr1 = div(tp[i + 1], tp[i + 1] + fn[i + 1]);
        const fpr0 = div(fp[i], fp[i] + tn[i]), fpr1 = div(fp[i + 1], fp[i + 1] + tn[i + 1]);
        auc += (fpr0 - fpr1) * (tpr0 + tpr1) / 2;
      }
    }
    after.push(auc);
  }
  return after;
}

// The Mann-Whitney AUC (ties count one half): equal to Keras's ROC AUC when
// no positive and negative share a bucket.
function mannWhitney(batches) {
  const P = [], N = [];
  for (const b of batches) b.yp.forEach((p, i) => (b.yt[i] !== 0 ? P : N).push(f32(p)));
  let s = 0;
  for (const p of P) for (const q of N) s += p > q ? 1 : p === q ? 0.5 : 0;
  return s / (P.length * N.length);
}

function makeBatches(id, sizes, gen) {
  const r = rng(seedOf(id));
  return sizes.map(n => ({n, ...gen(r, n)}));
}

async function metricCases() {
  // binary accuracy, one output and three
  for (const k of [1, 3]) {
    const id = `binary_accuracy_k${k}`;
    const batches = makeBatches(id, [5, 3], (r, n) => {
      const yp = probs(r, n * k, 0, 1);
      const yt = labels01(r, n * k);
      return {yp, yt};
    });
    batches[0].yp[0] = 0.5; // not above the threshold
    batches[0].yt[0] = 0;
    batches[0].yt[1] = 0.9; // never equal to 0 or 1
    metricCase({id, name: 'binary_accuracy', loss: 'binary_crossentropy', k, batches,
                after: meanMetric(batches, tf.metrics.binaryAccuracy, k)});
  }
  {
    const k = 5, id = 'categorical_accuracy';
    const batches = makeBatches(id, [4, 6], (r, n) => ({
      yp: softmaxRows(logits(r, n * k), k), yt: oneHot(r, n, k).out}));
    // a tie: argmax takes the first
    batches[0].yp.splice(0, k, 0.3, 0.3, 0.2, 0.1, 0.1);
    batches[0].yt.splice(0, k, 0, 1, 0, 0, 0);
    metricCase({id, name: 'categorical_accuracy', loss: 'categorical_crossentropy', k, batches,
                after: meanMetric(batches, tf.metrics.categoricalAccuracy, k)});
  }
  {
    const k = 4, id = 'sparse_categorical_accuracy';
    const batches = makeBatches(id, [6, 4], (r, n) => ({
      yp: softmaxRows(logits(r, n * k), k), yt: oneHot(r, n, k).idx}));
    // a fractional label never equals float(argmax): Keras compares floats
    const row = batches[1].yp.slice(0, k).map(f32);
    batches[1].yt[0] = argmax(row) + 0.25;
    metricCase({id, name: 'sparse_categorical_accuracy', loss: 'sparse_categorical_crossentropy',
                k, batches, after: meanMetric(batches, tf.metrics.sparseCategoricalAccuracy, k,
                                              true)});
  }
  {
    const k = 8, id = 'top_k_categorical_accuracy';
    const batches = makeBatches(id, [5, 4], (r, n) => ({
      yp: softmaxRows(logits(r, n * k), k), yt: oneHot(r, n, k).out}));
    // ties straddling the top-5 boundary: the target counts as in
    batches[0].yp.splice(0, k, 0.3, 0.2, 0.1, 0.1, 0.05, 0.05, 0.05, 0.15);
    batches[0].yt.splice(0, k, 0, 0, 0, 0, 0, 0, 1, 0);
    batches[0].yp.splice(k, k, 0.3, 0.2, 0.1, 0.1, 0.1, 0.1, 0.05, 0.05);
    batches[0].yt.splice(k, k, 0, 0, 0, 0, 0, 0, 0, 1);
    metricCase({id, name: 'top_k_categorical_accuracy', loss: 'categorical_crossentropy', k,
                batches, after: await topKMetric(batches, k, 5, false), patched: true,
                note: 'in_top_k by hand (TF.js: not implemented); ties at the boundary count'});
  }
  {
    const k = 7, id = 'sparse_top_k_categorical_accuracy';
    const batches = makeBatches(id, [6, 5], (r, n) => ({
      yp: softmaxRows(logits(r, n * k), k), yt: oneHot(r, n, k).idx}));
    batches[0].yp.splice(0, k, 0.2, 0.2, 0.2, 0.1, 0.1, 0.1, 0.1);
    batches[0].yt[0] = 6;
    batches[1].yt[0] = 7;    // out of range: not in the top k
    batches[1].yt[1] = 2.7;  // cast to int32: class 2
    metricCase({id, name: 'sparse_top_k_categorical_accuracy',
                loss: 'sparse_categorical_crossentropy', k, batches,
                after: await topKMetric(batches, k, 5, true), patched: true,
                note: 'in_top_k by hand; labels out of range and fractional'});
  }
  for (const [name, fn] of [['mae', tf.metrics.meanAbsoluteError],
                            ['mse', tf.metrics.meanSquaredError]]) {
    const k = 3, id = `${name}_metric`;
    const batches = makeBatches(id, [4, 2], (r, n) => ({yp: logits(r, n * k, 2),
                                                        yt: logits(r, n * k, 2)}));
    metricCase({id, name, loss: 'mean_squared_error', k, batches,
                after: meanMetric(batches, fn, k)});
  }
  for (const name of ['precision', 'recall']) {
    const k = 2, id = `${name}_metric`;
    const batches = makeBatches(id, [6, 5], (r, n) => ({yp: probs(r, n * k, 0, 1),
                                                        yt: labels01(r, n * k)}));
    batches[0].yp[0] = 0.5;  // not above the threshold
    batches[1].yt[0] = 2;    // nonzero: a positive label
    metricCase({id, name, loss: 'binary_crossentropy', k, batches,
                after: confusion(batches, name), patched: true,
                note: 'thresholded at 0.5 by hand (TF.js expects 0/1 predictions)'});
  }
  {
    const id = 'auc_distinct';
    // predictions in distinct buckets: Keras's AUC is the Mann-Whitney AUC
    const r = rng(seedOf(id));
    const all = Array.from({length: 199}, (_, i) => i);
    for (let i = all.length - 1; i > 0; i--) { // Fisher-Yates
      const j = Math.floor(r() * (i + 1));
      [all[i], all[j]] = [all[j], all[i]];
    }
    const buckets = all.slice(0, 40);
    const values = buckets.map(b => (b + 0.5) / 199);
    const batches = [{n: 24, yp: values.slice(0, 24), yt: labels01(r, 24)},
                     {n: 16, yp: values.slice(24), yt: labels01(r, 16)}];
    const after = aucMetric(batches);
    const mw = mannWhitney(batches);
    if (Math.abs(after[1] - mw) > 1e-12) throw new Error(`AUC ${after[1]} vs Mann-Whitney ${mw}`);
    metricCase({id, name: 'auc', loss: 'binary_crossentropy', k: 1, batches, after,
                patched: true, note: `Keras's AUC by hand; equals the Mann-Whitney AUC ${mw}`});
  }
  {
    const k = 2, id = 'auc_ties';
    // shared buckets, exact bucket boundaries, 0, 1, out of [0, 1]
    const batches = makeBatches(id, [10, 8], (r, n) => ({yp: probs(r, n * k, 0, 1),
                                                         yt: labels01(r, n * k)}));
    const special = [0, 1, 0.5, 1 / 199, 100 / 199, -0.5, 1.5, 0.3, 0.3, 0.30001];
    special.forEach((v, i) => { batches[0].yp[i] = v; });
    batches[0].yt.splice(0, special.length, 1, 0, 1, 0, 1, 1, 0, 1, 0, 1);
    metricCase({id, name: 'auc', loss: 'binary_crossentropy', k, batches,
                after: aucMetric(batches), patched: true,
                note: 'Keras\'s AUC by hand: ties in buckets, boundaries, clipping'});
    metricCase({id: 'auc_pr', name: 'auc', loss: 'binary_crossentropy', k, batches, pr: true,
                after: aucMetric(batches, 200, true), patched: true,
                note: 'curve PR (pr_curve = 1): interpolate_pr_auc by hand'});
  }
  // "accuracy" resolved from the loss and the output size
  {
    const k = 1, id = 'accuracy_binary';
    const batches = makeBatches(id, [5, 4], (r, n) => ({yp: probs(r, n, 0, 1),
                                                        yt: labels01(r, n)}));
    metricCase({id, name: 'accuracy', loss: 'binary_crossentropy', k, batches,
                after: meanMetric(batches, tf.metrics.binaryAccuracy, k)});
  }
  {
    const k = 4, id = 'acc_sparse';
    const batches = makeBatches(id, [5, 4], (r, n) => ({yp: softmaxRows(logits(r, n * k), k),
                                                        yt: oneHot(r, n, k).idx}));
    metricCase({id, name: 'acc', loss: 'sparse_categorical_crossentropy', k, batches,
                after: meanMetric(batches, tf.metrics.sparseCategoricalAccuracy, k, true)});
  }
  {
    const k = 4, id = 'accuracy_categorical';
    const batches = makeBatches(id, [5, 4], (r, n) => ({yp: softmaxRows(logits(r, n * k), k),
                                                        yt: oneHot(r, n, k).out}));
    metricCase({id, name: 'accuracy', loss: 'categorical_crossentropy', k, batches,
                after: meanMetric(batches, tf.metrics.categoricalAccuracy, k)});
  }
  {
    const k = 3, id = 'accuracy_multilabel';
    const batches = makeBatches(id, [5, 4], (r, n) => ({yp: probs(r, n * k, 0, 1),
                                                        yt: labels01(r, n * k)}));
    metricCase({id, name: 'accuracy', loss: 'binary_crossentropy', k, batches,
                after: meanMetric(batches, tf.metrics.categoricalAccuracy, k), patched: true,
                note: 'tf.keras 2 compile_utils: categorical_accuracy (TF.js: binary_accuracy)'});
  }
}

async function main() {
  fs.mkdirSync(OUT, {recursive: true});
  bceCases();
  cceCases();
  scceCases();
  regressionCases();
  hingeCases();
  kldCases();
  await metricCases();
  const head = '# Generated by tests/losses/gen.js with TensorFlow.js ' + tf.version.tfjs +
               '; see README.md.\n';
  fs.writeFileSync(path.join(OUT, 'losses.txt'), head + lossLines.join('\n') + '\n');
  fs.writeFileSync(path.join(OUT, 'metrics.txt'), head + metricLines.join('\n') + '\n');
  const nl = lossLines.filter(l => l.startsWith('case ')).length;
  const nm = metricLines.filter(l => l.startsWith('metric ')).length;
  process.stdout.write(`wrote ${nl} loss cases and ${nm} metric cases to ${OUT}\n`);
}

main().catch(e => {
  process.stderr.write(`${e.stack || e}\n`);
  process.exit(1);
});
