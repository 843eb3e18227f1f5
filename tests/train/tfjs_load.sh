#!/bin/sh
# tfjs_load.sh KCC SOURCE_DIR WORK_DIR
#
# A model kcc fit saved loads in TensorFlow.js, which then predicts what
# kcc predicts (within 1e-6).  Exits 77 (skipped) without Node.js and
# tools/tfjs/node_modules (cd tools/tfjs && npm ci).
set -u
KCC=$1 SRC=$2 WORK=$3
command -v node >/dev/null 2>&1 && [ -d "$SRC/tools/tfjs/node_modules/@tensorflow/tfjs" ] ||
    { echo "skipped: needs node and tools/tfjs/node_modules"; exit 77; }
rm -rf "$WORK" && mkdir -p "$WORK" && cd "$WORK" || exit 1
"$KCC" fit "$SRC/tests/train/models/small.json" "$SRC/tests/train/data/small.csv" --target y \
    --epochs 20 --batch-size 16 --seed 3 --verbose 0 -o trained || { echo "FAIL: kcc fit"; exit 1; }
"$KCC" predict trained "$SRC/tests/train/data/small.csv" --target y -o kcc.csv ||
    { echo "FAIL: kcc predict"; exit 1; }
tail -n +2 "$SRC/tests/train/data/small.csv" | cut -d, -f1-4 >inputs.csv
node "$SRC/tests/train/tfjs_load.js" trained inputs.csv >tfjs.csv ||
    { echo "FAIL: TensorFlow.js cannot load the saved model"; exit 1; }
paste -d, kcc.csv tfjs.csv | awk -F, '{ d = $1 - $2; if (d < 0) d = -d; if (d > 1e-6) bad++; n++ }
    END { printf "%d predictions, %d differ\n", n, bad; exit bad > 0 || n == 0 }'
