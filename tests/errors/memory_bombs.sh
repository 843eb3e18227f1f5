#!/bin/sh
# memory_bombs.sh KCC WORK_DIR LIMIT_KIB
#
# Small files whose sizes claim a lot: a manifest entry of almost 2^28 values, a
# gzipped IDX file of 128 MiB of zeros (170 KiB on disk) for a model that
# takes 3 values, a CSV whose one-hot column has a category a row, a
# model of more layers than kcc compiles.  kcc must check what it is told
# against what the model and the file can hold before it allocates: each
# run gets an address space of LIMIT_KIB KiB (ulimit -v; 0: no limit, for
# sanitizer builds, whose shadow memory needs terabytes of it), which an
# allocation sized by the claim exceeds, and must fail with exactly the
# message given here.
set -u

if [ $# -ne 3 ]; then
    echo "usage: memory_bombs.sh KCC WORK_DIR LIMIT_KIB" >&2
    exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
. "$here/tfjs_model.sh"
kcc=$1
work=$2
limit=$3
status=0
rm -rf "$work" && mkdir -p "$work" || exit 2
cd "$work" || exit 2

tfjs_model w.bin >model.json
tfjs_model w.bin '
   {"name": "extra/kernel", "shape": [268435000], "dtype": "float32"},' >huge_entry.json
printf '%044d' 0 >w.bin

# IDX images: 131072 of 32x32, all zeros, gzipped.
printf '\000\000\010\003\000\002\000\000\000\000\000\040\000\000\000\040' >bomb.idx
head -c 134217728 /dev/zero >>bomb.idx && gzip -1 bomb.idx || exit 2
printf '\000\000\010\001\000\002\000\000' >labels.idx
head -c 131072 /dev/zero >>labels.idx || exit 2

# 20000 rows, each of its own category.
awk 'BEGIN { print "a,b,c,y"; for (i = 0; i < 20000; i++) printf "%d,1,2,0\n", i }' >one_hot.csv

# 262145 layers: one more than kcc compiles.
awk 'BEGIN { printf "{\"class_name\": \"Sequential\", \"config\": {\"layers\": [{}"
             for (i = 1; i < 262145; i++) printf ",{}"; print "]}}" }' >layers.json

# expect NAME "MESSAGE" -- ARGS
expect() {
    name=$1
    want=$2
    shift 3
    rm -rf out && mkdir out || exit 2
    (
        if [ "$limit" -gt 0 ]; then
            ulimit -v "$limit" || exit 99
        fi
        exec env KERAS_HOME="$work/no-keras-home" timeout 60 "$kcc" "$@"
    ) >stdout 2>stderr
    rc=$?
    got=$(cat stderr)
    if [ "$rc" -ne 1 ]; then
        echo "FAIL $name: exit status $rc, expected 1"
        status=1
    fi
    if [ "$got" != "$want" ]; then
        echo "FAIL $name: stderr differs"
        echo "  expected: $want"
        echo "  got:      $(printf '%s\n' "$got" | head -n 3)"
        status=1
    fi
    if [ -n "$(ls -A out)" ]; then
        echo "FAIL $name: kcc wrote" $(ls -A out)
        status=1
    fi
}

fit='--optimizer sgd --loss mse -o out/t'
expect manifest_entry_of_almost_2_28_values \
    "kcc: error: huge_entry.json: weightsManifest[0]: the weights listed need 1073740044 bytes, w.bin holds 44 (too short: truncated?)
kcc: error: huge_entry.json: weightsManifest[0].weights[2]: weight \"extra/kernel\" belongs to no layer of the model" \
    -- huge_entry.json -o out/m.c
expect idx_gzip_bomb "kcc: error: bomb.idx.gz: images of 1024 values, the model takes 3" \
    -- fit model.json --images bomb.idx.gz --labels labels.idx $fit
expect csv_category_a_row "kcc: error: one_hot.csv: the feature columns make 20002 values a sample, the model takes 3" \
    -- fit model.json one_hot.csv --target y --one-hot a $fit
expect layers_beyond_the_limit "kcc: error: layers.json: config.layers: 262145 layers, more than kcc compiles (262144)" \
    -- summary layers.json

exit "$status"
