#!/bin/sh
# special.sh KCC SOURCE_DIR WORK_DIR
#
# Outputs that are not regular files, for every command that writes:
# character devices and FIFOs are written in place (never renamed over),
# symbolic links are followed (the file they lead to is replaced, the link
# stays), directories and block devices are refused.
set -u
KCC=$1 SRC=$2 WORK=$3
rm -rf "$WORK" && mkdir -p "$WORK" && cd "$WORK" || exit 1
. "$SRC/tests/files/lib.sh"

# ---- kcc -o and --depfile ----------------------------------------------------
mkdir ref fifo
(cd ref && "$KCC" "$MODEL" -o out.c --depfile out.d) || fail "kcc -o out.c"

# A FIFO: the C source goes through it; no header beside it.
mkfifo fifo/out.c
fifo_reader fifo/out.c got.c
(cd fifo && "$KCC" "$MODEL" -o out.c --depfile out.d)
fifo_done fifo/out.c $?
if [ ! -p fifo/out.c ]; then
    # A kcc that renames over a FIFO would rename over /dev/null too.
    echo "stopping before the tests that write to /dev/null"
    finish
fi
cmp -s got.c ref/out.c || fail "the C source read from the FIFO differs from out.c"
[ ! -e fifo/out.h ] || fail "-o FIFO wrote a header beside it"
[ "$(cat fifo/out.d)" = "out.c: $MODEL ${MODEL%/*}/weights.bin" ] || fail "the depfile of -o FIFO: $(cat fifo/out.d)"

# --depfile to a FIFO.
mkdir depfifo
mkfifo depfifo/out.d
fifo_reader depfifo/out.d got.d
(cd depfifo && "$KCC" "$MODEL" -o out.c --depfile out.d)
fifo_done depfifo/out.d $?
cmp -s got.d ref/out.d || fail "the depfile read from the FIFO differs"
cmp -s depfifo/out.c ref/out.c || fail "-o out.c with --depfile FIFO"

# The system's /dev/null stays a character device, and nothing is created
# beside it.
"$KCC" "$MODEL" -o /dev/null --depfile /dev/null || fail "kcc -o /dev/null"
[ -c /dev/null ] || fail "/dev/null is no longer a character device"
[ ! -e /dev/null.h ] || fail "kcc -o /dev/null wrote /dev/null.h"

# /dev/stdout, a pipe.
"$KCC" "$MODEL" -o /dev/stdout | cat >piped.c
grep -q '^int xor_predict(const float \*input, float \*output)$' piped.c ||
    fail "kcc -o /dev/stdout did not print the C source"
[ ! -e /dev/stdout.h ] || fail "kcc -o /dev/stdout wrote /dev/stdout.h"

# Device nodes of our own (root only): a character device is written in
# place, a block device refused.
if mknod cdev c 1 3 2>/dev/null && mknod bdev b 7 250 2>/dev/null; then
    "$KCC" "$MODEL" -o cdev || fail "kcc -o CHARACTER_DEVICE"
    [ -c cdev ] || fail "kcc -o replaced a character device"
    [ ! -e cdev.h ] || fail "kcc -o CHARACTER_DEVICE wrote a header beside it"
    expect_error "kcc: error: bdev: cannot replace: a block device, not a regular file, character device or FIFO" \
        "$KCC" "$MODEL" -o bdev
    [ -b bdev ] || fail "kcc -o replaced a block device"
    [ ! -e bdev.h ] || fail "kcc -o BLOCK_DEVICE wrote a header"
else
    echo "not root: no device nodes of our own"
fi

# A directory: refused.
mkdir dir.c
expect_error "kcc: error: dir.c: cannot replace: Is a directory" "$KCC" "$MODEL" -o dir.c
[ -d dir.c ] && [ ! -e dir.h ] || fail "kcc -o DIRECTORY changed something"

# Symbolic links: followed, relative to the link's directory; the links stay.
for d in plain linked; do
    mkdir -p $d/link $d/real
done
echo old >plain/link/out.c
echo old >linked/real/target.c
ln -s ../real/target.c linked/link/out.c
ln -s ../real/new.h linked/link/out.h
(cd plain && "$KCC" "$MODEL" -o link/out.c) || fail "kcc -o FILE"
(cd linked && "$KCC" "$MODEL" -o link/out.c) || fail "kcc -o SYMLINK"
[ -L linked/link/out.c ] && [ -L linked/link/out.h ] || fail "kcc -o replaced a symbolic link"
cmp -s linked/real/target.c plain/link/out.c || fail "the link's target is not the C source"
cmp -s linked/real/new.h plain/link/out.h || fail "the dangling link's target is not the header"
[ "$(ls -A linked/link)" = "$(printf 'out.c\nout.h')" ] || fail "kcc -o SYMLINK left: $(ls -A linked/link)"

# ---- kcc fit: its model directory and --csv-log ----------------------------------
# model.json a link to /dev/null, weights.bin one to a file elsewhere, the
# CSV log a FIFO.
mkdir trained elsewhere
ln -s /dev/null trained/model.json
ln -s ../elsewhere/w.bin trained/weights.bin
mkfifo log.csv
fifo_reader log.csv got-log.csv
"$KCC" fit "$MODEL" "$DATA" $TRAIN --epochs 1 --seed 1 --csv-log log.csv -o trained
fifo_done log.csv $?
[ -c /dev/null ] || fail "kcc fit replaced /dev/null"
[ -L trained/model.json ] && [ -L trained/weights.bin ] || fail "kcc fit replaced a link"
[ "$(wc -c <elsewhere/w.bin)" -eq 260 ] || fail "weights.bin through a link: $(wc -c <elsewhere/w.bin) bytes, not 260"
[ -s trained/training_state.bin ] || fail "kcc fit wrote no training state"
[ "$(head -n 1 got-log.csv)" = "epoch,accuracy,loss,lr" ] && [ "$(wc -l <got-log.csv)" -eq 2 ] ||
    fail "the CSV log read from the FIFO: $(cat got-log.csv)"

# ---- kcc predict -o and kcc plot -o --------------------------------------------
"$KCC" predict "$MODEL" "$DATA" $TRAIN -o pred.csv || fail "kcc predict -o FILE"
mkfifo pred-fifo.csv
fifo_reader pred-fifo.csv got-pred.csv
"$KCC" predict "$MODEL" "$DATA" $TRAIN -o pred-fifo.csv
fifo_done pred-fifo.csv $?
[ "$(wc -l <pred.csv)" -eq 4 ] && cmp -s pred.csv got-pred.csv ||
    fail "kcc predict -o FIFO: $(cat got-pred.csv)"

printf 'epoch,loss\n0,0.5\n1,0.25\n' >h.csv
"$KCC" plot h.csv -o h.svg || fail "kcc plot -o FILE"
mkfifo h-fifo.svg
fifo_reader h-fifo.svg got.svg
"$KCC" plot h.csv -o h-fifo.svg
fifo_done h-fifo.svg $?
grep -q '<svg' h.svg && cmp -s h.svg got.svg || fail "kcc plot -o FIFO"
mkdir plot.svg
expect_error "kcc: error: plot.svg: cannot replace: Is a directory" "$KCC" plot h.csv -o plot.svg

ls -A | grep -F '.kcc-' && fail "temporary files left behind"
finish
