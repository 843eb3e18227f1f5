#!/bin/sh
# cli_mnist.sh KCC SOURCE_DIR DATA_DIR WORK_DIR [MODELS...]
#
# The tutorial's nine MNIST models (models/mnist) trained from the command
# line as the tutorial trains them: adam, categorical_crossentropy, batch
# 256, 10 epochs, pixels scaled to [0, 1] and one-hot labels, on the first
# 8,000 images of the real MNIST test set, tested on the last 2,000.
#   - conv_net reaches at least 97% test accuracy, mlp_two_layers at least
#     94%, every other model at least 90%;
#   - a trained model's directory evaluates to the same test accuracy.
# Prints the table the README shows (test accuracy, training time).
# Exits 77 without the data.
set -u
KCC=$1 SRC=$2 DATA=$3 WORK=$4
shift 4
images=$DATA/t10k-images-idx3-ubyte.gz labels=$DATA/t10k-labels-idx1-ubyte.gz
[ -f "$images" ] && [ -f "$labels" ] || { echo "skipped: no MNIST in $DATA"; exit 77; }
models=${*:-"mlp_one_layer mlp_two_layers mlp_two_layers_dropout conv_net conv_net_dropout
             conv_net_batch_norm conv_net_l1 conv_net_l2 le_net"}
rm -rf "$WORK" && mkdir -p "$WORK" && cd "$WORK" || exit 1
data="--images $images --labels $labels --test-last 2000"
fit="--optimizer adam --loss categorical_crossentropy --metrics accuracy --epochs 10
     --batch-size 256 --seed 1 --verbose 1"

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
printf '| model | parameters | test accuracy | training time (10 epochs) |\n|---|---:|---:|---:|\n' >table.md
for m in $models; do
    model=$SRC/models/mnist/$m.json
    # shellcheck disable=SC2086
    "$KCC" fit "$model" $data $fit -o "$m" >"$m.log" 2>&1 || { fail "$m: kcc fit"; cat "$m.log"; continue; }
    acc=$(sed -n 's/.*test accuracy: //p' "$m.log")
    secs=$(sed -n 's/^trained .* in \([0-9.]*\) s,.*/\1/p' "$m.log")
    params=$("$KCC" summary "$model" | sed -n 's/^Total params: //p')
    echo "$m: test accuracy $acc, trained in $secs s"
    printf '| %s | %s | %.2f%% | %.1f s |\n' "$m" "$params" "$(echo "$acc" | awk '{print $1 * 100}')" \
        "$secs" >>table.md
    case $m in
    conv_net) min=0.97 ;;
    mlp_two_layers) min=0.94 ;;
    *) min=0.90 ;;
    esac
    awk -v a="$acc" -v m="$min" 'BEGIN { exit !(a != "" && a >= m) }' ||
        fail "$m: test accuracy '$acc' below $min"
    # The saved model evaluates to the same accuracy.
    # shellcheck disable=SC2086
    again=$("$KCC" evaluate "$m" $data --metrics accuracy 2>&1 | sed -n 's/.*test accuracy: //p')
    [ "$again" = "$acc" ] || fail "$m: kcc evaluate of the saved model gives '$again', fit gave '$acc'"
done
cat table.md
exit $failures
