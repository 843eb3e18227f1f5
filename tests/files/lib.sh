# lib.sh - what the tests of tests/files share; sourced by each with
# KCC, SRC and WORK set and the current directory WORK.

failures=0
fail() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}

MODEL=$SRC/models/xor_trained/model.json
DATA=$SRC/models/xor.csv
# One thread: the training code then builds without OpenMP, faster.
KCC_THREADS=1
export KCC_THREADS
# kcc fit, predict and evaluate on the XOR model and data.
TRAIN="--target xor --optimizer adam --loss binary_crossentropy --metrics accuracy --verbose 0"

# expect_error EXPECTED_STDERR COMMAND...: COMMAND exits 1 with exactly
# that stderr.
expect_error() {
    want=$1
    shift
    "$@" >expect.out 2>expect.err
    rc=$?
    [ $rc -eq 1 ] || fail "exit status $rc, not 1: $*"
    printf '%s\n' "$want" >expect.want
    cmp -s expect.want expect.err || {
        fail "stderr of: $*"
        diff -u expect.want expect.err | sed '1,2d; s/^/  /'
    }
}

# fifo_reader FIFO FILE: a background process copies what is written to
# the named pipe FIFO into FILE; its pid is $reader.
fifo_reader() {
    cat "$1" >"$2" &
    reader=$!
}

# fifo_done FIFO STATUS: after the writer exited with STATUS.  On success
# the reader has its end of file and is waited for; otherwise it may never
# get one, and is stopped.  Fails unless FIFO is still a named pipe.
fifo_done() {
    if [ "$2" -eq 0 ] && [ -p "$1" ]; then
        wait $reader
    else
        kill $reader 2>/dev/null
        wait $reader 2>/dev/null
    fi
    [ -p "$1" ] || fail "$1 is no longer a FIFO"
}

# finish: the test's exit status.
finish() {
    [ $failures -eq 0 ] && echo "all passed"
    exit $((failures > 0))
}
