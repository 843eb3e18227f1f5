// cases_pool.js - numeric cases of the pooling family: max, average and
// global pooling, zero padding, cropping and upsampling (compiler/ops_pool.c).
//
// Every model starts with a Dense, so that the gradient check (which
// perturbs parameters only) goes through the backward pass of the layer
// under test.  One case per layer type is checked in all three formats;
// the others in TF.js's.
//
// TF.js 4.22 lacks some of these layers and options (../shared/KERAS-NOTES.md):
// UpSampling1D/3D, ZeroPadding1D/3D, Cropping1D/3D, GlobalPooling3D,
// keepdims, channels_first 1D global pooling.  Those cases build the same
// computation from layers TF.js has (Reshape, Permute, TimeDistributed
// (RepeatVector) around a 2D or 1D layer: pure data movement, so TF.js's
// outputs and its training step are exactly the Keras layer's), and edit
// the saved JSON to the single Keras layer.  Nearest upsampling is built
// that way even where TF.js has the layer: its UpSampling2D's gradient is
// wrong for batches of more than one sample.  Two more TF.js gradients are
// wrong (average pooling and 3D max pooling with "same" padding): those
// cases record no training step, and gradcheck.* checks kcc's backward
// pass against finite differences as for every case.  Bilinear UpSampling2D
// resizes with half-pixel centers in Keras (tf.image.resize) but not in
// TF.js: its expected output comes from tf.image.resizeBilinear with
// halfPixelCenters, without a training step.
'use strict';

module.exports = (add, L, helpers) => {
  const {seq, kerasLayer, tf} = helpers;

  // Keras 2 and 3 write options TF.js leaves out.
  const dataFormatLast = c => { if (!('data_format' in c)) c.data_format = 'channels_last'; };
  const keepdims = c => { if (!('keepdims' in c)) c.keepdims = false; };
  for (const cls of ['MaxPooling1D', 'AveragePooling1D'])
    kerasLayer[cls] = c => dataFormatLast(c);
  for (const cls of ['GlobalMaxPooling1D', 'GlobalAveragePooling1D']) {
    kerasLayer[cls] = c => { dataFormatLast(c); keepdims(c); };
  }
  for (const cls of ['GlobalMaxPooling2D', 'GlobalAveragePooling2D', 'GlobalMaxPooling3D',
                     'GlobalAveragePooling3D'])
    kerasLayer[cls] = c => { dataFormatLast(c); keepdims(c); };
  // Keras 3's ZeroPadding1D has a data_format; Keras 2's had none.
  kerasLayer.ZeroPadding1D = (c, major) => { if (major === 3) dataFormatLast(c); };

  // TF.js 4.22's gradients of average pooling with "same" padding and of 3D
  // max pooling with "same" padding disagree with finite differences of its
  // own forward pass.
  const noStepAvg = 'no training step: TF.js 4.22 gets the gradient of "same" average pooling wrong';
  const noStepMax3d = 'no training step: TF.js 4.22 gets the gradient of "same" 3D max pooling wrong';
  const also = (a, b) => (a ? `${a}; ${b}` : b);

  // Replaces layers [from, to] of a saved topology by one Keras layer.
  let edits = 0;
  const replace = (topo, from, to, className, config) => {
    const layers = topo.config.layers;
    const name = `${className.toLowerCase()}_${++edits}`;
    layers.splice(from, to - from + 1, {class_name: className,
                                        config: {name, trainable: true, ...config}});
  };
  const keras1 = topo => { topo.keras_version = '1.2.2'; };
  const layerAt = (topo, i) => topo.config.layers[i].config;

  // ---- max pooling --------------------------------------------------------
  // Length 8, pool 3, stride 2, same: padding 0 before and 1 after; the ReLU
  // runs in the pooling kernel, on each output position.
  add({name: 'maxpool1d', inShape: [8, 3], scale: 2,
       build: () => seq([L.dense({units: 4, inputShape: [8, 3]}),
                         L.maxPooling1d({poolSize: 3, strides: 2, padding: 'same'}),
                         L.reLU({})])});
  add({name: 'maxpool1d_keras1', inShape: [9, 2], scale: 2, formats: ['tfjs'],
       note: 'Keras 1 spelling: pool_length, stride, border_mode',
       build: () => seq([L.dense({units: 3, inputShape: [9, 2]}),
                         L.maxPooling1d({poolSize: 4, strides: 3, padding: 'valid'})]),
       edit: topo => {
         keras1(topo);
         const c = layerAt(topo, 1);
         for (const k of ['pool_size', 'strides', 'padding']) delete c[k];
         Object.assign(c, {pool_length: 4, stride: 3, border_mode: 'valid'});
       }});
  // 7x5, pool 2x3, stride 2, same: rows padded 0/1 (odd), columns 1/1.
  add({name: 'maxpool2d_same', inShape: [7, 5, 2], scale: 2,
       build: () => seq([L.dense({units: 3, inputShape: [7, 5, 2]}),
                         L.maxPooling2d({poolSize: [2, 3], strides: 2, padding: 'same'})])});
  add({name: 'maxpool2d_channels_first', inShape: [3, 8, 7], scale: 2, formats: ['tfjs'],
       build: () => seq([L.dense({units: 5, inputShape: [3, 8, 7]}),
                         L.maxPooling2d({poolSize: 3, strides: [1, 2], padding: 'valid',
                                         dataFormat: 'channelsFirst'})])});
  add({name: 'maxpool2d_keras1_th', inShape: [2, 7, 6], scale: 2, formats: ['tfjs'],
       note: 'Keras 1 spelling: border_mode, dim_ordering "th"',
       build: () => seq([L.dense({units: 4, inputShape: [2, 7, 6]}),
                         L.maxPooling2d({poolSize: [3, 2], strides: [2, 3], padding: 'same',
                                         dataFormat: 'channelsFirst'})]),
       edit: topo => {
         keras1(topo);
         const c = layerAt(topo, 1);
         c.border_mode = c.padding;
         c.dim_ordering = 'th';
         delete c.padding;
         delete c.data_format;
       }});
  // Keras 3's alias, with activations fused into the pooling kernel (an
  // element-wise one per position, then a softmax over the whole output).
  add({name: 'maxpool2d_alias_fused', inShape: [6, 6, 3], scale: 2, formats: ['tfjs'],
       note: "the class spelled MaxPool2D (Keras 3's alias); tanh and softmax fused",
       build: () => seq([L.dense({units: 4, inputShape: [6, 6, 3]}),
                         L.maxPooling2d({poolSize: 2, padding: 'valid'}),
                         L.activation({activation: 'tanh'}), L.softmax({axis: -1})]),
       edit: topo => { topo.config.layers[1].class_name = 'MaxPool2D'; }});
  add({name: 'maxpool3d', inShape: [5, 4, 3, 2], scale: 2,
       note: noStepMax3d, noStep: true,
       build: () => seq([L.dense({units: 3, inputShape: [5, 4, 3, 2]}),
                         L.maxPooling3d({poolSize: [2, 3, 2], strides: [2, 1, 2],
                                         padding: 'same'})])});
  add({name: 'maxpool3d_channels_first', inShape: [2, 5, 4, 5], scale: 2, formats: ['tfjs'],
       build: () => seq([L.dense({units: 4, inputShape: [2, 5, 4, 5]}),
                         L.maxPooling3d({poolSize: 2, padding: 'valid', dataFormat: 'channelsFirst'})])});

  // ---- average pooling ----------------------------------------------------
  // Same padding averages over the in-bounds elements only.
  add({name: 'avgpool1d', inShape: [8, 3], scale: 2,
       note: noStepAvg, noStep: true,
       build: () => seq([L.dense({units: 4, inputShape: [8, 3]}),
                         L.averagePooling1d({poolSize: 3, strides: 2, padding: 'same'})])});
  // 7x6, pool 3, stride 2, same: rows padded 1/1, columns 0/1; a fused
  // sigmoid.
  add({name: 'avgpool2d_same', inShape: [7, 6, 2], scale: 2,
       note: noStepAvg, noStep: true,
       build: () => seq([L.dense({units: 3, inputShape: [7, 6, 2]}),
                         L.averagePooling2d({poolSize: 3, strides: 2, padding: 'same'}),
                         L.activation({activation: 'sigmoid'})])});
  add({name: 'avgpool2d_channels_first', inShape: [3, 5, 6], scale: 2, formats: ['tfjs'],
       note: "the class spelled AvgPool2D (Keras 3's alias)",
       build: () => seq([L.dense({units: 4, inputShape: [3, 5, 6]}),
                         L.averagePooling2d({poolSize: [2, 3], strides: [1, 2], padding: 'valid',
                                             dataFormat: 'channelsFirst'})]),
       edit: topo => { topo.config.layers[1].class_name = 'AvgPool2D'; }});
  add({name: 'avgpool3d', inShape: [5, 4, 3, 2], scale: 2,
       note: noStepAvg, noStep: true,
       build: () => seq([L.dense({units: 2, inputShape: [5, 4, 3, 2]}),
                         L.averagePooling3d({poolSize: [2, 2, 3], strides: [2, 1, 1],
                                             padding: 'same'})])});

  // ---- global pooling -----------------------------------------------------
  add({name: 'gmaxpool1d', inShape: [6, 4], scale: 2,
       build: () => seq([L.dense({units: 3, inputShape: [6, 4]}), L.globalMaxPooling1d({})])});
  add({name: 'gavgpool1d_channels_first', inShape: [5, 6], scale: 2, formats: ['tfjs'],
       note: 'TF.js has no channels_first 1D global pooling: built as Permute + GlobalAveragePooling1D',
       build: () => seq([L.dense({units: 4, inputShape: [5, 6]}), L.permute({dims: [2, 1]}),
                         L.globalAveragePooling1d({})]),
       edit: topo => replace(topo, 1, 2, 'GlobalAveragePooling1D', {data_format: 'channels_first'})});
  add({name: 'gavgpool2d', inShape: [5, 3, 4], scale: 2,
       build: () => seq([L.dense({units: 3, inputShape: [5, 3, 4]}),
                         L.globalAveragePooling2d({})])});
  add({name: 'gmaxpool2d_keras1_th', inShape: [3, 4, 5], scale: 2, formats: ['tfjs'],
       note: 'Keras 1 spelling: dim_ordering "th"',
       build: () => seq([L.dense({units: 4, inputShape: [3, 4, 5]}),
                         L.globalMaxPooling2d({dataFormat: 'channelsFirst'})]),
       edit: topo => {
         keras1(topo);
         delete layerAt(topo, 1).data_format;
         layerAt(topo, 1).dim_ordering = 'th';
       }});
  add({name: 'gavgpool2d_keepdims', inShape: [4, 5, 3], scale: 2, formats: ['tfjs'],
       note: 'TF.js has no keepdims: built as GlobalAveragePooling2D + Reshape',
       build: () => seq([L.dense({units: 3, inputShape: [4, 5, 3]}), L.globalAveragePooling2d({}),
                         L.reshape({targetShape: [1, 1, 3]})]),
       edit: topo => replace(topo, 1, 2, 'GlobalAveragePooling2D',
                             {data_format: 'channels_last', keepdims: true})});
  add({name: 'gavgpool3d', inShape: [3, 4, 2, 3], scale: 2,
       note: 'TF.js has no GlobalAveragePooling3D: built as Reshape + GlobalAveragePooling1D',
       build: () => seq([L.dense({units: 4, inputShape: [3, 4, 2, 3]}),
                         L.reshape({targetShape: [24, 4]}), L.globalAveragePooling1d({})]),
       edit: topo => replace(topo, 1, 2, 'GlobalAveragePooling3D', {data_format: 'channels_last'})});
  add({name: 'gmaxpool3d_channels_first', inShape: [3, 2, 4, 3], scale: 2, formats: ['tfjs'],
       note: 'TF.js has no GlobalMaxPooling3D or keepdims: built from Reshape, Permute, ' +
             'GlobalMaxPooling1D and Reshape',
       build: () => seq([L.dense({units: 4, inputShape: [3, 2, 4, 3]}),
                         L.reshape({targetShape: [3, 32]}), L.permute({dims: [2, 1]}),
                         L.globalMaxPooling1d({}), L.reshape({targetShape: [3, 1, 1, 1]})]),
       edit: topo => replace(topo, 1, 4, 'GlobalMaxPooling3D',
                             {data_format: 'channels_first', keepdims: true})});

  // ---- zero padding -------------------------------------------------------
  // 1D and 3D from ZeroPadding2D over reshaped data.
  const pad1d = (inShape, units, pads, keras1Spelling) => () => seq([
    L.dense({units, inputShape: inShape}), L.reshape({targetShape: [inShape[0], 1, units]}),
    L.zeroPadding2d({padding: [pads, [0, 0]]}),
    L.reshape({targetShape: [inShape[0] + pads[0] + pads[1], units]})]);
  add({name: 'zeropad1d', inShape: [5, 3], scale: 2,
       note: 'TF.js has no ZeroPadding1D: built as Reshape + ZeroPadding2D + Reshape',
       build: pad1d([5, 3], 4, [2, 1]),
       edit: topo => replace(topo, 1, 3, 'ZeroPadding1D', {padding: [2, 1]})});
  add({name: 'zeropad2d', inShape: [4, 3, 2], scale: 2,
       build: () => seq([L.dense({units: 3, inputShape: [4, 3, 2]}),
                         L.zeroPadding2d({padding: [[1, 2], [0, 3]]})])});
  add({name: 'zeropad2d_channels_first', inShape: [2, 3, 4], scale: 2, formats: ['tfjs'],
       note: 'padding written as one integer',
       build: () => seq([L.dense({units: 3, inputShape: [2, 3, 4]}),
                         L.zeroPadding2d({padding: 1, dataFormat: 'channelsFirst'})]),
       edit: topo => { layerAt(topo, 1).padding = 1; }});
  add({name: 'zeropad2d_keras1', inShape: [3, 4, 2], scale: 2, formats: ['tfjs'],
       note: 'Keras 1 spelling: padding as (top, bottom, left, right), dim_ordering "tf"',
       build: () => seq([L.dense({units: 2, inputShape: [3, 4, 2]}),
                         L.zeroPadding2d({padding: [[0, 2], [1, 0]]})]),
       edit: topo => {
         keras1(topo);
         const c = layerAt(topo, 1);
         c.padding = [0, 2, 1, 0];
         delete c.data_format;
         c.dim_ordering = 'tf';
       }});
  // [D, H, W, C] -> pad D, H on [D, H, W*C] -> pad W on [D'*H', W, C].
  // boxLayers: those layers for [d, h, w, c] data; box3d: a Dense, then them.
  const boxLayers = (dims, c, p, layer2d) => {
    const [d, h, w] = dims;
    const [d2, h2, w2] = [0, 1, 2].map(i => dims[i] + (layer2d === 'pad' ? 1 : -1) *
                                                       (p[i][0] + p[i][1]));
    const mk = pads => (layer2d === 'pad' ? L.zeroPadding2d({padding: pads})
                                          : L.cropping2D({cropping: pads}));
    return [L.reshape({targetShape: [d, h, w * c]}),
            mk([p[0], p[1]]), L.reshape({targetShape: [d2 * h2, w, c]}),
            mk([[0, 0], p[2]]), L.reshape({targetShape: [d2, h2, w2, c]})];
  };
  const box3d = (inShape, units, p, layer2d) => () =>
    seq([L.dense({units, inputShape: inShape}), ...boxLayers(inShape.slice(0, 3), units, p, layer2d)]);
  add({name: 'zeropad3d', inShape: [2, 3, 2, 2], scale: 2,
       note: 'TF.js has no ZeroPadding3D: built from two ZeroPadding2D and Reshapes',
       build: box3d([2, 3, 2, 2], 3, [[1, 0], [0, 2], [1, 1]], 'pad'),
       edit: topo => replace(topo, 1, 5, 'ZeroPadding3D',
                             {padding: [[1, 0], [0, 2], [1, 1]], data_format: 'channels_last'})});

  // ---- cropping -----------------------------------------------------------
  add({name: 'crop1d', inShape: [7, 3], scale: 2,
       note: 'TF.js has no Cropping1D: built as Reshape + Cropping2D + Reshape',
       build: () => seq([L.dense({units: 2, inputShape: [7, 3]}), L.reshape({targetShape: [7, 1, 2]}),
                         L.cropping2D({cropping: [[2, 1], [0, 0]]}), L.reshape({targetShape: [4, 2]})]),
       edit: topo => replace(topo, 1, 3, 'Cropping1D', {cropping: [2, 1]})});
  add({name: 'crop2d', inShape: [6, 5, 2], scale: 2,
       build: () => seq([L.dense({units: 3, inputShape: [6, 5, 2]}),
                         L.cropping2D({cropping: [[1, 0], [2, 1]]})])});
  add({name: 'crop2d_channels_first', inShape: [2, 5, 6], scale: 2, formats: ['tfjs'],
       note: 'cropping written as one integer; a fused tanh',
       build: () => seq([L.dense({units: 4, inputShape: [2, 5, 6]}),
                         L.cropping2D({cropping: 1, dataFormat: 'channelsFirst'}),
                         L.activation({activation: 'tanh'})]),
       edit: topo => { layerAt(topo, 1).cropping = 1; }});
  add({name: 'crop3d', inShape: [4, 5, 4, 2], scale: 2,
       note: 'TF.js has no Cropping3D: built from two Cropping2D and Reshapes',
       build: box3d([4, 5, 4, 2], 2, [[1, 1], [2, 0], [0, 1]], 'crop'),
       edit: topo => replace(topo, 1, 5, 'Cropping3D',
                             {cropping: [[1, 1], [2, 0], [0, 1]], data_format: 'channels_last'})});

  // ---- upsampling ---------------------------------------------------------
  // Nearest upsampling of [d1, .., dn, C] by sizes s, built from
  // TimeDistributed(RepeatVector) and Reshape: TF.js's UpSampling2D (a
  // nearest resize) gets its gradient wrong for more than one sample, these
  // do not.  From the last axis to the first, the tensor is [d1, .., di, V]
  // (V: the axes after i, already repeated, with the channels); repeating V
  // s_i times under i TimeDistributed gives [d1, .., di, s_i, V], that is
  // [d1, .., d(i-1), V'] with axis i repeated.
  const nearest = (dims, c, s) => {
    const out = [];
    let v = c;
    for (let i = dims.length - 1; i >= 0; i--) {
      let l = L.repeatVector({n: s[i]});
      for (let k = 0; k <= i; k++) l = L.timeDistributed({layer: l});
      out.push(l);
      v *= dims[i] * s[i];
      out.push(L.reshape({targetShape: i > 0 ? [...dims.slice(0, i), v]
                                             : [...dims.map((d, k) => d * s[k]), c]}));
    }
    return out;
  };
  // The same for channels_first data: [C, d1, .., dn] permuted around it.
  const nearestFirst = (dims, c, s) => {
    const n = dims.length, axes = [...Array(n).keys()].map(k => k + 2);
    return [L.permute({dims: [...axes, 1]}), ...nearest(dims, c, s),
            L.permute({dims: [n + 1, ...axes.map(a => a - 1)]})];
  };
  const upsample = (inShape, units, s, className, config, first) => ({
    build: () => seq([L.dense({units, inputShape: inShape}),
                      ...(first ? nearestFirst(inShape.slice(1, -1).concat([units]), inShape[0], s)
                                : nearest(inShape.slice(0, -1), units, s))]),
    edit: topo => {
      if ('length' in config) keras1(topo);
      replace(topo, 1, topo.config.layers.length - 1, className, config);
    },
  });
  const viaRepeat = 'built from TimeDistributed(RepeatVector) and Reshape';
  const wrongGrad = 'TF.js 4.22 gets the gradient of its UpSampling2D wrong for more than one ' +
                    `sample: ${viaRepeat}`;
  add({name: 'upsample1d', inShape: [4, 3], scale: 2,
       note: `TF.js has no UpSampling1D: ${viaRepeat}`,
       ...upsample([4, 3], 2, [3], 'UpSampling1D', {size: 3})});
  add({name: 'upsample1d_keras1', inShape: [3, 2], scale: 2, formats: ['tfjs'],
       note: `TF.js has no UpSampling1D: ${viaRepeat}; Keras 1 spelling: length`,
       ...upsample([3, 2], 3, [2], 'UpSampling1D', {length: 2})});
  add({name: 'upsample2d', inShape: [3, 2, 2], scale: 2,
       note: wrongGrad,
       ...upsample([3, 2, 2], 3, [2, 3], 'UpSampling2D',
                   {size: [2, 3], data_format: 'channels_last', interpolation: 'nearest'})});
  add({name: 'upsample2d_channels_first', inShape: [2, 3, 2], scale: 2, formats: ['tfjs'],
       note: wrongGrad,
       ...upsample([2, 3, 2], 3, [2, 2], 'UpSampling2D',
                   {size: [2, 2], data_format: 'channels_first', interpolation: 'nearest'}, true)});
  // Bilinear: tf.image.resize's half-pixel centers, by TF.js's resizeBilinear.
  const bilinear = (channelsFirst, size) => ({model, x, n}) => tf.tidy(() => {
    const inShape = model.inputs[0].shape.slice(1);
    let t = model.layers[0].apply(tf.tensor(x, [n, ...inShape]));
    if (channelsFirst) t = t.transpose([0, 2, 3, 1]);
    t = tf.image.resizeBilinear(t, [t.shape[1] * size[0], t.shape[2] * size[1]], false, true);
    if (channelsFirst) t = t.transpose([0, 3, 1, 2]);
    return t.dataSync();
  });
  add({name: 'upsample2d_bilinear', inShape: [3, 4, 2], scale: 2,
       note: 'Keras resizes with half-pixel centers, TF.js without: expected from ' +
             'tf.image.resizeBilinear(halfPixelCenters)',
       build: () => seq([L.dense({units: 3, inputShape: [3, 4, 2]}),
                         L.upSampling2d({size: [3, 2], interpolation: 'bilinear'})]),
       expect: bilinear(false, [3, 2])});
  add({name: 'upsample2d_bilinear_channels_first', inShape: [2, 3, 3], scale: 2, formats: ['tfjs'],
       note: 'Keras resizes with half-pixel centers, TF.js without: expected from ' +
             'tf.image.resizeBilinear(halfPixelCenters)',
       build: () => seq([L.dense({units: 2, inputShape: [2, 3, 3]}),
                         L.upSampling2d({size: [2, 4], interpolation: 'bilinear',
                                         dataFormat: 'channelsFirst'})]),
       expect: bilinear(true, [2, 4])});
  add({name: 'upsample3d', inShape: [2, 2, 3, 2], scale: 2,
       note: `TF.js has no UpSampling3D: ${viaRepeat}`,
       ...upsample([2, 2, 3, 2], 2, [2, 3, 2], 'UpSampling3D',
                   {size: [2, 3, 2], data_format: 'channels_last'})});

  // ---- channels_first counterparts ---------------------------------------
  // Every layer with a data_format is checked in both.  These come last:
  // TF.js numbers its layers (and replace its edits) across cases, so a
  // case added before others would rename their layers.
  const pf = 'channelsFirst';
  // Length 7, pool 3, stride 2, same: padding 1 before and 1 after.
  add({name: 'maxpool1d_channels_first', inShape: [3, 6], scale: 2, formats: ['tfjs'],
       note: 'TF.js has no channels_first 1D pooling: built as Permute + MaxPooling1D + Permute',
       build: () => seq([L.dense({units: 7, inputShape: [3, 6]}), L.permute({dims: [2, 1]}),
                         L.maxPooling1d({poolSize: 3, strides: 2, padding: 'same'}),
                         L.permute({dims: [2, 1]})]),
       edit: topo => replace(topo, 1, 3, 'MaxPooling1D',
                             {pool_size: [3], padding: 'same', strides: [2],
                              data_format: 'channels_first'})});
  add({name: 'avgpool1d_channels_first', inShape: [2, 5], scale: 2, formats: ['tfjs'],
       note: 'TF.js has no channels_first 1D pooling: built as Permute + AveragePooling1D + Permute',
       build: () => seq([L.dense({units: 7, inputShape: [2, 5]}), L.permute({dims: [2, 1]}),
                         L.averagePooling1d({poolSize: 3, strides: 2, padding: 'valid'}),
                         L.permute({dims: [2, 1]})]),
       edit: topo => replace(topo, 1, 3, 'AveragePooling1D',
                             {pool_size: [3], padding: 'valid', strides: [2],
                              data_format: 'channels_first'})});
  // [2, 4, 3, 4], pool 2x2x3, strides 2x1x1, valid: [2, 2, 2, 2].
  add({name: 'avgpool3d_channels_first', inShape: [2, 4, 3, 5], scale: 2, formats: ['tfjs'],
       build: () => seq([L.dense({units: 4, inputShape: [2, 4, 3, 5]}),
                         L.averagePooling3d({poolSize: [2, 2, 3], strides: [2, 1, 1],
                                             padding: 'valid', dataFormat: pf})])});
  add({name: 'gavgpool2d_channels_first', inShape: [3, 4, 5], scale: 2, formats: ['tfjs'],
       build: () => seq([L.dense({units: 4, inputShape: [3, 4, 5]}),
                         L.globalAveragePooling2d({dataFormat: pf})])});
  add({name: 'gavgpool3d_channels_first', inShape: [3, 2, 3, 4], scale: 2, formats: ['tfjs'],
       note: 'TF.js has no GlobalAveragePooling3D: built as Reshape + Permute + GlobalAveragePooling1D',
       build: () => seq([L.dense({units: 2, inputShape: [3, 2, 3, 4]}),
                         L.reshape({targetShape: [3, 12]}), L.permute({dims: [2, 1]}),
                         L.globalAveragePooling1d({})]),
       edit: topo => replace(topo, 1, 3, 'GlobalAveragePooling3D', {data_format: 'channels_first'})});
  add({name: 'gmaxpool1d_channels_first', inShape: [4, 5], scale: 2, formats: ['tfjs'],
       note: 'TF.js has no channels_first 1D global pooling: built as Permute + GlobalMaxPooling1D',
       build: () => seq([L.dense({units: 6, inputShape: [4, 5]}), L.permute({dims: [2, 1]}),
                         L.globalMaxPooling1d({})]),
       edit: topo => replace(topo, 1, 2, 'GlobalMaxPooling1D', {data_format: 'channels_first'})});
  // [C, D, H, W] permuted to [D, H, W, C], boxLayers, and back.
  const box3dFirst = (inShape, units, p, layer2d) => () =>
    seq([L.dense({units, inputShape: inShape}), L.permute({dims: [2, 3, 4, 1]}),
         ...boxLayers([inShape[1], inShape[2], units], inShape[0], p, layer2d),
         L.permute({dims: [4, 1, 2, 3]})]);
  add({name: 'zeropad3d_channels_first', inShape: [2, 2, 3, 3], scale: 2, formats: ['tfjs'],
       note: 'TF.js has no ZeroPadding3D: built from Permutes, two ZeroPadding2D and Reshapes',
       build: box3dFirst([2, 2, 3, 3], 2, [[0, 1], [2, 0], [1, 1]], 'pad'),
       edit: topo => replace(topo, 1, 7, 'ZeroPadding3D',
                             {padding: [[0, 1], [2, 0], [1, 1]], data_format: 'channels_first'})});
  add({name: 'crop3d_channels_first', inShape: [2, 4, 5, 3], scale: 2, formats: ['tfjs'],
       note: 'TF.js has no Cropping3D: built from Permutes, two Cropping2D and Reshapes',
       build: box3dFirst([2, 4, 5, 3], 4, [[1, 0], [1, 2], [1, 1]], 'crop'),
       edit: topo => replace(topo, 1, 7, 'Cropping3D',
                             {cropping: [[1, 0], [1, 2], [1, 1]], data_format: 'channels_first'})});
  add({name: 'upsample3d_channels_first', inShape: [2, 2, 2, 3], scale: 2, formats: ['tfjs'],
       note: `TF.js has no UpSampling3D: Permute, ${viaRepeat}, Permute`,
       ...upsample([2, 2, 2, 3], 2, [2, 1, 3], 'UpSampling3D',
                   {size: [2, 1, 3], data_format: 'channels_first'}, true)});
};
