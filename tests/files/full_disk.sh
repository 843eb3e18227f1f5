#!/bin/sh
# full_disk.sh KCC SOURCE_DIR WORK_DIR
#
# A full disk is an error (exit status 1, a message naming the file) for
# every command and every file it writes, stdout included, and nothing is
# half written: each output below is /dev/full (writes fail with ENOSPC),
# mostly through a link to it, which a kcc that renamed over its outputs
# would replace rather than the device.
set -u
KCC=$1 SRC=$2 WORK=$3
[ -c /dev/full ] || { echo "no /dev/full: skipped"; exit 77; }
rm -rf "$WORK" && mkdir -p "$WORK" && cd "$WORK" || exit 1
. "$SRC/tests/files/lib.sh"
ENOSPC="No space left on device"
ln -s /dev/full full

# ---- kcc -o, --depfile, kcc summary --------------------------------------------
expect_error "kcc: error: full: cannot write: $ENOSPC" "$KCC" "$MODEL" -o full
if [ ! -L full ]; then
    echo "stopping before the tests that write to /dev/full itself"
    finish
fi
expect_error "kcc: error: /dev/full: cannot write: $ENOSPC" "$KCC" "$MODEL" -o /dev/full
[ -c /dev/full ] || fail "/dev/full is no longer a character device"
expect_error "kcc: error: full: cannot write: $ENOSPC" "$KCC" "$MODEL" -o out.c --depfile full
[ ! -e out.c ] && [ ! -e out.h ] || fail "kcc wrote out.c or out.h although the depfile failed"
# COMMAND... >/dev/full
to_full() {
    "$@" >/dev/full
}
expect_error "kcc: error: standard output: cannot write: $ENOSPC" to_full "$KCC" summary "$MODEL"
expect_error "kcc: error: standard output: cannot write: $ENOSPC" to_full "$KCC" --help

# ---- kcc predict, evaluate, plot --------------------------------------------------
expect_error "kcc: error: full: cannot write: $ENOSPC" "$KCC" predict "$MODEL" "$DATA" $TRAIN -o full
expect_error "kcc: error: standard output: cannot write: $ENOSPC" \
    to_full "$KCC" predict "$MODEL" "$DATA" $TRAIN
expect_error "kcc: error: standard output: cannot write: $ENOSPC" \
    to_full "$KCC" evaluate "$MODEL" "$DATA" $TRAIN
printf 'epoch,loss\n0,0.5\n1,0.25\n' >h.csv
expect_error "kcc: error: full: cannot write: $ENOSPC" "$KCC" plot h.csv -o full

# ---- kcc fit: the model directory, --csv-log, --checkpoint, stdout -----------------
fit() {
    "$KCC" fit "$MODEL" "$DATA" $TRAIN --seed 1 "$@"
}
mkdir trained
ln -s /dev/full trained/weights.bin
expect_error "kcc: error: trained/weights.bin: cannot write: $ENOSPC" fit -o trained
[ "$(ls -A trained)" = "$(printf 'history.csv\nweights.bin')" ] ||
    fail "kcc fit -o wrote more than the history: $(ls -A trained)"

expect_error "kcc: error: full: cannot write: $ENOSPC" fit --csv-log full -o t2

mkdir ck
ln -s /dev/full ck/model.json
expect_error "kcc: error: ck/model.json: cannot write: $ENOSPC" fit --checkpoint ck -o t3
[ "$(ls -A ck)" = model.json ] || fail "kcc fit --checkpoint wrote more: $(ls -A ck)"

expect_error "kcc: error: standard output: cannot write: $ENOSPC" to_full fit --verbose 2 -o t4

[ -c /dev/full ] || fail "/dev/full is no longer a character device"
find . -name '*.kcc-*' | grep . && fail "temporary files left behind"
finish
