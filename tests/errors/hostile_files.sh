#!/bin/sh
# hostile_files.sh KCC WORK_DIR
#
# Files kcc reads that are not what they claim: a weight shard that is a
# symbolic link out of the model's directory (to a file, to /dev/zero, or
# through a linked subdirectory), FIFOs and devices in place of a model,
# a shard, keras.json, a --load-weights file, a CSV, an IDX file, a
# history or a saved preprocessing.  Each run must end at once (a FIFO
# must never block kcc: every run is under `timeout`) with exit status 1
# and exactly the message given here, and write nothing.
set -u

if [ $# -ne 2 ]; then
    echo "usage: hostile_files.sh KCC WORK_DIR" >&2
    exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
. "$here/tfjs_model.sh"
kcc=$1
work=$2
status=0
rm -rf "$work" && mkdir -p "$work" || exit 2
cd "$work" || exit 2


# 44 bytes of data that is not the model's: a secret kcc must not read.
printf 'the secret: forty-four bytes of private data' >secret.bin
mkdir secret-dir && cp secret.bin secret-dir/w.bin || exit 2
printf 'a,b,c,y\n1,2,3,0\n' >data.csv

# m-NAME/model.json whose manifest names SHARD.
model_dir() {
    mkdir -p "m-$1" && tfjs_model "$2" >"m-$1/model.json" || exit 2
}

model_dir symlink w.bin && ln -s ../secret.bin m-symlink/w.bin
model_dir devzero w.bin && ln -s /dev/zero m-devzero/w.bin
model_dir fifo w.bin && mkfifo m-fifo/w.bin
model_dir subdir sub/w.bin && ln -s ../secret-dir m-subdir/sub
model_dir chardev w.bin && ln -s /dev/null m-chardev/w.bin
model_dir good w.bin && cp secret.bin m-good/w.bin
mkfifo fifo
mkdir keras-home && mkfifo keras-home/keras.json
# A directory kcc fit wrote, with a FIFO for its preprocessing.
mkdir trained && cp m-good/model.json m-good/w.bin trained/ && mkfifo trained/preprocessing.json

# expect NAME "MESSAGE" [ENV=VALUE ...] -- ARGS: runs kcc ARGS in a fresh
# output directory and compares.
expect() {
    name=$1
    want=$2
    shift 2
    envs=
    while [ "$1" != "--" ]; do
        envs="$envs $1"
        shift
    done
    shift
    rm -rf out && mkdir out || exit 2
    # shellcheck disable=SC2086
    env KERAS_HOME="$work/no-keras-home" $envs timeout 10 "$kcc" "$@" >stdout 2>stderr
    rc=$?
    got=$(cat stderr)
    if [ "$rc" -eq 124 ]; then
        echo "FAIL $name: kcc did not finish in 10 s (blocked on a FIFO? reading without end?)"
        status=1
    elif [ "$rc" -ne 1 ]; then
        echo "FAIL $name: exit status $rc, expected 1"
        status=1
    fi
    if [ "$got" != "$want" ]; then
        echo "FAIL $name: stderr differs"
        echo "  expected: $want"
        echo "  got:      $got"
        status=1
    fi
    if [ -n "$(ls -A out)" ]; then
        echo "FAIL $name: kcc wrote" $(ls -A out)
        status=1
    fi
    if [ -s stdout ]; then
        echo "FAIL $name: kcc printed on stdout"
        status=1
    fi
}

link='a symbolic link, which kcc does not follow here (the file must lie inside the model'"'"'s directory)'
shard='weightsManifest[0].paths[0]: cannot read weight shard'

# Weight shards: only regular files inside the model's directory.
expect shard_symlink "kcc: error: m-symlink/model.json: $shard m-symlink/w.bin: $link" \
    -- m-symlink/model.json -o out/m.c
expect shard_devzero "kcc: error: m-devzero/model.json: $shard m-devzero/w.bin: $link" \
    -- m-devzero/model.json -o out/m.c
expect shard_fifo "kcc: error: m-fifo/model.json: $shard m-fifo/w.bin: a FIFO, not a regular file" \
    -- m-fifo/model.json -o out/m.c
expect shard_subdir_symlink "kcc: error: m-subdir/model.json: $shard m-subdir/sub/w.bin: $link" \
    -- m-subdir/model.json -o out/m.c
expect shard_chardev_symlink "kcc: error: m-chardev/model.json: $shard m-chardev/w.bin: $link" \
    -- m-chardev/model.json -o out/m.c
# --load-weights: its shards are in its own directory, under the same rule.
expect load_weights_shard_symlink "kcc: error: m-symlink/model.json: $shard m-symlink/w.bin: $link" \
    -- m-good/model.json --load-weights m-symlink/model.json -o out/m.c

# Files the user names may be links, but must be regular files.
expect model_fifo "kcc: error: fifo: cannot read model file: a FIFO, not a regular file" \
    -- fifo -o out/m.c
expect model_devzero "kcc: error: /dev/zero: cannot read model file: a character device, not a regular file" \
    -- /dev/zero -o out/m.c
expect load_weights_fifo "kcc: error: fifo: cannot read weights: a FIFO, not a regular file" \
    -- m-good/model.json --load-weights fifo -o out/m.c
expect keras_config_fifo "kcc: error: fifo: cannot read Keras configuration: a FIFO, not a regular file" \
    -- m-good/model.json --keras-config fifo -o out/m.c
expect keras_home_fifo "kcc: error: $work/keras-home/keras.json: cannot read Keras configuration: a FIFO, not a regular file" \
    KERAS_HOME="$work/keras-home" -- m-good/model.json -o out/m.c
expect keras_home_fifo_fit "kcc: error: $work/keras-home/keras.json: cannot read Keras configuration: a FIFO, not a regular file" \
    KERAS_HOME="$work/keras-home" -- fit m-good/model.json data.csv --target y -o out/t

# The runtime's readers: CSV, IDX, history, a saved preprocessing.
fit_flags='--optimizer sgd --loss mse'
expect csv_fifo "kcc: error: fifo: cannot open: a FIFO, not a regular file" \
    -- fit m-good/model.json fifo --target y $fit_flags -o out/t
expect validation_csv_fifo "kcc: error: fifo: cannot open: a FIFO, not a regular file" \
    -- fit m-good/model.json data.csv --target y --validation-data fifo $fit_flags -o out/t
expect idx_fifo "kcc: error: fifo: cannot open: a FIFO, not a regular file" \
    -- fit m-good/model.json --images fifo --labels fifo $fit_flags -o out/t
expect history_fifo "kcc: error: fifo: cannot read: a FIFO, not a regular file" \
    -- plot fifo -o out/h.svg
expect preprocessing_fifo "kcc: error: trained/preprocessing.json: cannot open: a FIFO, not a regular file" \
    -- evaluate trained data.csv $fit_flags

exit "$status"
