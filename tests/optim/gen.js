#!/usr/bin/env node
// gen.js - writes the reference cases of kcc's optimizer tests.
//
//   (cd tools/tfjs && npm ci) && node tests/optim/gen.js
//
// Each optimizer case is a small parameter set (a 3x4 kernel, a
// non-trainable variable of 3 and a bias of 4, in that order in one array)
// from a seeded initial state, updated for 5 steps by seeded gradients that
// mix large (tens), ordinary and tiny (1e-5 .. 1e-8) magnitudes, so that
// where epsilon sits in a formula shows.  cases/<name>.txt records the
// configuration, the variables, the initial parameters, and for each step
// the gradients and the parameters after it.  cases/schedule_<name>.txt
// records a learning rate schedule's value at a list of steps.  cases.cmake
// is the list CMake turns into tests.
//
// The reference of a case is one of
//   tfjs           TensorFlow.js 4.22's optimizer (tf.train.*), where it
//                  computes what Python Keras computes; clipping, which
//                  TF.js lacks, is applied to the gradients by hand first;
//   keras-formula  Python Keras's update rule computed here by hand in
//                  float32 (Math.fround after every operation, in Keras's
//                  order), where TF.js deviates from Keras or lacks the
//                  optimizer or option.
// The rules are Keras 3's (keras/src/optimizers/*.py), which tf.keras
// 2.11 .. 2.15 share; see runtime/optim.c for the few differences between
// Keras versions.  For every tfjs case the by-hand formula is computed too
// and must agree with TF.js (that checks the by-hand code); for every
// keras-formula case whose optimizer TF.js has, TF.js's result is computed
// too and the case's note says by how much TF.js deviates (and, where the
// deviation is epsilon's placement, that TF.js agrees with the by-hand rule
// on the elements whose gradients are too large for epsilon to matter).
//
// TF.js deviations patched here (Python Keras wins):
//   Adam      TF.js divides the bias-corrected moments: m^/(sqrt(v^) + eps);
//             Keras: lr * sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps),
//             i.e. its epsilon is not scaled by sqrt(1 - b2^t).
//   Adadelta  TF.js divides by the previous E[g^2]; Keras by the updated one.
//   RMSprop   centered: TF.js takes sqrt(ms - mg^2 - eps); Keras
//             sqrt(ms - mg^2 + eps) (TF.js gives NaN for tiny gradients).
//   Adagrad   TF.js's epsilon is fixed at 1e-7: other epsilons by hand.
//   SGD       with momentum, TF.js accumulates gradients (a = m*a + g,
//             w -= lr*a); Keras accumulates steps (m = mom*m - lr*g,
//             w += m).  Equal while lr is constant; once the learning rate
//             changes (a schedule, set_learning_rate) they differ: by hand.
//   defaults  TF.js's string optimizers have other defaults ('adadelta':
//             lr 1, 'adagrad': lr 0.01, 'adamax': lr 0.002): every TF.js
//             optimizer here is built with Keras's values explicitly.
//   missing   AdamW, Nadam, amsgrad, clipnorm/clipvalue/global_clipnorm,
//             weight decay and learning rate schedules: by hand.
'use strict';
const fs = require('fs');
const path = require('path');

const {tf, rng, seedOf} = require('../tfjs.js');

const OUT = path.join(__dirname, 'cases');
const STEPS = 5;
const f = Math.fround;

// ---- the parameters ---------------------------------------------------------
const DEFS = [
  {name: 'dense/kernel', shape: [3, 4], offset: 0, size: 12, trainable: 1, init: 0.8},
  {name: 'batch_normalization/moving_mean', shape: [3], offset: 12, size: 3, trainable: 0, init: 1},
  {name: 'dense/bias', shape: [4], offset: 15, size: 4, trainable: 1, init: 0.2},
];
const N = 19;
// Gradient magnitudes by element, the same at every step so that an
// element's moments stay at its scale: tiny ones expose epsilon placement.
const SCALES = [1, 1e-6, 30, 2e-5, 0.2, 1e-8, 4, 3e-4, 0, 0.05];

function makeData(c) {
  const rand = rng(seedOf(c.name));
  const p0 = new Float32Array(N);
  for (const d of DEFS)
    for (let k = 0; k < d.size; k++) p0[d.offset + k] = f((rand() * 2 - 1) * d.init);
  const grads = [];
  let e = 0;
  const scaleOf = [];
  for (const d of DEFS) {
    for (let k = 0; k < d.size; k++) {
      scaleOf[d.offset + k] = d.trainable ? SCALES[e++ % SCALES.length] : 1000;
      if (d.trainable && c.gradScale && c.gradScale[d.name] !== undefined)
        scaleOf[d.offset + k] *= c.gradScale[d.name];
    }
  }
  for (let s = 0; s < STEPS; s++) {
    const g = new Float32Array(N);
    const stepScale = c.stepScale ? c.stepScale[s] : 1;
    for (let i = 0; i < N; i++) {
      const sign = rand() < 0.5 ? -1 : 1;
      g[i] = f(sign * scaleOf[i] * stepScale * (0.5 + rand()));
    }
    grads.push(g);
  }
  return {p0, grads};
}

// ---- Keras's defaults and configuration -------------------------------------
// keras/src/optimizers/*.py constructor defaults (tf.keras 2.11+ agrees).
const KERAS_DEFAULTS = {
  sgd: {learning_rate: 0.01, momentum: 0, nesterov: 0},
  adam: {learning_rate: 0.001, beta_1: 0.9, beta_2: 0.999, epsilon: 1e-7, amsgrad: 0},
  adamw: {learning_rate: 0.001, weight_decay: 0.004, beta_1: 0.9, beta_2: 0.999, epsilon: 1e-7, amsgrad: 0},
  rmsprop: {learning_rate: 0.001, rho: 0.9, momentum: 0, epsilon: 1e-7, centered: 0},
  adagrad: {learning_rate: 0.001, initial_accumulator_value: 0.1, epsilon: 1e-7},
  adadelta: {learning_rate: 0.001, rho: 0.95, epsilon: 1e-7},
  adamax: {learning_rate: 0.001, beta_1: 0.9, beta_2: 0.999, epsilon: 1e-7},
  nadam: {learning_rate: 0.001, beta_1: 0.9, beta_2: 0.999, epsilon: 1e-7},
};

function fullConfig(c) {
  const kind = c.optimizer.toLowerCase();
  const cfg = {kind, weight_decay: 0, clipnorm: 0, clipvalue: 0, global_clipnorm: 0,
               ...KERAS_DEFAULTS[kind], ...(c.set || {})};
  cfg.schedule = c.schedule || {kind: 'constant', initial_learning_rate: cfg.learning_rate};
  return cfg;
}

// ---- learning rate schedules (keras/src/optimizers/schedules) ----------------
// In double precision: kcc evaluates schedules in double (Keras in float32,
// a few float32 ulps away from both).
function scheduleValue(s, step) {
  switch (s.kind) {
    case 'constant':
      return s.initial_learning_rate;
    case 'exponential': {
      let p = step / s.decay_steps;
      if (s.staircase) p = Math.floor(p);
      return s.initial_learning_rate * Math.pow(s.decay_rate, p);
    }
    case 'piecewise': {
      // Keras casts the boundaries to the (integer) step's type.
      const b = s.boundaries.map(Math.trunc), v = s.values;
      if (step <= b[0]) return v[0];
      for (let i = 1; i < b.length; i++) if (step > b[i - 1] && step <= b[i]) return v[i];
      return v[b.length];
    }
    case 'inverse_time': {
      let p = step / s.decay_steps;
      if (s.staircase) p = Math.floor(p);
      return s.initial_learning_rate / (1 + s.decay_rate * p);
    }
    case 'cosine': {
      const fraction = Math.min(step, s.decay_steps) / s.decay_steps;
      const cosine = 0.5 * (1 + Math.cos(Math.PI * fraction));
      return s.initial_learning_rate * ((1 - s.alpha) * cosine + s.alpha);
    }
  }
  throw new Error(`unknown schedule ${s.kind}`);
}

// ---- Keras's rules, by hand, in float32 --------------------------------------
// Each line mirrors an expression of keras/src/optimizers/<name>.py; f()
// rounds every operation to float32 as Keras's float32 tensors do.  Python
// floats in an expression (1 - self.beta_1) are computed in double and
// rounded when they meet a tensor; ops.cast(self.beta_1, dtype) rounds first.
function trainableRanges() {
  return DEFS.filter(d => d.trainable).map(d => [d.offset, d.offset + d.size]);
}

// BaseOptimizer._clip_gradients: clipnorm, elif global_clipnorm, elif clipvalue.
function clipGradients(cfg, g) {
  const ranges = trainableRanges();
  if (cfg.clipnorm > 0) {
    const cn = f(cfg.clipnorm);
    for (const [b, e] of ranges) {
      let sum = 0;
      for (let i = b; i < e; i++) sum += g[i] * g[i];
      const l2sum = f(sum);
      const l2norm = l2sum > 0 ? f(Math.sqrt(l2sum)) : l2sum;
      const denom = Math.max(l2norm, cn);
      for (let i = b; i < e; i++) g[i] = f(f(g[i] * cn) / denom);
    }
  } else if (cfg.global_clipnorm > 0) {
    let sum = 0;
    for (const [b, e] of ranges) {
      let part = 0;
      for (let i = b; i < e; i++) part += g[i] * g[i];
      sum += f(part);
    }
    const norm = f(Math.sqrt(f(sum)));
    const scale = f(f(cfg.global_clipnorm) * Math.min(f(1 / norm), f(1 / cfg.global_clipnorm)));
    for (const [b, e] of ranges) for (let i = b; i < e; i++) g[i] = f(g[i] * scale);
  } else if (cfg.clipvalue > 0) {
    const v = f(cfg.clipvalue);
    for (const [b, e] of ranges) for (let i = b; i < e; i++) g[i] = Math.min(v, Math.max(-v, g[i]));
  }
}

function kerasRun(cfg, p0, grads, setLr) {
  const w = Float32Array.from(p0);
  const s0 = new Float32Array(N), s1 = new Float32Array(N), s2 = new Float32Array(N);
  if (cfg.kind === 'adagrad')
    for (const [b, e] of trainableRanges()) for (let i = b; i < e; i++) s0[i] = f(cfg.initial_accumulator_value);
  let iterations = 0, lrFixed = null, uProduct = f(1);
  const out = [], clipped = [];
  for (let step = 0; step < grads.length; step++) {
    if (setLr && setLr.step === step + 1) lrFixed = setLr.lr;
    const lr = f(lrFixed !== null ? lrFixed : scheduleValue(cfg.schedule, iterations));
    const g = Float32Array.from(grads[step]);
    clipGradients(cfg, g);
    clipped.push(Float32Array.from(g));
    const ranges = trainableRanges();
    if (cfg.weight_decay) { // _apply_weight_decay: variable - variable * wd * lr
      const wd = f(cfg.weight_decay);
      for (const [b, e] of ranges) for (let i = b; i < e; i++) w[i] = f(w[i] - f(f(w[i] * wd) * lr));
    }
    const t = f(iterations + 1); // local_step
    const eps = f(cfg.epsilon);
    const b1 = f(cfg.beta_1), b2 = f(cfg.beta_2);
    const omb1 = f(1 - cfg.beta_1), omb2 = f(1 - cfg.beta_2);
    const rho = f(cfg.rho), omrho = f(1 - cfg.rho);
    const pw = (a, b) => f(Math.pow(a, b));
    const sq = a => f(Math.sqrt(a));
    if (cfg.kind === 'nadam') // Nadam._backend_update_step, once per step
      uProduct = f(f(uProduct * b1) * f(1 - f(0.5 * pw(f(0.96), t))));
    for (const [b, e] of ranges) {
      for (let i = b; i < e; i++) {
        const gi = g[i];
        switch (cfg.kind) {
          case 'sgd': {
            if (cfg.momentum !== 0) {
              const mom = f(cfg.momentum);
              s0[i] = f(f(s0[i] * mom) - f(gi * lr));
              if (cfg.nesterov) w[i] = f(w[i] + f(f(s0[i] * mom) - f(gi * lr)));
              else w[i] = f(w[i] + s0[i]);
            } else {
              w[i] = f(w[i] - f(gi * lr));
            }
            break;
          }
          case 'adam':
          case 'adamw': {
            const alpha = f(f(lr * sq(f(1 - pw(b2, t)))) / f(1 - pw(b1, t)));
            s0[i] = f(s0[i] + f(f(gi - s0[i]) * omb1));
            s1[i] = f(s1[i] + f(f(f(gi * gi) - s1[i]) * omb2));
            let v = s1[i];
            if (cfg.amsgrad) {
              s2[i] = Math.max(s2[i], v);
              v = s2[i];
            }
            w[i] = f(w[i] - f(f(s0[i] * alpha) / f(sq(v) + eps)));
            break;
          }
          case 'rmsprop': {
            s0[i] = f(f(rho * s0[i]) + f(omrho * f(gi * gi)));
            let denom;
            if (cfg.centered) {
              s2[i] = f(f(rho * s2[i]) + f(omrho * gi));
              denom = f(f(s0[i] - f(s2[i] * s2[i])) + eps);
            } else {
              denom = f(s0[i] + eps);
            }
            const increment = f(f(lr * gi) / sq(denom));
            if (cfg.momentum > 0) {
              s1[i] = f(f(f(cfg.momentum) * s1[i]) + increment);
              w[i] = f(w[i] - s1[i]);
            } else {
              w[i] = f(w[i] - increment);
            }
            break;
          }
          case 'adagrad': {
            s0[i] = f(s0[i] + f(gi * gi));
            w[i] = f(w[i] - f(f(lr * gi) / sq(f(s0[i] + eps))));
            break;
          }
          case 'adadelta': {
            s0[i] = f(f(rho * s0[i]) + f(omrho * f(gi * gi)));
            const delta = -f(f(sq(f(s1[i] + eps)) * gi) / sq(f(s0[i] + eps)));
            s1[i] = f(f(rho * s1[i]) + f(omrho * f(delta * delta)));
            w[i] = f(w[i] + f(lr * delta));
            break;
          }
          case 'adamax': {
            s0[i] = f(s0[i] + f(f(gi - s0[i]) * omb1));
            s1[i] = Math.max(f(f(cfg.beta_2) * s1[i]), Math.abs(gi));
            w[i] = f(w[i] - f(f(lr * s0[i]) / f(f(1 - pw(b1, t)) * f(s1[i] + eps))));
            break;
          }
          case 'nadam': {
            const decay = f(0.96);
            const uT = f(b1 * f(1 - f(0.5 * pw(decay, t))));
            const uT1 = f(b1 * f(1 - f(0.5 * pw(decay, f(iterations + 2)))));
            const uProductT1 = f(uProduct * uT1);
            const b2Power = pw(b2, t);
            s0[i] = f(s0[i] + f(f(gi - s0[i]) * f(1 - b1)));
            s1[i] = f(s1[i] + f(f(f(gi * gi) - s1[i]) * f(1 - b2)));
            const mHat = f(f(f(uT1 * s0[i]) / f(1 - uProductT1)) + f(f(f(1 - uT) * gi) / f(1 - uProduct)));
            const vHat = f(s1[i] / f(1 - b2Power));
            w[i] = f(w[i] - f(f(mHat * lr) / f(sq(vHat) + eps)));
            break;
          }
          default:
            throw new Error(`no rule for ${cfg.kind}`);
        }
      }
    }
    iterations++;
    out.push(Float32Array.from(w));
  }
  return {params: out, clipped};
}

// ---- TF.js ---------------------------------------------------------------------
let uid = 0;
function tfjsRun(makeOpt, p0, grads) {
  const id = uid++;
  const vars = DEFS.filter(d => d.trainable).map(d => ({
    d, v: tf.variable(tf.tensor(p0.slice(d.offset, d.offset + d.size), d.shape), true, `v${id}_${d.name}`)}));
  const opt = makeOpt();
  const out = [];
  for (const g of grads) {
    tf.tidy(() => opt.applyGradients(vars.map(({d, v}) => (
      {name: v.name, tensor: tf.tensor(g.slice(d.offset, d.offset + d.size), d.shape)}))));
    const w = Float32Array.from(p0);
    for (const {d, v} of vars) w.set(v.dataSync(), d.offset);
    out.push(w);
  }
  opt.dispose();
  for (const {v} of vars) v.dispose();
  return out;
}

// Largest |a - b| / max(1, |b|) over all steps and elements (NaN: Infinity).
function maxDiff(a, b, n = N) {
  let m = 0;
  for (let s = 0; s < a.length; s++) {
    for (let i = 0; i < n; i++) {
      const d = Math.abs(a[s][i] - b[s][i]) / Math.max(1, Math.abs(b[s][i]));
      m = Math.max(m, Number.isNaN(d) ? Infinity : d);
    }
  }
  return m;
}

// The test's tolerance (test_optim.c): what agreeing formulas must meet and
// what a deviation must exceed for the case to catch it.
const TOL = 1e-6;

// ---- the cases -------------------------------------------------------------------
// name, optimizer (the name kcc_optimizer_from_name gets), set (fields
// changed from Keras's defaults), schedule, setLr ({step, lr}: set before
// that step), gradScale / stepScale (gradient magnitudes), and either
// tfjs (the TF.js optimizer that computes Keras's rule) or, for a
// keras-formula case, tfjsDeviant (TF.js's own, for the note) and note.
const cases = [];
const add = c => cases.push(c);

add({name: 'sgd_default', optimizer: 'sgd', tfjs: () => tf.train.sgd(0.01)});
add({name: 'sgd_momentum', optimizer: 'SGD', set: {learning_rate: 0.05, momentum: 0.9},
     tfjs: () => tf.train.momentum(0.05, 0.9, false)});
add({name: 'sgd_nesterov', optimizer: 'SGD', set: {learning_rate: 0.05, momentum: 0.9, nesterov: 1},
     tfjs: () => tf.train.momentum(0.05, 0.9, true)});
add({name: 'sgd_momentum_exponential', optimizer: 'sgd', set: {momentum: 0.5},
     schedule: {kind: 'exponential', initial_learning_rate: 0.1, decay_steps: 2, decay_rate: 0.5, staircase: 0},
     note: 'TF.js has no schedules, and its momentum accumulates gradients, not lr*gradient: by hand'});
add({name: 'sgd_set_learning_rate', optimizer: 'sgd', set: {learning_rate: 0.05, momentum: 0.9},
     setLr: {step: 3, lr: 0.01},
     note: 'set_learning_rate(0.01) before step 3; TF.js momentum rescales the whole accumulated ' +
           'momentum when lr changes (Keras keeps lr*gradient in it): by hand',
     tfjsDeviant: () => tf.train.momentum(0.05, 0.9, false), deviantSetLr: true});
add({name: 'sgd_clipnorm', optimizer: 'sgd', set: {clipnorm: 5}, gradScale: {'dense/bias': 0.02},
     unclipped: 'dense/bias',
     note: 'clipnorm 5: the kernel (norm ~40) is clipped, the bias (norm < 5) is not; TF.js has no ' +
           'clipping: gradients clipped by hand, then TF.js SGD',
     tfjs: () => tf.train.sgd(0.01)});
add({name: 'sgd_clipvalue', optimizer: 'sgd', set: {learning_rate: 0.1, clipvalue: 0.5},
     note: 'clipvalue 0.5: gradients clipped by hand, then TF.js SGD',
     tfjs: () => tf.train.sgd(0.1)});
add({name: 'sgd_global_clipnorm', optimizer: 'sgd', set: {learning_rate: 0.1, global_clipnorm: 2},
     note: 'global_clipnorm 2 over the trainable variables only (the non-trainable one has gradients ' +
           'of ~1000): clipped by hand, then TF.js SGD',
     tfjs: () => tf.train.sgd(0.1)});

add({name: 'adam_default', agreeWhereLarge: 0.1, optimizer: 'adam',
     note: "TF.js Adam's epsilon is not scaled by sqrt(1 - beta_2^t): Keras's formula by hand",
     tfjsDeviant: () => tf.train.adam(0.001, 0.9, 0.999, 1e-7)});
add({name: 'adam_custom', agreeWhereLarge: 2, optimizer: 'Adam',
     set: {learning_rate: 0.01, beta_1: 0.8, beta_2: 0.99, epsilon: 1e-5},
     note: "TF.js Adam's epsilon is not scaled by sqrt(1 - beta_2^t): Keras's formula by hand",
     tfjsDeviant: () => tf.train.adam(0.01, 0.8, 0.99, 1e-5)});
add({name: 'adam_amsgrad', optimizer: 'Adam', set: {learning_rate: 0.01, amsgrad: 1},
     stepScale: [4, 1, 0.25, 2, 0.1],
     note: 'TF.js has no amsgrad: by hand (gradients shrink and grow so that v_hat keeps old maxima)'});
add({name: 'adam_clipnorm', optimizer: 'Adam', set: {clipnorm: 1},
     note: 'TF.js has neither clipnorm nor Keras Adam: by hand'});
add({name: 'adam_piecewise', optimizer: 'adam',
     schedule: {kind: 'piecewise', boundaries: [1, 3], values: [0.01, 0.005, 0.001]},
     note: 'PiecewiseConstantDecay at iterations 0..4 (step <= 1: 0.01, <= 3: 0.005, then 0.001): by hand'});
add({name: 'adamw_default', optimizer: 'adamw',
     note: 'TF.js has no AdamW: by hand (decoupled decay w -= w*0.004*lr, then Adam)'});
add({name: 'adamw_custom', optimizer: 'AdamW',
     set: {learning_rate: 0.01, weight_decay: 0.1, amsgrad: 1},
     note: 'TF.js has no AdamW: by hand'});

add({name: 'rmsprop_default', optimizer: 'rmsprop', tfjs: () => tf.train.rmsprop(0.001, 0.9, 0, 1e-7, false)});
add({name: 'rmsprop_momentum', optimizer: 'RMSprop', set: {learning_rate: 0.01, momentum: 0.9},
     tfjs: () => tf.train.rmsprop(0.01, 0.9, 0.9, 1e-7, false)});
add({name: 'rmsprop_centered', agreeWhereLarge: 2, optimizer: 'RMSprop', set: {learning_rate: 0.01, momentum: 0.5, centered: 1},
     note: 'TF.js centered RMSprop takes sqrt(ms - mg^2 - eps), Keras sqrt(ms - mg^2 + eps): by hand',
     tfjsDeviant: () => tf.train.rmsprop(0.01, 0.9, 0.5, 1e-7, true)});
add({name: 'rmsprop_centered_plain', agreeWhereLarge: 2, optimizer: 'rmsprop', set: {centered: 1, rho: 0.8, epsilon: 1e-6},
     note: 'TF.js centered RMSprop takes sqrt(ms - mg^2 - eps), Keras sqrt(ms - mg^2 + eps): by hand',
     tfjsDeviant: () => tf.train.rmsprop(0.001, 0.8, 0, 1e-6, true)});
add({name: 'rmsprop_cosine', optimizer: 'rmsprop',
     schedule: {kind: 'cosine', initial_learning_rate: 0.01, decay_steps: 3, alpha: 0.1},
     note: 'CosineDecay(0.01, 3, alpha 0.1), clamped from iteration 3 on: by hand'});
add({name: 'rmsprop_inverse_time', optimizer: 'rmsprop', set: {momentum: 0.5},
     schedule: {kind: 'inverse_time', initial_learning_rate: 0.01, decay_steps: 2, decay_rate: 1, staircase: 1},
     note: 'InverseTimeDecay(0.01, 2, 1, staircase): by hand'});

add({name: 'adagrad_default', optimizer: 'adagrad', tfjs: () => tf.train.adagrad(0.001, 0.1)});
add({name: 'adagrad_zero_initial', optimizer: 'Adagrad',
     set: {learning_rate: 0.01, initial_accumulator_value: 0},
     note: 'initial accumulator 0: sqrt(acc + eps) and the legacy sqrt(acc) + eps differ for tiny gradients',
     tfjs: () => tf.train.adagrad(0.01, 0)});
add({name: 'adagrad_epsilon', optimizer: 'adagrad',
     set: {learning_rate: 0.05, initial_accumulator_value: 0.01, epsilon: 1e-3},
     note: "TF.js's Adagrad epsilon is fixed at 1e-7: Keras's formula by hand"});

add({name: 'adadelta_default', optimizer: 'adadelta',
     note: 'TF.js Adadelta divides by the previous E[g^2] (Keras: the updated one), and its ' +
           "'adadelta' means lr 1 (Keras: 0.001): by hand",
     tfjsDeviant: () => tf.train.adadelta(0.001, 0.95, 1e-7)});
add({name: 'adadelta_custom', optimizer: 'Adadelta', set: {learning_rate: 1, rho: 0.9, epsilon: 1e-6},
     note: 'TF.js Adadelta divides by the previous E[g^2], Keras by the updated one: by hand',
     tfjsDeviant: () => tf.train.adadelta(1, 0.9, 1e-6)});

add({name: 'adamax_default', optimizer: 'adamax', tfjs: () => tf.train.adamax(0.001, 0.9, 0.999, 1e-7, 0)});
add({name: 'adamax_custom', optimizer: 'Adamax',
     set: {learning_rate: 0.02, beta_1: 0.7, beta_2: 0.9, epsilon: 1e-4},
     tfjs: () => tf.train.adamax(0.02, 0.7, 0.9, 1e-4, 0)});
add({name: 'adamax_global_clipnorm', optimizer: 'adamax', set: {learning_rate: 0.01, global_clipnorm: 1},
     note: 'global_clipnorm 1: clipped by hand, then TF.js Adamax',
     tfjs: () => tf.train.adamax(0.01, 0.9, 0.999, 1e-7, 0)});

add({name: 'nadam_default', optimizer: 'nadam', note: 'TF.js has no Nadam: by hand'});
add({name: 'nadam_custom', optimizer: 'Nadam',
     set: {learning_rate: 0.01, beta_1: 0.8, beta_2: 0.99, epsilon: 1e-6},
     note: 'TF.js has no Nadam: by hand'});

// Schedules alone, at these steps.
const schedules = [
  {name: 'exponential', kind: 'exponential', initial_learning_rate: 0.1, decay_steps: 10, decay_rate: 0.5, staircase: 0},
  {name: 'exponential_staircase', kind: 'exponential', initial_learning_rate: 0.1, decay_steps: 10, decay_rate: 0.5, staircase: 1},
  {name: 'exponential_growth', kind: 'exponential', initial_learning_rate: 1e-4, decay_steps: 30000, decay_rate: 1.5, staircase: 0},
  {name: 'piecewise', kind: 'piecewise', boundaries: [3, 7, 10], values: [1.0, 0.5, 0.1, 0.01]},
  {name: 'piecewise_one', kind: 'piecewise', boundaries: [0], values: [0.3, 0.2]},
  {name: 'piecewise_fractional', kind: 'piecewise', boundaries: [2.5, 4.9], values: [3, 2, 1]},
  {name: 'inverse_time', kind: 'inverse_time', initial_learning_rate: 0.1, decay_steps: 5, decay_rate: 0.5, staircase: 0},
  {name: 'inverse_time_staircase', kind: 'inverse_time', initial_learning_rate: 0.1, decay_steps: 5, decay_rate: 0.5, staircase: 1},
  {name: 'cosine', kind: 'cosine', initial_learning_rate: 0.1, decay_steps: 20, alpha: 0},
  {name: 'cosine_alpha', kind: 'cosine', initial_learning_rate: 0.05, decay_steps: 7, alpha: 0.2},
];
const SCHEDULE_STEPS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 14, 15, 19, 20, 21, 30, 99, 100, 1000, 123456];

// ---- writing -----------------------------------------------------------------------
// Shortest-looking decimal that reads back exactly: 9 significant digits
// for a float32, 17 for a double; trailing zeros of the mantissa dropped.
function decimal(v, digits) {
  if (!Number.isFinite(v)) throw new Error(`non-finite value ${v}`);
  const [mant, exp] = v.toPrecision(digits).split('e');
  const m = mant.includes('.') ? mant.replace(/\.?0+$/, '') : mant;
  return exp === undefined ? m : `${m}e${exp}`;
}
function exact(s, v, round) {
  if (round(Number(s)) !== round(v)) throw new Error(`${s} does not read back as ${v}`);
  return s;
}
const f32 = v => exact(decimal(f(v), 9), v, f);
const f64 = v => exact(decimal(v, 17), v, x => x);

function scheduleLines(s) {
  const l = [`schedule ${s.kind}`];
  for (const k of ['initial_learning_rate', 'decay_steps', 'decay_rate', 'staircase', 'alpha'])
    if (s[k] !== undefined) l.push(`${k} ${s[k]}`);
  if (s.boundaries) l.push(`boundaries ${s.boundaries.join(' ')}`, `values ${s.values.join(' ')}`);
  return l;
}

function writeCase(c) {
  const cfg = fullConfig(c);
  const {p0, grads} = makeData(c);
  const keras = kerasRun(cfg, p0, grads, c.setLr);
  // A clipping case must clip at every step (and leave alone what it says).
  if (cfg.clipnorm || cfg.clipvalue || cfg.global_clipnorm) {
    for (let s = 0; s < STEPS; s++) {
      for (const d of DEFS.filter(d => d.trainable)) {
        let changed = false;
        for (let i = d.offset; i < d.offset + d.size; i++) // beyond the rounding of g * c / c
          changed ||= Math.abs(keras.clipped[s][i] - grads[s][i]) > 1e-6 * Math.abs(grads[s][i]);
        if (changed === (c.unclipped === d.name))
          throw new Error(`${c.name}: step ${s + 1}: ${d.name} ${changed ? 'clipped' : 'not clipped'}`);
      }
    }
  }
  const notes = [];
  let reference, expected;
  if (c.tfjs) {
    const tfjs = tfjsRun(c.tfjs, p0, keras.clipped);
    const d = maxDiff(keras.params, tfjs);
    if (!(d <= TOL / 2)) throw new Error(`${c.name}: the by-hand Keras rule and TF.js differ by ${d}`);
    reference = 'tfjs';
    expected = tfjs;
    notes.push(`reference: TF.js ${tf.version.tfjs}; the by-hand Keras rule agrees within ${d.toExponential(2)}`);
  } else {
    reference = 'keras-formula';
    expected = keras.params;
    if (c.tfjsDeviant) {
      let tfjs;
      if (c.deviantSetLr) {
        // TF.js with the same learning rate change, for the note.
        tfjs = tfjsRun(() => {
          const o = c.tfjsDeviant();
          const apply = o.applyGradients.bind(o);
          let k = 0;
          o.applyGradients = g => { if (++k === c.setLr.step) o.setLearningRate(c.setLr.lr); return apply(g); };
          return o;
        }, p0, keras.clipped);
      } else {
        tfjs = tfjsRun(c.tfjsDeviant, p0, keras.clipped);
      }
      const d = maxDiff(tfjs, keras.params);
      if (!(d > 10 * TOL)) throw new Error(`${c.name}: TF.js's deviation (${d}) does not show`);
      if (c.agreeWhereLarge) {
        // Where every gradient is large, epsilon cannot matter: TF.js and
        // the by-hand rule must agree there (a check of the by-hand code).
        const large = [];
        for (let i = 0; i < N; i++) if (grads.every(g => Math.abs(g[i]) >= c.agreeWhereLarge)) large.push(i);
        const pick = a => a.map(w => large.map(i => w[i]));
        const dl = maxDiff(pick(tfjs), pick(keras.params), large.length);
        if (large.length < 3 || !(dl <= TOL / 2))
          throw new Error(`${c.name}: on ${large.length} large-gradient elements TF.js differs by ${dl}`);
        notes.push(`on the ${large.length} elements whose gradients are all >= ${c.agreeWhereLarge}, ` +
                   'where epsilon does not matter, TF.js agrees within ' +
                   dl.toExponential(2));
      }
      notes.push(`reference: Keras's formula by hand; TF.js ${tf.version.tfjs} would be off by up to ` +
                 `${Number.isFinite(d) ? d.toExponential(2) : 'NaN'} (relative to max(1, |w|))`);
    } else {
      notes.push('reference: Keras\'s formula by hand');
    }
  }
  const lines = ['kcc-optim 1', `# ${c.name}: generated by tests/optim/gen.js`];
  if (c.note) lines.push(`# ${c.note}`);
  for (const n of notes) lines.push(`# ${n}`);
  lines.push(`name ${c.name}`, `reference ${reference}`, `optimizer ${c.optimizer}`);
  for (const [k, v] of Object.entries(c.set || {})) if (k !== 'learning_rate') lines.push(`set ${k} ${v}`);
  if (c.set && c.set.learning_rate !== undefined) lines.push(`set learning_rate ${c.set.learning_rate}`);
  if (c.schedule) lines.push(...scheduleLines(c.schedule));
  lines.push(`n ${N}`);
  for (const d of DEFS) lines.push(`var ${d.name} ${d.offset} ${d.size} ${d.trainable}`);
  lines.push(`steps ${STEPS}`);
  if (c.setLr) lines.push(`set_learning_rate ${c.setLr.step} ${c.setLr.lr}`);
  lines.push('params 0 ' + Array.from(p0, f32).join(' '));
  for (let s = 0; s < STEPS; s++) {
    lines.push(`grads ${s + 1} ` + Array.from(grads[s], f32).join(' '));
    lines.push(`params ${s + 1} ` + Array.from(expected[s], f32).join(' '));
  }
  fs.writeFileSync(path.join(OUT, `${c.name}.txt`), lines.join('\n') + '\n');
  console.log(`${c.name}: ${notes.join('; ')}`);
}

function writeSchedule(s) {
  const lines = ['kcc-optim 1', `# schedule_${s.name}: generated by tests/optim/gen.js`,
                 '# reference: the Keras formula in double precision (TF.js has no schedules)',
                 `name schedule_${s.name}`, ...scheduleLines(s),
                 'at ' + SCHEDULE_STEPS.join(' '),
                 'want ' + SCHEDULE_STEPS.map(t => f64(scheduleValue(s, t))).join(' ')];
  fs.writeFileSync(path.join(OUT, `schedule_${s.name}.txt`), lines.join('\n') + '\n');
}

fs.rmSync(OUT, {recursive: true, force: true});
fs.mkdirSync(OUT, {recursive: true});
for (const c of cases) writeCase(c);
for (const s of schedules) writeSchedule(s);
const cm = ['# Generated by tests/optim/gen.js: the optimizer and schedule cases.',
            'set(KCC_OPTIM_CASES', ...cases.map(c => `  ${c.name}`), ')',
            'set(KCC_OPTIM_SCHEDULES', ...schedules.map(s => `  schedule_${s.name}`), ')'];
fs.writeFileSync(path.join(__dirname, 'cases.cmake'), cm.join('\n') + '\n');
console.log(`wrote ${cases.length} optimizer cases and ${schedules.length} schedules to ${OUT}`);
