#!/bin/sh
# parents.sh KCC SOURCE_DIR WORK_DIR
#
# kcc fit -o DIR and --checkpoint DIR create DIR and its missing parents,
# as Keras's model.save and ModelCheckpoint do (the README's kcc fit ...
# -o trained/churn in a fresh checkout).  The other outputs, files, are
# written into directories that exist, as Keras's CSVLogger, numpy's
# savetxt and matplotlib's savefig expect: a missing one is an error.
set -u
KCC=$1 SRC=$2 WORK=$3
rm -rf "$WORK" && mkdir -p "$WORK" && cd "$WORK" || exit 1
. "$SRC/tests/files/lib.sh"

"$KCC" fit "$MODEL" "$DATA" $TRAIN --epochs 2 -o trained/xor --checkpoint ck/a//b/ ||
    fail "kcc fit -o trained/xor --checkpoint ck/a//b/"
for f in model.json weights.bin training_state.bin preprocessing.json history.csv; do
    [ -f trained/xor/$f ] || fail "kcc fit did not write trained/xor/$f"
done
for f in model.json weights.bin training_state.bin; do
    [ -f ck/a/b/$f ] || fail "kcc fit did not write the checkpoint's $f"
done
"$KCC" evaluate trained/xor "$DATA" >/dev/null || fail "kcc evaluate trained/xor"

# Not a directory on the way.
echo x >file
expect_error "kcc: error: file: cannot create the directory: Not a directory" \
    "$KCC" fit "$MODEL" "$DATA" $TRAIN -o file/xor

# Files into directories that do not exist: an error naming the file.
printf 'epoch,loss\n0,0.5\n' >h.csv
expect_error "kcc: error: no-dir/h.svg: cannot create: No such file or directory (does the directory exist?)" \
    "$KCC" plot h.csv -o no-dir/h.svg
expect_error "kcc: error: no-dir/p.csv: cannot create: No such file or directory (does the directory exist?)" \
    "$KCC" predict "$MODEL" "$DATA" $TRAIN -o no-dir/p.csv
[ ! -e no-dir ] || fail "kcc plot or predict created a directory"
finish
