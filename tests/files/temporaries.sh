#!/bin/sh
# temporaries.sh KCC SOURCE_DIR WORK_DIR CC
#
# kcc leaves no temporary file or directory behind: not after a run, not
# after SIGTERM or SIGINT, and what kill -9 leaves the next run removes.
# kcc fit is stopped at the points where it has temporaries: while $CC
# builds the training code (a stand-in for $CC waits for the test's go),
# while a checkpoint is saved (its model.json is a link to a FIFO nobody
# reads, so that the save waits, its other files written), and during
# training.  Each waits for what it can observe, never for a time.
set -u
KCC=$1 SRC=$2 WORK=$3 REAL_CC=$4
rm -rf "$WORK" && mkdir -p "$WORK/tmp" && cd "$WORK" || exit 1
. "$SRC/tests/files/lib.sh"
TMPDIR=$WORK/tmp
export TMPDIR

# The stand-in for $CC: says it runs (its pid into the FIFO cc-started),
# waits for a line from the FIFO cc-go, then is the compiler.
cat >cc.sh <<EOF
#!/bin/sh
echo \$\$ >"$WORK/cc-started"
read go <"$WORK/cc-go"
exec "$REAL_CC" "\$@"
EOF
chmod +x cc.sh
mkfifo cc-started cc-go

# fit_bg DIR [options]: kcc fit in the background, 10^9 epochs, its pid
# $pid; fit_bg_cc: the same with the stand-in for $CC.
fit_bg() {
    out=$1
    shift
    "$KCC" fit "$MODEL" "$DATA" $TRAIN --epochs 1000000000 -o "$out" "$@" &
    pid=$!
}
fit_bg_cc() {
    CC=$WORK/cc.sh "$KCC" fit "$MODEL" "$DATA" $TRAIN -o "$1" &
    pid=$!
}

# until_exists GLOB: waits (at most a minute) until a file matches GLOB.
until_exists() {
    tries=0
    while ! ls -d $1 >/dev/null 2>&1; do
        tries=$((tries + 1))
        [ $tries -le 600 ] || { fail "nothing matches $1"; return 1; }
        sleep 0.1
    done
}

# stopped HOW STATUS: kcc was stopped by HOW and exited with STATUS.
stopped() {
    [ "$2" -eq "$3" ] || fail "after $1 kcc fit exited with $2, not $3"
}

# none_left WHEN: no temporary file anywhere, nothing in $TMPDIR.
none_left() {
    left=$(find . -name '*.kcc-*' | sort; ls -A tmp)
    [ -z "$left" ] || fail "$1: left behind: $left"
}

# ---- while $CC builds the training code -------------------------------------------
# kill -9: the build directory stays, with $CC; the next run removes it
# once $CC is gone.
fit_bg_cc t1
read cc_pid <cc-started
kill -KILL $pid
wait $pid
stopped "kill -9" $? 137
ls -d tmp/kcc-jit-* >/dev/null 2>&1 || fail "no build directory after kill -9 (the test is wrong)"
echo go >cc-go
while kill -0 $cc_pid 2>/dev/null; do
    sleep 0.1 # $CC, no child of ours, finishes the orphaned build
done
"$KCC" fit "$MODEL" "$DATA" $TRAIN -o t1 || fail "kcc fit after kill -9"
none_left "the run after kill -9 during the build"

# SIGTERM: kcc stops $CC and removes the directory.
fit_bg_cc t2
read cc_pid <cc-started
kill -TERM $pid
wait $pid
stopped SIGTERM $? 143
kill -0 $cc_pid 2>/dev/null && { fail "\$CC still runs after SIGTERM"; kill $cc_pid; }
none_left "SIGTERM during the build"

# SIGINT: a background job ignores it, unless env resets it to the default.
if env --default-signal=INT true 2>/dev/null; then
    CC=$WORK/cc.sh env --default-signal=INT "$KCC" fit "$MODEL" "$DATA" $TRAIN -o t3 &
    pid=$!
    read cc_pid <cc-started
    kill -INT $pid
    wait $pid
    stopped SIGINT $? 130
    kill -0 $cc_pid 2>/dev/null && { fail "\$CC still runs after SIGINT"; kill $cc_pid; }
    none_left "SIGINT during the build"
else
    echo "env --default-signal is missing: no SIGINT during the build"
fi

# ---- while a checkpoint is saved ----------------------------------------------------
mkfifo never-read
mkdir ck
ln -s ../never-read ck/model.json
fit_bg t4 --checkpoint ck
until_exists 'ck/.training_state.bin.kcc-*'
kill -KILL $pid
wait $pid
stopped "kill -9" $? 137
rm ck/model.json
[ "$(ls -A ck | grep -c '\.kcc-')" -eq 2 ] || fail "kill -9 left no temporaries (the test is wrong)"
"$KCC" fit "$MODEL" "$DATA" $TRAIN -o t4 --checkpoint ck || fail "kcc fit after kill -9"
none_left "the run after kill -9 during a save"
[ -s ck/weights.bin ] || fail "no checkpoint"

ln -sf ../never-read ck/model.json
fit_bg t5 --checkpoint ck
until_exists 'ck/.training_state.bin.kcc-*'
kill -TERM $pid
wait $pid
stopped SIGTERM $? 143
none_left "SIGTERM during a save"
rm ck/model.json

# ---- during training ----------------------------------------------------------------
# The build directory is gone once the code is loaded; kill -9 at any
# moment (maybe during a save of the log or a checkpoint): the next run
# removes what is left.
fit_bg t6 --checkpoint ck6
until_exists t6/history.csv
ls -d tmp/kcc-jit-* 2>/dev/null && fail "the build directory is still there during training"
kill -KILL $pid
wait $pid
stopped "kill -9" $? 137
"$KCC" fit "$MODEL" "$DATA" $TRAIN -o t6 --checkpoint ck6 || fail "kcc fit after kill -9"
none_left "the run after kill -9 during training"
finish
