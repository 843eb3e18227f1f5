#!/bin/sh
# mnist_params.sh KCC SOURCE_DIR
#
# `kcc summary` of the tutorial's nine MNIST models (models/mnist) gives
# Keras's parameter counts (model.summary() of the tutorial's Keras 2.2
# code: Total params, Trainable, Non-trainable) and reports the arena and
# weight bytes an embedded user sizes memory by.
set -u
KCC=$1 SRC=$2
failures=0
while read -r model total trainable frozen; do
    out=$("$KCC" summary "$SRC/models/mnist/$model.json" 2>&1) ||
        { echo "FAIL: $model: kcc summary: $out"; failures=$((failures + 1)); continue; }
    got=$(echo "$out" | sed -n 's/^Total params: //p' | tr -d ,)
    got_t=$(echo "$out" | sed -n 's/^Trainable params: //p' | tr -d ,)
    got_f=$(echo "$out" | sed -n 's/^Non-trainable params: //p' | tr -d ,)
    arena=$(echo "$out" | sed -n 's/^Arena[^:]*: //p')
    if [ "$got $got_t $got_f" != "$total $trainable $frozen" ]; then
        echo "FAIL: $model: kcc counts $got ($got_t trainable, $got_f not), Keras $total ($trainable, $frozen)"
        failures=$((failures + 1))
    elif [ -z "$arena" ]; then
        echo "FAIL: $model: the summary reports no arena size"
        failures=$((failures + 1))
    else
        echo "ok: $model: $total parameters, arena $arena"
    fi
done <<'LIST'
mlp_one_layer 407050 407050 0
mlp_two_layers 669706 669706 0
mlp_two_layers_dropout 669706 669706 0
conv_net 93322 93322 0
conv_net_dropout 93322 93322 0
conv_net_batch_norm 93706 93514 192
conv_net_l1 93322 93322 0
conv_net_l2 93322 93322 0
le_net 1256080 1256080 0
LIST
exit $failures
