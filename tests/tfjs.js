// tfjs.js - what the reference generators (tests/*/gen.js) share:
// TensorFlow.js 4.22 from tools/tfjs, and seeded randomness.
'use strict';
const path = require('path');

console.warn = () => {}; // TF.js's "install tfjs-node" banner
const tf = require(path.join(__dirname, '../tools/tfjs/node_modules/@tensorflow/tfjs'));

// mulberry32: uniform numbers in [0, 1) from a 32-bit seed.
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// A case's seed from its name (FNV-1a).
function seedOf(name) {
  let h = 2166136261;
  for (const c of name) h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0;
  return h;
}

module.exports = {tf, rng, seedOf};
