#!/usr/bin/env python3
"""mnist_models.py - writes models/mnist/*.json: the tutorial's nine MNIST models.

    python3 tools/mnist_models.py

The tutorial ("Model Optimization" and "Convolutional Neural Networks")
defines them in Keras 2.2 and trains each with adam, categorical
crossentropy and batch 256.  Each file is what Keras 2.2.4's
model.to_json() writes for that model: the same layer configs, default
values and automatic names, so that kcc reads exactly what a user of the
tutorial has.  Only the standard library is needed.
"""
import json
import os

GLOROT = {"class_name": "VarianceScaling",
          "config": {"scale": 1.0, "mode": "fan_avg", "distribution": "uniform", "seed": None}}
ZEROS = {"class_name": "Zeros", "config": {}}
ONES = {"class_name": "Ones", "config": {}}


class Names:
    """Keras's automatic layer names: dense_1, dense_2, conv2d_1, ..."""

    def __init__(self):
        self.count = {}

    def __call__(self, base):
        self.count[base] = self.count.get(base, 0) + 1
        return "%s_%d" % (base, self.count[base])


def reg(l1=0.0, l2=0.0):
    return {"class_name": "L1L2", "config": {"l1": l1, "l2": l2}}


def dense(names, units, activation, regularizer=None, **extra):
    return {"class_name": "Dense", "config": dict(
        name=names("dense"), trainable=True, **extra, units=units, activation=activation,
        use_bias=True, kernel_initializer=GLOROT, bias_initializer=ZEROS,
        kernel_regularizer=regularizer, bias_regularizer=None, activity_regularizer=None,
        kernel_constraint=None, bias_constraint=None)}


def conv2d(names, filters, kernel, activation, padding="valid", regularizer=None, **extra):
    return {"class_name": "Conv2D", "config": dict(
        name=names("conv2d"), trainable=True, **extra, filters=filters,
        kernel_size=[kernel, kernel], strides=[1, 1], padding=padding,
        data_format="channels_last", dilation_rate=[1, 1], activation=activation, use_bias=True,
        kernel_initializer=GLOROT, bias_initializer=ZEROS, kernel_regularizer=regularizer,
        bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
        bias_constraint=None)}


def max_pool(names, size=2, strides=None):
    return {"class_name": "MaxPooling2D", "config": {
        "name": names("max_pooling2d"), "trainable": True, "pool_size": [size, size],
        "padding": "valid", "strides": [strides or size, strides or size],
        "data_format": "channels_last"}}


def dropout(names, rate):
    return {"class_name": "Dropout", "config": {
        "name": names("dropout"), "trainable": True, "rate": rate, "noise_shape": None,
        "seed": None}}


def flatten(names):
    return {"class_name": "Flatten", "config": {
        "name": names("flatten"), "trainable": True, "data_format": "channels_last"}}


def batch_norm(names):
    return {"class_name": "BatchNormalization", "config": {
        "name": names("batch_normalization"), "trainable": True, "axis": -1, "momentum": 0.99,
        "epsilon": 0.001, "center": True, "scale": True, "beta_initializer": ZEROS,
        "gamma_initializer": ONES, "moving_mean_initializer": ZEROS,
        "moving_variance_initializer": ONES, "beta_regularizer": None, "gamma_regularizer": None,
        "beta_constraint": None, "gamma_constraint": None}}


MLP_INPUT = dict(batch_input_shape=[None, 784], dtype="float32")
CONV_INPUT = dict(batch_input_shape=[None, 28, 28, 1], dtype="float32")


def conv_net(n, variant=""):
    """conv_net and its dropout, batch norm, L1 and L2 variants."""
    l1 = reg(l1=0.0001) if variant == "l1" else None
    l2 = reg(l2=0.0001) if variant == "l2" else None
    first = reg(l2=0.0001) if variant in ("l1", "l2") else None  # as the tutorial has it
    rest = l1 or l2
    layers = [conv2d(n, 32, 3, "relu", regularizer=first, **CONV_INPUT), max_pool(n)]
    if variant == "dropout":
        layers.append(dropout(n, 0.25))
    if variant == "batch_norm":
        layers.append(batch_norm(n))
    layers += [conv2d(n, 64, 3, "relu", regularizer=rest), max_pool(n),
               conv2d(n, 64, 3, "relu", regularizer=rest), flatten(n),
               dense(n, 64, "relu", regularizer=rest)]
    if variant == "dropout":
        layers.append(dropout(n, 0.5))
    if variant == "batch_norm":
        layers.append(batch_norm(n))
    layers.append(dense(n, 10, "softmax"))
    return layers


MODELS = {
    "mlp_one_layer": lambda n: [dense(n, 512, "relu", **MLP_INPUT), dense(n, 10, "softmax")],
    "mlp_two_layers": lambda n: [dense(n, 512, "relu", **MLP_INPUT), dense(n, 512, "relu"),
                                 dense(n, 10, "softmax")],
    "mlp_two_layers_dropout": lambda n: [dense(n, 512, "relu", **MLP_INPUT), dropout(n, 0.5),
                                         dense(n, 512, "relu"), dropout(n, 0.5),
                                         dense(n, 10, "softmax")],
    "conv_net": lambda n: conv_net(n),
    "conv_net_dropout": lambda n: conv_net(n, "dropout"),
    "conv_net_batch_norm": lambda n: conv_net(n, "batch_norm"),
    "conv_net_l1": lambda n: conv_net(n, "l1"),
    "conv_net_l2": lambda n: conv_net(n, "l2"),
    "le_net": lambda n: [conv2d(n, 20, 5, "relu", padding="same", **CONV_INPUT), max_pool(n, 2, 2),
                         conv2d(n, 50, 5, "relu", padding="same"), max_pool(n, 2, 2), flatten(n),
                         dense(n, 500, "relu"), dense(n, 10, "softmax")],
}


def main():
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "models", "mnist")
    os.makedirs(out, exist_ok=True)
    for i, (name, layers_of) in enumerate(MODELS.items()):
        model = {"class_name": "Sequential",
                 "config": {"name": "sequential_%d" % (i + 1), "layers": layers_of(Names())},
                 "keras_version": "2.2.4", "backend": "tensorflow"}
        with open(os.path.join(out, name + ".json"), "w") as f:
            json.dump(model, f, indent=1)
            f.write("\n")
    print("wrote %d models to %s" % (len(MODELS), os.path.normpath(out)))


if __name__ == "__main__":
    main()
