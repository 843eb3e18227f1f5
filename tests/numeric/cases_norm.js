// cases_norm.js - the normalization, noise and activity regularization
// family's numeric cases (see gen.js): BatchNormalization (folded into the
// Dense before it at inference, or standalone), SpatialDropout1D/2D/3D,
// GaussianNoise, GaussianDropout, AlphaDropout, Dropout's noise_shape,
// activity regularizers and ActivityRegularization.
//
// Where TF.js cannot be the reference, two layers defined here stand in
// and the saved JSON is rewritten into the Keras layer (edit):
//   - KccBatchNorm computes Keras's BatchNormalization from TF.js ops:
//     TF.js's own gives wrong numbers for an axis that is not the last
//     (KERAS-NOTES.md), cannot train with center or scale false (it reads
//     the missing gamma or beta), has no rank 5, and keeps using batch
//     statistics when the layer is frozen (Keras runs a BatchNormalization
//     with trainable false in inference mode).  In training it normalizes
//     with the batch's mean and biased variance and moves the moving
//     averages as TF.js's BatchNormalization, tf.keras 2 and Keras 3 do:
//     moving -= (moving - batch statistic) * (1 - momentum).
//   - KccActivity is the identity that adds an activity regularizer's
//     penalty to the training loss (TF.js throws on activity
//     regularizers): l1 * sum |y| + l2 * sum y^2, divided by the batch
//     size as tf.keras 2 does (a TF.js model.json is read as Keras 2; the
//     Keras 3 files of these cases, which Keras 3 trains without the
//     division, are checked by tests/train/norm_semantics.c).  It becomes
//     the activity_regularizer of the layer before it, or an
//     ActivityRegularization layer.
// Both are differentiable, so TF.js computes the training step too.
//
// The noise layers are the identity at inference; TF.js lacks
// SpatialDropout2D/3D, so those cases build a Dropout and rename it.  Their
// training (masks, noise, seeding) is checked by norm_semantics.c.
'use strict';

module.exports = (add, L, helpers) => {
  const {seq, kerasLayer, tf} = helpers;

  // gen.js draws every weight in (-0.5, 0.5): a BatchNormalization gets
  // gamma = 1 + v and a moving variance of 0.2 + 2|v| instead.
  function bnWeights(layer) {
    const set = layer.setWeights.bind(layer);
    layer.setWeights = ws => set(ws.map((w, i) => {
      const name = layer.weights[i].name;
      if (name.endsWith('gamma')) return tf.add(w, 1);
      if (name.endsWith('moving_variance')) return tf.add(tf.mul(tf.abs(w), 2), 0.2);
      return w;
    }));
    return layer;
  }

  // ---- KccBatchNorm: Keras's BatchNormalization from TF.js ops ------------
  class KccBatchNorm extends tf.layers.Layer {
    constructor(args) {
      super(args);
      const spec = JSON.parse(args.kccSpec || args.kcc_spec);
      this.spec = {axis: -1, momentum: 0.99, epsilon: 1e-3, center: true, scale: true, ...spec};
    }
    build(inputShape) {
      const sp = this.spec;
      const c = inputShape[sp.axis < 0 ? sp.axis + inputShape.length : sp.axis];
      if (sp.scale) this.gamma = this.addWeight('gamma', [c], 'float32', tf.initializers.ones());
      if (sp.center) this.beta = this.addWeight('beta', [c], 'float32', tf.initializers.zeros());
      this.movingMean = this.addWeight('moving_mean', [c], 'float32', tf.initializers.zeros(),
                                       null, false);
      this.movingVariance = this.addWeight('moving_variance', [c], 'float32',
                                           tf.initializers.ones(), null, false);
      this.built = true;
    }
    computeOutputShape(inputShape) {
      return inputShape;
    }
    call(inputs, kwargs) {
      return tf.tidy(() => {
        const x = Array.isArray(inputs) ? inputs[0] : inputs;
        const sp = this.spec;
        const axis = sp.axis < 0 ? sp.axis + x.rank : sp.axis;
        const bshape = x.shape.map((d, i) => (i === axis ? d : 1));
        let mean = this.movingMean.read(), variance = this.movingVariance.read();
        if (kwargs && kwargs.training && this.trainable) {
          const reduce = x.shape.map((d, i) => i).filter(i => i !== axis);
          const mo = tf.moments(x, reduce);
          for (const [v, batch] of [[this.movingMean, mo.mean], [this.movingVariance, mo.variance]]) {
            const old = v.read();
            v.write(tf.sub(old, tf.mul(tf.sub(old, batch), 1 - sp.momentum)));
          }
          mean = mo.mean;
          variance = mo.variance;
        }
        const inv = tf.rsqrt(tf.add(variance, sp.epsilon));
        let y = tf.mul(tf.sub(x, tf.reshape(mean, bshape)), tf.reshape(inv, bshape));
        if (this.gamma) y = tf.mul(y, tf.reshape(this.gamma.read(), bshape));
        if (this.beta) y = tf.add(y, tf.reshape(this.beta.read(), bshape));
        return y;
      });
    }
    getConfig() {
      return {...super.getConfig(), kcc_spec: JSON.stringify(this.spec)};
    }
  }
  KccBatchNorm.className = 'KccBatchNorm';
  tf.serialization.registerClass(KccBatchNorm);
  const kccBN = (spec, extra) => bnWeights(new KccBatchNorm({kccSpec: JSON.stringify(spec), ...extra}));
  const nativeBN = args => bnWeights(L.batchNormalization(args));

  // ---- KccActivity: an activity regularizer's penalty --------------------
  class KccActivity extends tf.layers.Layer {
    constructor(args) {
      super(args);
      this.spec = JSON.parse(args.kccSpec || args.kcc_spec);
      this.addLoss(() => {
        const y = this.last, {l1, l2} = this.spec;
        return tf.div(tf.add(tf.mul(l1, tf.sum(tf.abs(y))), tf.mul(l2, tf.sum(tf.square(y)))),
                      y.shape[0]);
      });
    }
    computeOutputShape(inputShape) {
      return inputShape;
    }
    call(inputs) {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      this.last = x;
      return x;
    }
    getConfig() {
      return {...super.getConfig(), kcc_spec: JSON.stringify(this.spec)};
    }
  }
  KccActivity.className = 'KccActivity';
  tf.serialization.registerClass(KccActivity);
  const penalty = (l1, l2, layer) => new KccActivity({kccSpec: JSON.stringify({l1, l2, layer})});

  // ---- the saved JSON rewritten into Keras layers --------------------------
  const init = name => ({class_name: name, config: {}});
  function kerasLayers(topo) {
    const out = [];
    for (const l of topo.config.layers) {
      if (l.class_name === 'KccBatchNorm') {
        const sp = JSON.parse(l.config.kcc_spec);
        const c = {name: l.config.name, trainable: l.config.trainable};
        if (l.config.batch_input_shape) c.batch_input_shape = l.config.batch_input_shape;
        out.push({class_name: 'BatchNormalization', config: {...c,
          axis: sp.axis, momentum: sp.momentum, epsilon: sp.epsilon, center: sp.center,
          scale: sp.scale, beta_initializer: init('Zeros'), gamma_initializer: init('Ones'),
          moving_mean_initializer: init('Zeros'), moving_variance_initializer: init('Ones'),
          beta_regularizer: null, gamma_regularizer: null, beta_constraint: null,
          gamma_constraint: null}});
      } else if (l.class_name === 'KccActivity') {
        const sp = JSON.parse(l.config.kcc_spec);
        if (sp.layer) {
          out[out.length - 1].config.activity_regularizer =
            {class_name: 'L1L2', config: {l1: sp.l1, l2: sp.l2}};
        } else {
          out.push({class_name: 'ActivityRegularization',
                    config: {name: l.config.name, trainable: true, l1: sp.l1, l2: sp.l2}});
        }
      } else {
        out.push(l);
      }
    }
    topo.config.layers = out;
  }
  // A placeholder Dropout renamed to a layer TF.js lacks.
  const renameDropout = (cls, extra) => topo => {
    for (const l of topo.config.layers)
      if (l.class_name === 'Dropout') {
        l.class_name = cls;
        Object.assign(l.config, extra);
      }
  };

  // ---- what Keras 2 and 3 write differently from TF.js ---------------------
  const k3init = i => ({module: 'keras.initializers', class_name: i.class_name, config: i.config,
                        registered_name: null});
  kerasLayer.BatchNormalization = (c, major) => {
    if (major === 2) {
      c.axis = [c.axis]; // tf.keras writes a list
    } else {
      for (const k of ['beta_initializer', 'gamma_initializer', 'moving_mean_initializer',
                       'moving_variance_initializer'])
        c[k] = k3init(c[k]);
      c.synchronized = false;
    }
  };
  // Regularizers by the names Keras writes: L1, L2 or L1L2.
  function kerasRegularizer(r, major) {
    if (!r) return r;
    const {l1, l2} = r.config;
    const out = !l2 ? {class_name: 'L1', config: {l1}} : !l1 ? {class_name: 'L2', config: {l2}}
                    : {class_name: 'L1L2', config: {l1, l2}};
    return major === 3 ? {module: 'keras.regularizers', ...out, registered_name: null} : out;
  }
  const denseBefore = kerasLayer.Dense;
  kerasLayer.Dense = (c, major) => {
    if (denseBefore) denseBefore(c, major);
    c.activity_regularizer = kerasRegularizer(c.activity_regularizer, major);
  };
  for (const cls of ['SpatialDropout1D', 'SpatialDropout2D', 'SpatialDropout3D']) {
    kerasLayer[cls] = (c, major) => {
      if (major === 2) {
        c.noise_shape = null;
        c.seed = null;
      } else {
        delete c.noise_shape; // Keras 3 writes rate, seed (and data_format)
        c.seed = null;
      }
    };
  }

  // ---- BatchNormalization --------------------------------------------------
  add({name: 'bn_dense', inShape: [4], scale: 2,
       note: 'folded into the Dense before it at inference; the step moves the moving averages',
       build: () => seq([L.dense({units: 5, inputShape: [4]}), nativeBN({}),
                         L.dense({units: 3, activation: 'tanh'})])});
  add({name: 'bn_dense_linear_between', inShape: [4], scale: 2, formats: ['tfjs'],
       note: "a linear activation between: not folded (bn_dense's model otherwise)",
       build: () => seq([L.dense({units: 5, inputShape: [4]}), L.activation({activation: 'linear'}),
                         nativeBN({}), L.dense({units: 3, activation: 'tanh'})])});
  add({name: 'bn_after_relu', inShape: [5], scale: 2, formats: ['tfjs', 'keras3'],
       note: 'after an activation: a standalone scale and shift, relu fused into it',
       build: () => seq([L.dense({units: 6, activation: 'relu', inputShape: [5]}),
                         nativeBN({momentum: 0.9, epsilon: 0.01}), L.reLU({}), L.dense({units: 2})])});
  add({name: 'bn_input', inShape: [6], scale: 3, formats: ['tfjs'],
       note: "on the model's input: a standalone step that cannot work in place",
       build: () => seq([nativeBN({inputShape: [6], momentum: 0.5}), L.dense({units: 3})])});
  add({name: 'bn_dense_nobias', inShape: [4], scale: 2, formats: ['tfjs', 'keras2'],
       note: 'folded into a Dense without a bias: the fold gives it one',
       build: () => seq([L.dense({units: 5, useBias: false, inputShape: [4]}), nativeBN({epsilon: 0.1}),
                         L.dense({units: 2})])});
  add({name: 'bn_two_folds', inShape: [3], scale: 2, formats: ['tfjs'],
       note: 'two BatchNormalizations folded into one Dense, the last writing the output',
       build: () => seq([L.dense({units: 4, inputShape: [3]}), nativeBN({}),
                         nativeBN({momentum: 0.8, epsilon: 0.05})])});
  add({name: 'bn_dropout_fold', inShape: [4], scale: 2, formats: ['tfjs'],
       note: 'folded through a Dropout (the identity at inference)',
       build: () => seq([L.dense({units: 5, inputShape: [4]}), L.dropout({rate: 0.25}), nativeBN({}),
                         L.dense({units: 2, activation: 'sigmoid'})])});
  add({name: 'bn_rank3_last', inShape: [3, 5], scale: 2, formats: ['tfjs'],
       note: 'a Dense on rank-3 input: the fold scales its last axis',
       build: () => seq([L.dense({units: 4, inputShape: [3, 5]}), nativeBN({axis: -1}), L.flatten({}),
                         L.dense({units: 2})])});
  add({name: 'bn_rank3_axis1', inShape: [3, 5], scale: 2,
       note: 'axis 1 of rank-3 data (TF.js: wrong numbers for an axis not last): KccBatchNorm',
       edit: kerasLayers,
       build: () => seq([L.dense({units: 4, inputShape: [3, 5]}),
                         kccBN({axis: 1, momentum: 0.9}, {name: 'bn_axis1'}), L.flatten({}),
                         L.dense({units: 2})])});
  add({name: 'bn_rank4_channels_first', inShape: [3, 2, 4], scale: 2, formats: ['tfjs'],
       note: 'axis 1 of rank-4 data, as after a channels_first convolution: KccBatchNorm',
       edit: kerasLayers,
       build: () => seq([L.dense({units: 3, inputShape: [3, 2, 4]}),
                         kccBN({axis: 1}, {name: 'bn_channels_first'}), L.flatten({}),
                         L.dense({units: 2})])});
  add({name: 'bn_rank5_axis2', inShape: [2, 3, 2, 2], scale: 2, formats: ['tfjs'],
       note: 'rank-5 data (TF.js has no rank-5 batch normalization), axis 2: KccBatchNorm',
       edit: kerasLayers,
       build: () => seq([L.dense({units: 3, inputShape: [2, 3, 2, 2]}),
                         kccBN({axis: 2, epsilon: 0.01}, {name: 'bn_rank5'}), L.flatten({}),
                         L.dense({units: 2})])});
  add({name: 'bn_no_center', inShape: [4], scale: 2, formats: ['tfjs', 'keras3'],
       note: 'center false (no beta; TF.js cannot train it): KccBatchNorm, folded',
       edit: kerasLayers,
       build: () => seq([L.dense({units: 5, inputShape: [4]}),
                         kccBN({center: false, momentum: 0.8}, {name: 'bn_no_center'}),
                         L.dense({units: 2})])});
  add({name: 'bn_no_scale', inShape: [4], scale: 2, formats: ['tfjs', 'keras2'],
       note: 'scale false (no gamma; TF.js cannot train it), after tanh: KccBatchNorm, standalone',
       edit: kerasLayers,
       build: () => seq([L.dense({units: 5, activation: 'tanh', inputShape: [4]}),
                         kccBN({scale: false, epsilon: 0.1}, {name: 'bn_no_scale'}),
                         L.dense({units: 2})])});
  add({name: 'bn_frozen', inShape: [4], scale: 2, formats: ['tfjs'],
       note: 'trainable false: Keras runs it in inference mode in training (TF.js does not): KccBatchNorm',
       edit: kerasLayers,
       build: () => seq([L.dense({units: 5, inputShape: [4]}),
                         kccBN({momentum: 0.9}, {name: 'bn_frozen', trainable: false}),
                         L.dense({units: 2})])});

  // Folded into convolutions (ops_conv.c), by their kernels' layouts.
  add({name: 'bn_conv2d', inShape: [6, 5, 2], scale: 1, formats: ['tfjs', 'keras2'],
       note: 'folded into a Conv2D (kernel [kh, kw, cin, filters]), relu after both',
       build: () => seq([L.conv2d({filters: 4, kernelSize: 3, inputShape: [6, 5, 2]}), nativeBN({}),
                         L.reLU({}), L.flatten({}), L.dense({units: 2})])});
  add({name: 'bn_conv2d_channels_first', inShape: [2, 5, 4], scale: 1, formats: ['tfjs'],
       note: 'axis 1 after a channels_first Conv2D without bias: folded (KccBatchNorm: TF.js is wrong off the last axis)',
       edit: kerasLayers,
       build: () => seq([L.conv2d({filters: 3, kernelSize: 2, dataFormat: 'channelsFirst', useBias: false,
                                   inputShape: [2, 5, 4]}),
                         kccBN({axis: 1}, {name: 'bn_first'}), L.flatten({}), L.dense({units: 2})])});
  add({name: 'bn_depthwise_conv2d', inShape: [5, 4, 3], scale: 1, formats: ['tfjs'],
       note: 'folded into a DepthwiseConv2D (output channel c * multiplier + m)',
       build: () => seq([L.depthwiseConv2d({kernelSize: 2, depthMultiplier: 2, inputShape: [5, 4, 3]}),
                         nativeBN({}), L.flatten({}), L.dense({units: 2})])});
  add({name: 'bn_separable_conv2d', inShape: [5, 4, 3], scale: 1, formats: ['tfjs'],
       note: 'folded into a SeparableConv2D (its pointwise kernel)',
       build: () => seq([L.separableConv2d({filters: 4, kernelSize: 2,
                                            inputShape: [5, 4, 3]}),
                         nativeBN({}), L.flatten({}), L.dense({units: 2})])});
  add({name: 'bn_conv2d_transpose', inShape: [3, 3, 2], scale: 1, formats: ['tfjs'],
       note: 'folded into a Conv2DTranspose (kernel [kh, kw, filters, cin])',
       build: () => seq([L.conv2dTranspose({filters: 3, kernelSize: 2, strides: 2, inputShape: [3, 3, 2]}),
                         nativeBN({}), L.flatten({}), L.dense({units: 2})])});

  // ---- noise layers ----------------------------------------------------------
  add({name: 'spatial_dropout1d', inShape: [5, 4], scale: 2,
       build: () => seq([L.dense({units: 3, inputShape: [5, 4]}), L.spatialDropout1d({rate: 0.3}),
                         L.flatten({}), L.dense({units: 2})])});
  add({name: 'spatial_dropout2d', inShape: [3, 4, 2], scale: 2,
       note: 'TF.js has no SpatialDropout2D: a Dropout renamed (the identity at inference)',
       edit: renameDropout('SpatialDropout2D', {data_format: 'channels_last'}),
       build: () => seq([L.dense({units: 3, inputShape: [3, 4, 2]}), L.dropout({rate: 0.4}),
                         L.flatten({}), L.dense({units: 2})])});
  add({name: 'spatial_dropout3d_channels_first', inShape: [2, 3, 2, 2], scale: 2, formats: ['tfjs'],
       note: 'TF.js has no SpatialDropout3D: a Dropout renamed (the identity at inference)',
       edit: renameDropout('SpatialDropout3D', {data_format: 'channels_first'}),
       build: () => seq([L.dense({units: 2, inputShape: [2, 3, 2, 2]}), L.dropout({rate: 0.5}),
                         L.flatten({}), L.dense({units: 2})])});
  add({name: 'gaussian_noise', inShape: [4], scale: 2,
       build: () => seq([L.dense({units: 5, inputShape: [4]}), L.gaussianNoise({stddev: 0.3}),
                         L.dense({units: 2})])});
  add({name: 'gaussian_dropout', inShape: [4], scale: 2, formats: ['tfjs'],
       build: () => seq([L.dense({units: 5, inputShape: [4]}), L.gaussianDropout({rate: 0.2}),
                         L.dense({units: 2})])});
  add({name: 'alpha_dropout', inShape: [4], scale: 2, formats: ['tfjs'],
       build: () => seq([L.dense({units: 5, activation: 'selu', inputShape: [4]}),
                         L.alphaDropout({rate: 0.1}), L.dense({units: 2})])});
  add({name: 'dropout_noise_shape', inShape: [3, 4], scale: 2, formats: ['tfjs', 'keras2'],
       note: "Dropout's noise_shape (None, 1, 4): one mask for every row of a sample",
       build: () => seq([L.dense({units: 4, inputShape: [3, 4]}),
                         L.dropout({rate: 0.5, noiseShape: [null, 1, 4]}), L.flatten({}),
                         L.dense({units: 2})])});

  // ---- activity regularizers -------------------------------------------------
  add({name: 'activity_l2', inShape: [4], scale: 2,
       note: 'activity_regularizer L2 on a tanh Dense (TF.js has none: KccActivity adds the penalty)',
       edit: kerasLayers,
       build: () => seq([L.dense({units: 5, activation: 'tanh', inputShape: [4]}), penalty(0, 0.05, true),
                         L.dense({units: 2})])});
  add({name: 'activity_l1', inShape: [4], scale: 2, formats: ['tfjs', 'keras3'],
       note: 'activity_regularizer L1 on a linear Dense (KccActivity adds the penalty)',
       edit: kerasLayers,
       build: () => seq([L.dense({units: 5, inputShape: [4]}), penalty(0.02, 0, true),
                         L.dense({units: 2})])});
  add({name: 'activity_l1l2_sigmoid', inShape: [4], scale: 2, formats: ['tfjs'],
       note: 'activity_regularizer L1L2 on the sigmoid output layer: its gradient goes through the sigmoid',
       edit: kerasLayers,
       build: () => seq([L.dense({units: 5, activation: 'relu', inputShape: [4]}),
                         L.dense({units: 3, activation: 'sigmoid'}), penalty(0.03, 0.04, true)])});
  add({name: 'activity_regularization', inShape: [4], scale: 2,
       note: 'an ActivityRegularization layer (KccActivity adds the penalty)',
       edit: kerasLayers,
       build: () => seq([L.dense({units: 5, inputShape: [4]}), penalty(0.01, 0.03, false),
                         L.dense({units: 2})])});

  // ---- channels_first counterparts -------------------------------------------
  // Every layer with a data_format is checked in both.  These come last:
  // TF.js numbers its layers across cases, so a case added before others
  // would rename their layers.
  add({name: 'spatial_dropout2d_channels_first', inShape: [2, 3, 4], scale: 2, formats: ['tfjs'],
       note: 'TF.js has no SpatialDropout2D: a Dropout renamed (the identity at inference)',
       edit: renameDropout('SpatialDropout2D', {data_format: 'channels_first'}),
       build: () => seq([L.dense({units: 3, inputShape: [2, 3, 4]}), L.dropout({rate: 0.4}),
                         L.flatten({}), L.dense({units: 2})])});
};
