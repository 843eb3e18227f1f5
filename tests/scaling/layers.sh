#!/bin/sh
# layers.sh KCC WORK_DIR
#
# kcc's work grows about linearly with the number of layers: the same
# model of N and of 4N blocks (Dense, a BatchNormalization that folds into
# it, a ReLU, Dropout, a BatchNormalization of its own: 5 layers and 22
# weights a block, from a TF.js manifest, half of them under a "big/"
# prefix) is summarized, compiled and compiled for training, and the
# instructions each run executes are counted with valgrind (cachegrind,
# which counts the same on every run).  Four times the layers must cost
# less than 6 times the instructions: a quadratic step (checking names
# pairwise, placing buffers against all others, looking weights up one
# by one) makes it 8 to 16.  Skipped (77) without valgrind.
set -u

if [ $# -ne 2 ]; then
    echo "usage: layers.sh KCC WORK_DIR" >&2
    exit 2
fi
kcc=$1
work=$2
if ! command -v valgrind >/dev/null 2>&1; then
    echo "valgrind is not installed: skipped"
    exit 77
fi
rm -rf "$work" && mkdir -p "$work" || exit 2
cd "$work" || exit 2

# model BLOCKS: big-BLOCKS/model.json and its shard (zeros).
model() {
    mkdir -p "big-$1" || exit 2
    awk -v n="$1" 'BEGIN {
        printf "{\"format\": \"layers-model\", \"modelTopology\": {\"class_name\": \"Sequential\", "
        printf "\"config\": {\"name\": \"big\", \"layers\": ["
        for (i = 0; i < n; i++) {
            printf "%s{\"class_name\": \"Dense\", \"config\": {\"name\": \"d_%d\", \"units\": 2%s}},", \
                i ? "," : "", i, i ? "" : ", \"batch_input_shape\": [null, 2]"
            printf "{\"class_name\": \"BatchNormalization\", \"config\": {\"name\": \"bn_%d\"}},", i
            printf "{\"class_name\": \"Activation\", \"config\": {\"name\": \"a_%d\", \"activation\": \"relu\"}},", i
            printf "{\"class_name\": \"Dropout\", \"config\": {\"name\": \"dr_%d\", \"rate\": 0.5}},", i
            printf "{\"class_name\": \"BatchNormalization\", \"config\": {\"name\": \"bs_%d\"}}", i
        }
        printf "]}, \"keras_version\": \"tfjs-layers 4.22.0\"}, "
        printf "\"weightsManifest\": [{\"paths\": [\"w.bin\"], \"weights\": ["
        for (i = 0; i < n; i++) {
            p = i % 2 ? "" : "big/"
            printf "%s{\"name\": \"%sd_%d/kernel\", \"shape\": [2, 2]}", i ? "," : "", p, i
            printf ",{\"name\": \"%sd_%d/bias\", \"shape\": [2]}", p, i
            split("gamma beta moving_mean moving_variance", w, " ")
            for (k = 1; k <= 4; k++)
                printf ",{\"name\": \"%sbn_%d/%s\", \"shape\": [2]},{\"name\": \"%sbs_%d/%s\", \"shape\": [2]}", \
                    p, i, w[k], p, i, w[k]
        }
        print "]}]}"
    }' >"big-$1/model.json" && head -c $(($1 * 88)) /dev/zero >"big-$1/w.bin" || exit 2
}

# instructions ARGS: the instructions kcc ARGS executes.
instructions() {
    valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null \
        "$kcc" "$@" >/dev/null 2>valgrind.log || {
        echo "kcc $* failed:" >&2
        cat valgrind.log >&2
        exit 1
    }
    sed -n 's/.*I *refs: *\([0-9,]*\).*/\1/p' valgrind.log | tr -d ,
}

# Training code is ten times the work to generate: fewer blocks.
model 30
model 120
model 150
model 600
status=0
for run in summary compile train; do
    small=150
    [ "$run" = train ] && small=30
    large=$((4 * small))
    for n in $small $large; do
        case $run in
        summary) set -- summary "big-$n/model.json" ;;
        compile) set -- "big-$n/model.json" -o "out-$n.c" ;;
        train) set -- "big-$n/model.json" --train -o "train-$n.c" ;;
        esac
        eval "i$n=\$(instructions \"\$@\")" || exit 1
    done
    eval "a=\$i$small b=\$i$large"
    # ratio * 100, in integers
    ratio=$((b * 100 / a))
    verdict=ok
    if [ "$ratio" -ge 600 ]; then
        verdict=FAIL
        status=1
    fi
    echo "$verdict $run: $((small * 5)) layers $a instructions, $((large * 5)) layers $b: ratio $((ratio / 100)).$((ratio % 100 / 10))$((ratio % 10)) (must be below 6)"
done
exit "$status"
