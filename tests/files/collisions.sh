#!/bin/sh
# collisions.sh KCC SOURCE_DIR WORK_DIR
#
# Two outputs of one command that are the same file, however spelled
# (links, hard links, ./, a/../), and an output that is one of the
# command's inputs are refused before anything is written.
# (tests/errors/cases/cli_depfile_is_* has the plain spellings.)
set -u
KCC=$1 SRC=$2 WORK=$3
rm -rf "$WORK" && mkdir -p "$WORK" && cd "$WORK" || exit 1
. "$SRC/tests/files/lib.sh"

# ---- kcc -o: the header is -o through a link ------------------------------------
echo keep >out.c
ln -s out.c out.h
expect_error "kcc: error: out.h: -o and the header are the same file" "$KCC" "$MODEL" -o out.c
[ "$(cat out.c)" = keep ] && [ -L out.h ] || fail "a refused kcc -o changed out.c or out.h"
rm out.h

# a hard link
ln out.c out.h
expect_error "kcc: error: out.h: -o and the header are the same file" "$KCC" "$MODEL" -o out.c
[ "$(cat out.c)" = keep ] || fail "a refused kcc -o changed out.c"
rm out.h

# --depfile: a link to -o, a path through a link to the directory
ln -s out.c dep.d
expect_error "kcc: error: dep.d: -o and --depfile are the same file" \
    "$KCC" "$MODEL" -o out.c --depfile dep.d
ln -s . self
expect_error "kcc: error: self/new.c: -o and --depfile are the same file" \
    "$KCC" "$MODEL" -o new.c --depfile self/new.c
[ ! -e new.c ] && [ ! -e new.h ] || fail "a refused kcc -o wrote new.c or new.h"
[ "$(cat out.c)" = keep ] || fail "a refused kcc -o changed out.c"

# ---- kcc fit: the model directory, the checkpoint, the CSV log -------------------
expect_error "kcc: error: ./trained/.: -o and --checkpoint are the same directory" \
    "$KCC" fit "$MODEL" "$DATA" $TRAIN -o trained --checkpoint ./trained/.
expect_error "kcc: error: trained/model.json: -o and --csv-log are the same file" \
    "$KCC" fit "$MODEL" "$DATA" $TRAIN -o trained --csv-log trained/model.json
expect_error "kcc: error: ck/../ck/weights.bin: --csv-log and --checkpoint are the same file" \
    "$KCC" fit "$MODEL" "$DATA" $TRAIN -o trained --checkpoint ck/../ck --csv-log ck/weights.bin
[ ! -e trained ] && [ ! -e ck ] || fail "a refused kcc fit created its directories"

# ---- outputs that are inputs ------------------------------------------------------
cp "$DATA" d.csv && cp -R "${MODEL%/*}" m || exit 1
expect_error "kcc: error: d.csv: refusing to overwrite the data with -o" \
    "$KCC" predict m d.csv $TRAIN -o d.csv
expect_error "kcc: error: m/./model.json: refusing to overwrite the model with -o" \
    "$KCC" predict m d.csv $TRAIN -o m/./model.json
ln -s m/weights.bin w.bin
expect_error "kcc: error: w.bin: refusing to overwrite the model with -o" \
    "$KCC" predict m/model.json d.csv $TRAIN -o w.bin
printf 'epoch,loss\n0,0.5\n' >h.csv
expect_error "kcc: error: ./h.csv: refusing to overwrite the history with -o" \
    "$KCC" plot h.csv -o ./h.csv
expect_error "kcc: error: d.csv: refusing to overwrite the data with --csv-log" \
    "$KCC" fit m d.csv $TRAIN -o t --csv-log d.csv
cmp -s d.csv "$DATA" && cmp -s m/model.json "$MODEL" && cmp -s m/weights.bin "${MODEL%/*}/weights.bin" &&
    [ "$(cat h.csv)" = "$(printf 'epoch,loss\n0,0.5')" ] || fail "an input was changed"
[ ! -e t ] || fail "a refused kcc fit created its directory"
# kcc fit saving over the model it read (kcc fit DIR -o DIR) is no mistake.
"$KCC" fit m d.csv $TRAIN --epochs 1 -o m || fail "kcc fit DIR -o DIR"

ls -A | grep -F '.kcc-' && fail "temporary files left behind"
finish
