// cases_conv.js - the convolution family's numeric cases (see gen.js):
// Conv1D/2D/3D, DepthwiseConv2D, SeparableConv2D, Conv2DTranspose and
// Keras 1's Convolution1D/2D.
//
// Where TF.js's layers lack a Keras option (causal padding, groups,
// Conv1D's data_format, DepthwiseConv2D's dilation, Conv2DTranspose's
// output_padding and dilation, Conv3D channels_first), the case uses
// KccConv below: a TF.js layer with Keras's weight names and shapes that
// computes Keras's formula from TF.js ops (pad + valid convolution for
// causal, split + concat for groups, transposes for channels_first, a
// zero-stuffed kernel for a dilated transposed convolution, the output
// shape of Keras's deconv_output_length for output_padding).  TF.js thus
// computes the expected outputs, and, being differentiable, the training
// step too (except DepthwiseConv2D with dilation: TF.js has no gradient
// for it).  The saved JSON is then rewritten into the Keras layer that
// tf.keras 2.13 writes (kerasConfig), and the Keras 2 and 3 files get
// their spellings from kerasLayer.
'use strict';

module.exports = (add, L, helpers) => {
  const {seq, kerasLayer, tf} = helpers;

  // ---- Keras's shape arithmetic ------------------------------------------
  const reach = (k, d) => (k - 1) * d + 1;
  function convLen(len, k, s, d, padding) {
    if (padding === 'valid') return Math.ceil((len - reach(k, d) + 1) / s);
    return Math.ceil(len / s); // same, causal
  }
  function deconvLen(len, k, s, d, padding, outpad) {
    const kd = reach(k, d);
    if (outpad === null) return padding === 'valid' ? len * s + Math.max(kd - s, 0) : len * s;
    const pad = padding === 'same' ? Math.floor(kd / 2) : 0;
    return (len - 1) * s + kd - 2 * pad + outpad;
  }

  // ---- KccConv: a Keras convolution from TF.js ops -----------------------
  // spec: {kind: conv|depthwise|separable|transpose, rank, filters,
  // kernel, strides, padding, dilation, groups, mult, outpad, cf
  // (channels_first), bias, act}
  const acts = {linear: t => t, relu: t => tf.relu(t), tanh: t => tf.tanh(t),
                sigmoid: t => tf.sigmoid(t), softmax: t => tf.softmax(t, -1)};
  class KccConv extends tf.layers.Layer {
    constructor(args) {
      super(args);
      const spec = JSON.parse(args.kccSpec || args.kcc_spec);
      this.spec = {strides: Array(spec.rank).fill(1), dilation: Array(spec.rank).fill(1),
                   padding: 'valid', groups: 1, mult: 1, outpad: null, cf: false, bias: true,
                   act: 'linear', ...spec};
    }
    build(inputShape) {
      const sp = this.spec, n = sp.rank;
      const c = sp.cf ? inputShape[1] : inputShape[n + 1];
      const init = tf.initializers.glorotUniform({});
      const k = sp.kernel;
      if (sp.kind === 'conv') this.kernel = this.addWeight('kernel', [...k, c / sp.groups, sp.filters], 'float32', init);
      if (sp.kind === 'transpose') this.kernel = this.addWeight('kernel', [...k, sp.filters, c], 'float32', init);
      if (sp.kind === 'depthwise' || sp.kind === 'separable')
        this.dkernel = this.addWeight('depthwise_kernel', [...k, c, sp.mult], 'float32', init);
      if (sp.kind === 'separable')
        this.pkernel = this.addWeight('pointwise_kernel', [...k.map(() => 1), c * sp.mult, sp.filters], 'float32', init);
      const f = sp.kind === 'depthwise' ? c * sp.mult : sp.filters;
      if (sp.bias) this.bias = this.addWeight('bias', [f], 'float32', tf.initializers.zeros());
      this.built = true;
    }
    computeOutputShape(inputShape) {
      const sp = this.spec, n = sp.rank;
      const sizes = sp.cf ? inputShape.slice(2) : inputShape.slice(1, n + 1);
      const c = sp.cf ? inputShape[1] : inputShape[n + 1];
      const out = sizes.map((len, i) => (sp.kind === 'transpose'
        ? deconvLen(len, sp.kernel[i], sp.strides[i], sp.dilation[i], sp.padding, sp.outpad === null ? null : sp.outpad[i])
        : convLen(len, sp.kernel[i], sp.strides[i], sp.dilation[i], sp.padding)));
      const f = sp.kind === 'depthwise' ? c * sp.mult : sp.filters;
      return sp.cf ? [inputShape[0], f, ...out] : [inputShape[0], ...out, f];
    }
    call(inputs) {
      return tf.tidy(() => {
        const sp = this.spec, n = sp.rank;
        const x0 = Array.isArray(inputs) ? inputs[0] : inputs;
        let x = x0;
        const toLast = [0, ...Array.from({length: n}, (_, i) => i + 2), 1];
        const toFirst = [0, n + 1, ...Array.from({length: n}, (_, i) => i + 1)];
        if (sp.cf) x = tf.transpose(x, toLast);
        let y;
        const conv = (xx, kk) => {
          const pad = sp.padding === 'causal' ? 'valid' : sp.padding;
          if (sp.padding === 'causal')
            xx = tf.pad(xx, [[0, 0], [reach(sp.kernel[0], sp.dilation[0]) - 1, 0], [0, 0]]);
          if (n === 1) return tf.conv1d(xx, kk, sp.strides[0], pad, 'NWC', sp.dilation[0]);
          if (n === 2) return tf.conv2d(xx, kk, sp.strides, pad, 'NHWC', sp.dilation);
          return tf.conv3d(xx, kk, sp.strides, pad, 'NDHWC', sp.dilation);
        };
        if (sp.kind === 'conv') {
          const k = this.kernel.read();
          if (sp.groups === 1) {
            y = conv(x, k);
          } else {
            const xs = tf.split(x, sp.groups, n + 1), ks = tf.split(k, sp.groups, n + 1);
            y = tf.concat(xs.map((xg, g) => conv(xg, ks[g])), n + 1);
          }
        } else {
          // 1D as 2D with a leading unit axis; causal as a left pad.
          const one = n === 1, ex = t => (one ? tf.expandDims(t, 0) : t);
          const st = one ? [1, sp.strides[0]] : sp.strides, dl = one ? [1, sp.dilation[0]] : sp.dilation;
          let pad = sp.padding;
          if (one) x = tf.expandDims(x, 1);
          if (pad === 'causal') {
            x = tf.pad(x, [[0, 0], [0, 0], [reach(sp.kernel[0], sp.dilation[0]) - 1, 0], [0, 0]]);
            pad = 'valid';
          }
          if (sp.kind === 'depthwise') {
            y = tf.depthwiseConv2d(x, ex(this.dkernel.read()), st, pad, 'NHWC', dl);
          } else if (sp.kind === 'separable') {
            y = tf.separableConv2d(x, ex(this.dkernel.read()), ex(this.pkernel.read()), st, pad, dl, 'NHWC');
          } else if (n === 3) {
            if (sp.dilation.some(d => d > 1)) throw new Error('KccConv: no dilated 3D transpose');
            const shape = this.computeOutputShape(x0.shape);
            const outShape = sp.cf ? [shape[0], ...shape.slice(2), shape[1]] : shape;
            y = tf.conv3dTranspose(x, this.kernel.read(), outShape, sp.strides, pad);
          } else {
            // A dilated kernel is the kernel with d - 1 zeros between taps.
            let k = ex(this.kernel.read());
            const [kh, kw, f, c] = k.shape, [dh, dw] = dl;
            if (dh > 1 || dw > 1) {
              k = tf.reshape(k, [kh, 1, kw, 1, f, c]);
              k = tf.pad(k, [[0, 0], [0, dh - 1], [0, 0], [0, dw - 1], [0, 0], [0, 0]]);
              k = tf.reshape(k, [kh * dh, kw * dw, f, c]);
              k = tf.slice(k, [0, 0, 0, 0], [reach(kh, dh), reach(kw, dw), f, c]);
            }
            const shape = this.computeOutputShape(x0.shape);
            let outShape = sp.cf ? [shape[0], ...shape.slice(2), shape[1]] : shape;
            if (one) outShape = [outShape[0], 1, ...outShape.slice(1)];
            y = tf.conv2dTranspose(x, k, outShape, st, pad);
          }
          if (one) y = tf.squeeze(y, [1]);
        }
        if (this.bias) y = tf.add(y, this.bias.read());
        y = acts[sp.act](y);
        return sp.cf ? tf.transpose(y, toFirst) : y;
      });
    }
    getConfig() {
      return {...super.getConfig(), kcc_spec: JSON.stringify(this.spec)};
    }
  }
  KccConv.className = 'KccConv';
  tf.serialization.registerClass(KccConv);

  // The config tf.keras 2.13 writes for a KccConv spec.
  const classOf = {conv: ['Conv1D', 'Conv2D', 'Conv3D'],
                   depthwise: ['DepthwiseConv1D', 'DepthwiseConv2D'],
                   separable: ['SeparableConv1D', 'SeparableConv2D'],
                   transpose: ['Conv1DTranspose', 'Conv2DTranspose', 'Conv3DTranspose']};
  const glorot = () => ({class_name: 'GlorotUniform', config: {seed: null}});
  const zeros = () => ({class_name: 'Zeros', config: {}});
  function kerasConfig(sp, old) {
    const c = {name: old.name, trainable: true};
    if (old.batch_input_shape) c.batch_input_shape = old.batch_input_shape;
    c.dtype = 'float32';
    if (sp.kind !== 'depthwise') c.filters = sp.filters;
    Object.assign(c, {kernel_size: sp.kernel, strides: sp.strides, padding: sp.padding});
    if (sp.kind === 'transpose') c.output_padding = sp.outpad;
    Object.assign(c, {data_format: sp.cf ? 'channels_first' : 'channels_last',
                      dilation_rate: sp.dilation});
    if (sp.kind === 'conv') c.groups = sp.groups;
    Object.assign(c, {activation: sp.act, use_bias: sp.bias});
    if (sp.kind === 'depthwise' || sp.kind === 'separable') {
      c.depth_multiplier = sp.mult;
      c.depthwise_initializer = glorot();
      if (sp.kind === 'separable') c.pointwise_initializer = glorot();
    } else {
      c.kernel_initializer = glorot();
    }
    c.bias_initializer = zeros();
    if (sp.kind === 'depthwise' || sp.kind === 'separable') {
      c.depthwise_regularizer = null;
      if (sp.kind === 'separable') c.pointwise_regularizer = null;
    } else {
      c.kernel_regularizer = null;
    }
    c.bias_regularizer = null;
    c.activity_regularizer = null;
    if (sp.kind === 'depthwise' || sp.kind === 'separable') {
      c.depthwise_constraint = null;
      if (sp.kind === 'separable') c.pointwise_constraint = null;
    } else {
      c.kernel_constraint = null;
    }
    c.bias_constraint = null;
    return c;
  }
  // Rewrites every KccConv of a saved topology into its Keras layer.
  function kerasLayers(topo) {
    for (const l of topo.config.layers) {
      if (l.class_name !== 'KccConv') continue;
      const sp = JSON.parse(l.config.kcc_spec);
      l.class_name = classOf[sp.kind][sp.rank - 1];
      l.config = kerasConfig(sp, l.config);
    }
  }
  const kcc = (spec, extra) => new KccConv({kccSpec: JSON.stringify(spec), ...extra});

  // ---- what Keras 2 and 3 write differently from TF.js ---------------------
  for (const cls of ['Conv1D', 'Conv2D', 'Conv3D']) {
    kerasLayer[cls] = (c, major) => {
      if (!('data_format' in c)) c.data_format = 'channels_last'; // TF.js's Conv1D omits it
      if (!('groups' in c)) c.groups = 1;
      if (major === 3) c.kernel_size = [...c.kernel_size]; // (Keras 3 writes tuples as lists)
    };
  }
  kerasLayer.Conv1DTranspose = kerasLayer.Conv3DTranspose = kerasLayer.Conv2DTranspose = (c, major) => {
    if (!('dilation_rate' in c)) c.dilation_rate = [1, 1]; // TF.js omits it
    if (major === 2) {
      if (!('output_padding' in c)) c.output_padding = null;
      c.groups = 1;
    } else if (c.output_padding === null) {
      delete c.output_padding; // Keras 3 writes none
    }
  };
  for (const cls of ['DepthwiseConv1D', 'DepthwiseConv2D', 'SeparableConv1D', 'SeparableConv2D'])
    kerasLayer[cls] = (c, major) => {
      if (major === 2) c.groups = 1;
    };
  const cf = 'channelsFirst';

  // ---- Conv1D --------------------------------------------------------------
  add({name: 'conv1d_basic', inShape: [9, 3], scale: 1,
       build: () => seq([L.conv1d({filters: 4, kernelSize: 3, activation: 'tanh', inputShape: [9, 3]}),
                         L.conv1d({filters: 3, kernelSize: 2, padding: 'same', strides: 2})])});
  add({name: 'conv1d_same_dilated', noStep: true, inShape: [10, 2], scale: 1, formats: ['tfjs'],
       build: () => seq([L.conv1d({filters: 3, kernelSize: 2, inputShape: [10, 2]}),
                         L.conv1d({filters: 2, kernelSize: 3, padding: 'same', dilationRate: 2,
                                   activation: 'sigmoid'})])});
  add({name: 'conv1d_causal', noStep: true, inShape: [8, 3], scale: 1, formats: ['tfjs', 'keras2'],
       note: 'TF.js has no causal padding: KccConv pads (k-1)*d zeros before, then valid (no step: TF.js has no gradient for a dilated convolution)',
       edit: kerasLayers,
       build: () => seq([L.conv1d({filters: 4, kernelSize: 1, inputShape: [8, 3]}),
                         kcc({kind: 'conv', rank: 1, filters: 3, kernel: [3], padding: 'causal',
                              dilation: [2], act: 'tanh'}, {name: 'conv1d_causal'})])});
  add({name: 'conv1d_groups_channels_first', inShape: [4, 7], scale: 1, formats: ['tfjs'],
       note: 'TF.js has no groups and no channels_first Conv1D: computed by KccConv',
       edit: kerasLayers,
       build: () => seq([kcc({kind: 'conv', rank: 1, filters: 6, kernel: [3], cf: true},
                             {name: 'conv1d_first', inputShape: [4, 7]}),
                         kcc({kind: 'conv', rank: 1, filters: 4, kernel: [2], strides: [2],
                              padding: 'same', groups: 2, cf: true}, {name: 'conv1d_groups'})])});

  // ---- Conv2D --------------------------------------------------------------
  add({name: 'conv2d_basic', inShape: [6, 5, 2], scale: 1,
       build: () => seq([L.conv2d({filters: 3, kernelSize: 3, activation: 'relu', inputShape: [6, 5, 2]}),
                         L.conv2d({filters: 2, kernelSize: [2, 1], padding: 'same'})])});
  add({name: 'conv2d_same_odd', inShape: [7, 6, 3], scale: 1, formats: ['tfjs'],
       note: "odd sizes and even kernels: TensorFlow's 'same' pads the extra row and column after",
       build: () => seq([L.conv2d({filters: 4, kernelSize: [4, 2], strides: 2, padding: 'same',
                                   inputShape: [7, 6, 3]}),
                         L.conv2d({filters: 3, kernelSize: 2, padding: 'same', activation: 'tanh'})])});
  add({name: 'conv2d_valid_strides', inShape: [9, 11, 2], scale: 1, formats: ['tfjs'],
       build: () => seq([L.conv2d({filters: 3, kernelSize: [3, 4], strides: [2, 3], inputShape: [9, 11, 2]}),
                         L.conv2d({filters: 2, kernelSize: 2, strides: [1, 2]})])});
  add({name: 'conv2d_dilation', noStep: true, inShape: [5, 6, 2], scale: 1, formats: ['tfjs'],
       note: 'no step: TF.js has no gradient for a dilated convolution',
       build: () => seq([L.conv2d({filters: 3, kernelSize: 3, dilationRate: [2, 1], padding: 'same',
                                   inputShape: [5, 6, 2]}),
                         L.conv2d({filters: 2, kernelSize: 2, dilationRate: 2, activation: 'sigmoid'})])});
  add({name: 'conv2d_channels_first', inShape: [2, 5, 4], scale: 1,
       note: 'channels_first; the 8-filter layer takes the im2col path, the other the direct one',
       build: () => seq([L.conv2d({filters: 8, kernelSize: 3, padding: 'same', strides: [1, 2],
                                   dataFormat: cf, activation: 'tanh', inputShape: [2, 5, 4]}),
                         L.conv2d({filters: 2, kernelSize: 2, dataFormat: cf})])});
  add({name: 'conv2d_groups', inShape: [5, 6, 4], scale: 1, formats: ['tfjs', 'keras3'],
       note: 'TF.js has no groups: computed by KccConv (split, convolve, concatenate)',
       edit: kerasLayers,
       build: () => seq([L.conv2d({filters: 6, kernelSize: 1, inputShape: [5, 6, 4]}),
                         kcc({kind: 'conv', rank: 2, filters: 9, kernel: [3, 2], groups: 3,
                              padding: 'same', act: 'tanh'}, {name: 'conv2d_groups'})])});
  add({name: 'conv2d_groups_channels_first', inShape: [4, 5, 5], scale: 1, formats: ['tfjs'],
       note: 'TF.js has no groups: computed by KccConv',
       edit: kerasLayers,
       build: () => seq([L.conv2d({filters: 4, kernelSize: 2, dataFormat: cf, inputShape: [4, 5, 5]}),
                         kcc({kind: 'conv', rank: 2, filters: 8, kernel: [2, 2], groups: 4,
                              strides: [2, 1], cf: true, bias: false}, {name: 'conv2d_groups_first'})])});
  add({name: 'conv2d_nobias_im2col', inShape: [9, 9, 1], scale: 1, formats: ['tfjs'],
       note: 'im2col over 81 output positions: two blocks, the second ending in a single row',
       build: () => seq([L.conv2d({filters: 8, kernelSize: 3, padding: 'same', useBias: false,
                                   inputShape: [9, 9, 1]})])});
  add({name: 'conv2d_pointwise', inShape: [4, 5, 6], scale: 1, formats: ['tfjs'],
       note: 'a 1x1 convolution: the input is the patch matrix',
       build: () => seq([L.conv2d({filters: 8, kernelSize: 1, activation: 'tanh', inputShape: [4, 5, 6]}),
                         L.conv2d({filters: 9, kernelSize: 1})])});
  add({name: 'conv2d_softmax_fused', inShape: [5, 5, 2], scale: 1, formats: ['tfjs'],
       note: "a softmax activation (along the last axis) and an Activation layer fused after",
       build: () => seq([L.conv2d({filters: 8, kernelSize: 2, activation: 'relu', inputShape: [5, 5, 2]}),
                         L.activation({activation: 'tanh'}),
                         L.conv2d({filters: 4, kernelSize: 2, activation: 'softmax'})])});

  // ---- Conv3D --------------------------------------------------------------
  add({name: 'conv3d_basic', inShape: [3, 4, 3, 2], scale: 1,
       build: () => seq([L.conv3d({filters: 3, kernelSize: [2, 3, 2], padding: 'same', strides: [1, 2, 1],
                                   activation: 'tanh', inputShape: [3, 4, 3, 2]}),
                         L.conv3d({filters: 2, kernelSize: 2})])});
  add({name: 'conv3d_channels_first', inShape: [2, 3, 4, 3], scale: 1, formats: ['tfjs'],
       note: 'TF.js has no channels_first Conv3D: computed by KccConv (transposes)',
       edit: kerasLayers,
       build: () => seq([kcc({kind: 'conv', rank: 3, filters: 8, kernel: [2, 2, 2], padding: 'same',
                              cf: true, act: 'tanh'}, {name: 'conv3d_first', inputShape: [2, 3, 4, 3]}),
                         kcc({kind: 'conv', rank: 3, filters: 3, kernel: [2, 3, 1], strides: [1, 2, 2],
                              cf: true}, {name: 'conv3d_second'})])});

  // ---- DepthwiseConv2D -----------------------------------------------------
  add({name: 'depthwise_conv2d', inShape: [7, 6, 3], scale: 1,
       build: () => seq([L.conv2d({filters: 4, kernelSize: 1, inputShape: [7, 6, 3]}),
                         L.depthwiseConv2d({kernelSize: 3, depthMultiplier: 2, strides: 2, padding: 'same',
                                            activation: 'tanh'})])});
  add({name: 'depthwise_conv2d_channels_first', inShape: [3, 6, 5], scale: 1, formats: ['tfjs'],
       build: () => seq([L.depthwiseConv2d({kernelSize: [3, 2], dataFormat: cf, inputShape: [3, 6, 5]}),
                         L.depthwiseConv2d({kernelSize: 2, depthMultiplier: 3, useBias: false,
                                            dataFormat: cf})])});
  add({name: 'depthwise_conv2d_dilation', inShape: [8, 7, 2], scale: 1, formats: ['tfjs', 'keras3'],
       note: 'TF.js ignores DepthwiseConv2D dilation_rate: computed by KccConv (no TF.js gradient, no step)',
       noStep: true, edit: kerasLayers,
       build: () => seq([L.conv2d({filters: 3, kernelSize: 1, inputShape: [8, 7, 2]}),
                         kcc({kind: 'depthwise', rank: 2, kernel: [3, 2], mult: 2, dilation: [2, 3],
                              padding: 'same'}, {name: 'depthwise_dilated'})])});

  // ---- SeparableConv2D -----------------------------------------------------
  // (TF.js cannot reload its own SeparableConv2D with a depth_multiplier:
  // its JSON omits it.  KccConv computes with tf.separableConv2d.)
  add({name: 'separable_conv2d', inShape: [7, 6, 3], scale: 1,
       edit: kerasLayers,
       build: () => seq([L.conv2d({filters: 3, kernelSize: 1, inputShape: [7, 6, 3]}),
                         kcc({kind: 'separable', rank: 2, filters: 5, kernel: [3, 3], mult: 2,
                              strides: [2, 2], padding: 'same', act: 'tanh'}, {name: 'separable'})])});
  add({name: 'separable_conv2d_channels_first', noStep: true, inShape: [2, 7, 7], scale: 1, formats: ['tfjs'],
       note: 'channels_first and dilation (no step: TF.js has no gradient for a dilated convolution)',
       edit: kerasLayers,
       build: () => seq([L.conv2d({filters: 3, kernelSize: 2, dataFormat: cf, inputShape: [2, 7, 7]}),
                         kcc({kind: 'separable', rank: 2, filters: 4, kernel: [2, 2], mult: 3,
                              dilation: [2, 2], cf: true, bias: false}, {name: 'separable_first'})])});

  // ---- Conv2DTranspose -----------------------------------------------------
  add({name: 'conv2d_transpose', inShape: [4, 3, 2], scale: 1,
       build: () => seq([L.conv2d({filters: 3, kernelSize: 1, inputShape: [4, 3, 2]}),
                         L.conv2dTranspose({filters: 4, kernelSize: 3, strides: 2, padding: 'same',
                                            activation: 'tanh'})])});
  add({name: 'conv2d_transpose_valid', inShape: [3, 4, 3], scale: 1, formats: ['tfjs'],
       note: 'valid, with a kernel smaller than the stride along one axis',
       build: () => seq([L.conv2d({filters: 2, kernelSize: 1, inputShape: [3, 4, 3]}),
                         L.conv2dTranspose({filters: 3, kernelSize: [3, 2], strides: [2, 3]})])});
  add({name: 'conv2d_transpose_channels_first', inShape: [3, 3, 4], scale: 1, formats: ['tfjs'],
       build: () => seq([L.conv2d({filters: 2, kernelSize: 2, dataFormat: cf, inputShape: [3, 3, 4]}),
                         L.conv2dTranspose({filters: 3, kernelSize: 2, strides: 2, dataFormat: cf,
                                            padding: 'same'})])});
  add({name: 'conv2d_transpose_output_padding', inShape: [3, 4, 2], scale: 1, formats: ['tfjs', 'keras2'],
       note: 'TF.js has no output_padding: KccConv gives TF.js the output shape of Keras',
       edit: kerasLayers,
       build: () => seq([L.conv2d({filters: 3, kernelSize: 1, inputShape: [3, 4, 2]}),
                         kcc({kind: 'transpose', rank: 2, filters: 2, kernel: [3, 3], strides: [2, 3],
                              padding: 'same', outpad: [1, 2]}, {name: 'transpose_same_pad'}),
                         kcc({kind: 'transpose', rank: 2, filters: 2, kernel: [2, 3], strides: [2, 2],
                              outpad: [1, 0], act: 'tanh'}, {name: 'transpose_valid_pad'})])});
  add({name: 'conv2d_transpose_dilation', inShape: [4, 4, 2], scale: 1, formats: ['tfjs'],
       note: 'TF.js ignores Conv2DTranspose dilation_rate: KccConv uses a zero-stuffed kernel',
       edit: kerasLayers,
       build: () => seq([L.conv2d({filters: 3, kernelSize: 1, inputShape: [4, 4, 2]}),
                         kcc({kind: 'transpose', rank: 2, filters: 2, kernel: [3, 2], dilation: [2, 2],
                              padding: 'same'}, {name: 'transpose_dilated_same'}),
                         kcc({kind: 'transpose', rank: 2, filters: 2, kernel: [2, 2], dilation: [1, 2]},
                             {name: 'transpose_dilated_valid'})])});

  // ---- the 1D and 3D variants (TF.js has none: KccConv) --------------------
  add({name: 'depthwise_conv1d_channels_first', inShape: [3, 9], scale: 1, formats: ['tfjs', 'keras3'],
       edit: kerasLayers,
       build: () => seq([kcc({kind: 'conv', rank: 1, filters: 3, kernel: [1], cf: true},
                             {name: 'conv1d_first', inputShape: [3, 9]}),
                         kcc({kind: 'depthwise', rank: 1, kernel: [3], mult: 2, strides: [2],
                              padding: 'same', cf: true, act: 'tanh'}, {name: 'depthwise1d'})])});
  add({name: 'separable_conv1d_causal', inShape: [8, 2], scale: 1, formats: ['tfjs', 'keras2'],
       note: "causal padding: tf.keras's SeparableConv1D takes it",
       edit: kerasLayers,
       build: () => seq([L.conv1d({filters: 3, kernelSize: 1, inputShape: [8, 2]}),
                         kcc({kind: 'separable', rank: 1, filters: 4, kernel: [3], mult: 2,
                              padding: 'causal'}, {name: 'separable1d_causal'}),
                         kcc({kind: 'separable', rank: 1, filters: 2, kernel: [2], strides: [2],
                              padding: 'same', bias: false}, {name: 'separable1d'})])});
  add({name: 'conv1d_transpose', inShape: [5, 2], scale: 1, formats: ['tfjs', 'keras3'],
       edit: kerasLayers,
       build: () => seq([L.conv1d({filters: 3, kernelSize: 1, inputShape: [5, 2]}),
                         kcc({kind: 'transpose', rank: 1, filters: 2, kernel: [3], strides: [2],
                              padding: 'same', outpad: [1], act: 'tanh'}, {name: 'transpose1d'}),
                         kcc({kind: 'transpose', rank: 1, filters: 2, kernel: [2], dilation: [2]},
                             {name: 'transpose1d_dilated'})])});
  add({name: 'conv3d_transpose', inShape: [2, 2, 2, 2], scale: 1, formats: ['tfjs', 'keras2'],
       note: 'no step: TF.js has no gradient for conv3dTranspose', noStep: true, edit: kerasLayers,
       build: () => seq([L.conv3d({filters: 2, kernelSize: 1, inputShape: [2, 2, 2, 2]}),
                         kcc({kind: 'transpose', rank: 3, filters: 2, kernel: [2, 2, 3], strides: [2, 1, 2],
                              padding: 'same'}, {name: 'transpose3d'}),
                         kcc({kind: 'transpose', rank: 3, filters: 2, kernel: [1, 2, 2], cf: true},
                             {name: 'transpose3d_first'})])});


  // ---- Keras 1 ---------------------------------------------------------------
  // The same layers written as Keras 1.2 writes them.
  function keras1(topo) {
    topo.keras_version = '1.2.1';
    for (const l of topo.config.layers) {
      const c = l.config, k = {name: c.name, trainable: true};
      if (l.class_name === 'Conv1D') {
        l.class_name = 'Convolution1D';
        if (c.batch_input_shape) {
          k.input_dim = c.batch_input_shape[2];
          k.input_length = c.batch_input_shape[1];
        }
        Object.assign(k, {nb_filter: c.filters, filter_length: c.kernel_size[0], init: 'glorot_uniform',
                          activation: c.activation, border_mode: c.padding,
                          subsample_length: c.strides[0], W_regularizer: null, b_regularizer: null,
                          activity_regularizer: null, W_constraint: null, b_constraint: null,
                          bias: c.use_bias});
      } else if (l.class_name === 'Conv2D') {
        l.class_name = 'Convolution2D';
        if (c.batch_input_shape) k.batch_input_shape = c.batch_input_shape;
        Object.assign(k, {nb_filter: c.filters, nb_row: c.kernel_size[0], nb_col: c.kernel_size[1],
                          init: 'he_normal', activation: c.activation, border_mode: c.padding,
                          subsample: c.strides,
                          dim_ordering: c.data_format === 'channels_first' ? 'th' : 'tf',
                          W_regularizer: {l1: 0.0, l2: 0.01, name: 'WeightRegularizer'},
                          b_regularizer: null, activity_regularizer: null, W_constraint: null,
                          b_constraint: null, bias: c.use_bias});
      } else {
        continue;
      }
      l.config = k;
    }
  }
  add({name: 'conv_keras1_convolution1d', inShape: [7, 3], scale: 1, formats: ['tfjs'],
       note: 'Keras 1 spelling: Convolution1D, nb_filter, filter_length, subsample_length, border_mode, input_dim/input_length',
       edit: keras1,
       build: () => seq([L.conv1d({filters: 4, kernelSize: 3, activation: 'relu', inputShape: [7, 3]}),
                         L.conv1d({filters: 2, kernelSize: 2, strides: 2, padding: 'same'})])});
  add({name: 'conv_keras1_convolution2d_th', inShape: [2, 6, 5], scale: 1, formats: ['tfjs'],
       note: "Keras 1 spelling: Convolution2D, nb_row/nb_col, subsample, dim_ordering 'th', W_regularizer (no step: TF.js trains without it)",
       edit: keras1, noStep: true,
       build: () => seq([L.conv2d({filters: 3, kernelSize: [3, 2], padding: 'same', strides: [2, 1],
                                   dataFormat: cf, activation: 'tanh', inputShape: [2, 6, 5]}),
                         L.conv2d({filters: 2, kernelSize: 2, dataFormat: cf, useBias: false})])});

  // ---- channels_first counterparts ---------------------------------------
  // Every layer with a data_format is checked in both.  These come last:
  // TF.js numbers its layers across cases, so a case added before others
  // would rename their layers.
  add({name: 'conv1d_transpose_channels_first', inShape: [3, 5], scale: 1, formats: ['tfjs'],
       note: 'TF.js has no Conv1DTranspose or channels_first Conv1D: computed by KccConv (transposes)',
       edit: kerasLayers,
       build: () => seq([kcc({kind: 'conv', rank: 1, filters: 2, kernel: [1], cf: true},
                             {name: 'conv1d_first', inputShape: [3, 5]}),
                         kcc({kind: 'transpose', rank: 1, filters: 3, kernel: [3], strides: [2],
                              cf: true, act: 'tanh'}, {name: 'transpose1d_first'})])});
  add({name: 'conv3d_transpose_channels_first', inShape: [2, 2, 3, 2], scale: 1, formats: ['tfjs'],
       note: 'TF.js has no channels_first Conv3D/Conv3DTranspose: computed by KccConv (transposes); ' +
             'no step: TF.js has no gradient for conv3dTranspose',
       noStep: true, edit: kerasLayers,
       build: () => seq([kcc({kind: 'conv', rank: 3, filters: 3, kernel: [1, 1, 1], cf: true},
                             {name: 'conv3d_first', inputShape: [2, 2, 3, 2]}),
                         kcc({kind: 'transpose', rank: 3, filters: 2, kernel: [2, 3, 2], strides: [2, 1, 2],
                              padding: 'same', cf: true}, {name: 'transpose3d_first_same'})])});
  add({name: 'separable_conv1d_channels_first', inShape: [3, 8], scale: 1, formats: ['tfjs'],
       note: 'TF.js has no SeparableConv1D or channels_first Conv1D: computed by KccConv (transposes)',
       edit: kerasLayers,
       build: () => seq([kcc({kind: 'conv', rank: 1, filters: 2, kernel: [1], cf: true},
                             {name: 'conv1d_first', inputShape: [3, 8]}),
                         kcc({kind: 'separable', rank: 1, filters: 3, kernel: [3], mult: 2, strides: [2],
                              padding: 'same', cf: true, act: 'tanh'}, {name: 'separable1d_first'})])});
};
