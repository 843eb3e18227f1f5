#!/bin/sh
# cli_churn.sh KCC SOURCE_DIR DATA_DIR WORK_DIR
#
# The tutorial's churn model from the command line, prepared as the
# tutorial does (drop RowNumber, CustomerId, Surname; label-encode Gender;
# one-hot Geography dropping the first; standard scaling fitted on the
# training data), Dense 6-6-1 with uniform init, adam, binary_crossentropy,
# batch 10, 100 epochs, seeds 1 to 5:
#   - on all 10,000 customers, the median training accuracy is at least 0.84;
#   - with an 80/20 split (fixed, as the tutorial's random_state=0), the
#     median test accuracy is at least 0.83.
# Exits 77 without the data.
set -u
KCC=$1 SRC=$2 DATA=$3 WORK=$4
csv=$DATA/Churn_Modelling.csv
[ -f "$csv" ] || { echo "skipped: no $csv"; exit 77; }
rm -rf "$WORK" && mkdir -p "$WORK" && cd "$WORK" || exit 1
prep="--target Exited --drop RowNumber,CustomerId,Surname --label-encode Gender
      --one-hot Geography --drop-first --scale --epochs 100 --batch-size 10 --verbose 0"

# The last epoch's accuracy, as Keras reports it.
last_accuracy() {
    tail -1 "$1/history.csv" | awk -F, -v h="$(head -1 "$1/history.csv")" '
        BEGIN { n = split(h, k, ",") } { for (i = 1; i <= n; i++) if (k[i] == "accuracy") print $i }'
}
median() { sort -g "$1" | sed -n 3p; }

for seed in 1 2 3 4 5; do
    # shellcheck disable=SC2086
    "$KCC" fit "$SRC/models/churn.json" "$csv" $prep --seed "$seed" -o "all-$seed" >/dev/null ||
        { echo "FAIL: kcc fit, seed $seed"; exit 1; }
    # shellcheck disable=SC2086
    out=$("$KCC" fit "$SRC/models/churn.json" "$csv" $prep --test-split 0.2 --split-seed 0 \
          --seed "$seed" -o "split-$seed") || { echo "FAIL: kcc fit with a split, seed $seed"; exit 1; }
    train=$(last_accuracy "all-$seed")
    test=$(echo "$out" | sed -n 's/.*test accuracy: //p')
    echo "seed $seed: training accuracy $train (all data), test accuracy $test (80/20)"
    echo "$train" >>train.txt
    echo "$test" >>test.txt
done
failures=0
echo "median training accuracy $(median train.txt), median test accuracy $(median test.txt)"
awk -v m="$(median train.txt)" 'BEGIN { exit !(m >= 0.84) }' ||
    { echo "FAIL: median training accuracy below 0.84"; failures=1; }
awk -v m="$(median test.txt)" 'BEGIN { exit !(m >= 0.83) }' ||
    { echo "FAIL: median test accuracy below 0.83"; failures=1; }
# The trained model evaluates the raw CSV through its saved preprocessing.
"$KCC" evaluate split-1 "$csv" >eval.txt || { echo "FAIL: kcc evaluate"; failures=1; }
grep -q "test accuracy" eval.txt || { echo "FAIL: kcc evaluate printed no accuracy"; failures=1; }
exit $failures
