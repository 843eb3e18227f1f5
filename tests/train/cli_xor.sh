#!/bin/sh
# cli_xor.sh KCC CC SOURCE_DIR WORK_DIR
#
# The tutorial's XOR from the command line: Dense 8-4-1, adam,
# binary_crossentropy, batch 1, 500 epochs, for seeds 1 to 10.  At least 7
# seeds must reach 100% accuracy.  Then the workflow around it: evaluate,
# predict, plot, the trained model compiled to C giving kcc predict's
# numbers, Ctrl-C during fit (exit 130, a model saved) and --resume.
set -u
KCC=$1 CC=$2 SRC=$3 WORK=$4
rm -rf "$WORK" && mkdir -p "$WORK" && cd "$WORK" || exit 1
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

perfect=0
for seed in 1 2 3 4 5 6 7 8 9 10; do
    "$KCC" fit "$SRC/models/xor.json" "$SRC/models/xor.csv" --target xor --optimizer adam \
        --loss binary_crossentropy --metrics accuracy --epochs 500 --batch-size 1 \
        --seed "$seed" --verbose 0 -o "xor-$seed" || fail "kcc fit, seed $seed"
    acc=$("$KCC" evaluate "xor-$seed" "$SRC/models/xor.csv" --target xor | sed -n 's/.*test accuracy: //p')
    echo "seed $seed: accuracy $acc"
    [ "$acc" = "1.0000" ] && perfect=$((perfect + 1))
done
echo "$perfect of 10 seeds reach 100% accuracy"
[ "$perfect" -ge 7 ] || fail "only $perfect of 10 seeds reach 100% accuracy (7 needed)"

# Evaluate, predict, plot.
"$KCC" predict xor-1 "$SRC/models/xor.csv" --target xor -o pred.csv || fail "kcc predict"
[ "$(wc -l <pred.csv)" -eq 4 ] || fail "kcc predict wrote $(wc -l <pred.csv) lines, not 4"
"$KCC" plot xor-1/history.csv -o history.svg || fail "kcc plot"
grep -q '<svg' history.svg || fail "history.svg is not an SVG"
for f in model.json weights.bin training_state.bin history.csv; do
    [ -f "xor-1/$f" ] || fail "kcc fit did not write $f"
done

# Train, then deploy: the trained model compiles to C, with kcc predict's outputs.
"$KCC" xor-1/model.json -o xor.c --name xor || fail "compiling the trained model"
cat >main.c <<'C'
#include "xor.h"
#include <stdio.h>
int main(void)
{
    float in[4][2] = {{0, 0}, {0, 1}, {1, 0}, {1, 1}}, out[1];
    for (int i = 0; i < 4; i++) {
        xor_predict(in[i], out);
        printf("%.9g\n", out[0]);
    }
    return 0;
}
C
"$CC" -std=c99 -O2 -I. main.c xor.c -lm -o deployed && ./deployed >deployed.txt ||
    fail "the generated C does not build or run"
paste -d' ' pred.csv deployed.txt | awk '{ d = $1 - $2; if (d < 0) d = -d; if (d > 1e-6) bad = 1 }
    END { exit bad }' || { fail "deployed C and kcc predict disagree"; paste pred.csv deployed.txt; }

# Ctrl-C: the batch finishes, the model is saved, exit status 130; then resume.
"$KCC" fit "$SRC/models/xor.json" "$SRC/models/xor.csv" --target xor --optimizer adam \
    --loss binary_crossentropy --metrics accuracy --epochs 100000000 --batch-size 1 \
    --seed 1 --verbose 0 -o stopped &
pid=$!
# SIGINT once training runs (the first epoch's line in the history): a
# background job of a script ignores SIGINT until kcc fit installs its
# handler, and compiling the training code takes a while.
tries=0
while [ ! -s stopped/history.csv ] || [ "$(wc -l <stopped/history.csv)" -lt 2 ]; do
    tries=$((tries + 1))
    [ $tries -le 600 ] || break
    sleep 0.1
done
kill -INT $pid
wait $pid
status=$?
[ $status -eq 130 ] || fail "after Ctrl-C kcc fit exited with $status, not 130"
for f in model.json weights.bin training_state.bin history.csv; do
    [ -f "stopped/$f" ] || fail "after Ctrl-C there is no $f"
done
done_epochs=$(($(wc -l <stopped/history.csv) - 1))
"$KCC" fit stopped "$SRC/models/xor.csv" --target xor --epochs $((done_epochs + 2)) \
    --batch-size 1 --seed 1 --verbose 0 --resume -o stopped || fail "kcc fit --resume"
rows=$(($(wc -l <stopped/history.csv) - 1))
[ "$rows" -eq $((done_epochs + 2)) ] ||
    fail "after --resume the history has $rows epochs, expected $((done_epochs + 2))"
echo "Ctrl-C after $done_epochs epochs; resumed to $rows"

[ $failures -eq 0 ] && echo "all checks passed"
[ $failures -eq 0 ]
