#!/bin/sh
# check_golden.sh KCC CC SOURCE_DIR WORK_DIR [update]
#
# Generates C and summaries for a few models and compares them byte for
# byte with tests/golden/expected/.  With "update", rewrites the expected
# files instead (review the diff before committing).  Also checks that
# kcc's output is deterministic (the same command twice gives the same
# bytes), that every generated file compiles with CC -std=c99 -pedantic
# -Werror, that the headers compile as C++ (when c++ is installed), and
# that layer names crafted to inject code (tests/golden/models/
# evil_names.json) end up as inert text.
set -u
KCC=$1 CC=$2 SRC=$3 WORK=$4 MODE=${5:-check}
GOLD=$SRC/tests/golden/expected
CASES=$SRC/tests/numeric/cases

rm -rf "$WORK" && mkdir -p "$WORK" || exit 1
cp "$SRC/models/xor.json" "$SRC/models/churn.json" "$SRC/tests/golden/models/evil_names.json" \
    "$WORK/" || exit 1
for c in prelu_shared flatten_channels_first_mid activation_chain dropout_only; do
    cp -r "$CASES/$c" "$WORK/$c" || exit 1
done
cd "$WORK" || exit 1

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
kcc() {
    "$KCC" "$@" 2>>stderr.txt || fail "kcc $*: exit status $?: $(tail -3 stderr.txt)"
}

# Paths are relative, so the command recorded in each file is stable.
kcc xor.json -o xor.c --seed 1
kcc churn.json -o churn.c --seed 1
kcc xor.json -o xor_runtime.c --seed 1 --weights runtime
kcc churn.json -o churn_separate.c --seed 1 --weights separate --name churn_separate
kcc churn.json -o churn_f64.c --seed 1 --floatx float64 --name churn_f64
kcc prelu_shared/model.json -o prelu_shared.c --name prelu_shared
kcc flatten_channels_first_mid/keras3.json -o flatten_cf.c --name flatten_cf \
    --load-weights flatten_channels_first_mid/model.json
kcc activation_chain/keras2.json -o activation_chain.c --name activation_chain \
    --load-weights activation_chain/model.json
kcc dropout_only/model.json -o dropout_only.c --name dropout_only
kcc evil_names.json -o evil_names.c --seed 1
"$KCC" summary xor.json >xor_summary.txt 2>>stderr.txt || fail "kcc summary xor.json"
"$KCC" summary churn.json >churn_summary.txt 2>>stderr.txt || fail "kcc summary churn.json"

outputs="xor.c xor.h churn.c churn.h xor_runtime.c xor_runtime.h xor_runtime.weights
churn_separate.c churn_separate.h churn_separate_weights.c churn_f64.c churn_f64.h
prelu_shared.c prelu_shared.h flatten_cf.c flatten_cf.h activation_chain.c activation_chain.h
dropout_only.c dropout_only.h evil_names.c evil_names.h xor_summary.txt churn_summary.txt"

# Determinism: the same command again gives the same bytes.
cp xor.c xor.first.c
kcc xor.json -o xor.c --seed 1
cmp -s xor.c xor.first.c || fail "kcc is not deterministic: xor.c differs between two runs"

# Every generated source compiles, strictly.
for f in $outputs; do
    case $f in
    *.c) "$CC" -std=c99 -pedantic -Wall -Wextra -Werror -c "$f" -o "${f%.c}.o" 2>cc.txt ||
            { fail "$f does not compile:"; head -10 cc.txt; } ;;
    esac
done
# The headers are usable from C++.
if command -v c++ >/dev/null 2>&1; then
    for f in $outputs; do
        case $f in
        *.h) printf '#include "%s"\nint main() { return 0; }\n' "$f" >cxx.cc
             c++ -std=c++11 -Wall -Wextra -Werror -fsyntax-only cxx.cc 2>cc.txt ||
                { fail "$f does not compile as C++:"; head -10 cc.txt; } ;;
        esac
    done
else
    echo "note: no c++ compiler, headers not checked as C++"
fi
# Names from the model never become code: the injected declaration and the
# raw newline appear nowhere outside escaped comments.
if grep -nF -e '*/ int injected' -e '*/ #include' -e 'injected = 1; /*' evil_names.c evil_names.h; then
    fail "a layer name reached the generated code unescaped"
fi
grep -q 'line\\x0abreak' evil_names.c || fail "the newline in a layer name is not escaped"

if [ "$MODE" = update ]; then
    mkdir -p "$GOLD"
    for f in $outputs; do cp "$f" "$GOLD/$f"; done
    echo "updated $(echo $outputs | wc -w) files in $GOLD"
    exit $failures
fi

for f in $outputs; do
    if [ ! -f "$GOLD/$f" ]; then
        fail "$f: no expected file (run: $0 KCC SRC WORK update)"
    elif ! cmp -s "$f" "$GOLD/$f"; then
        fail "$f differs from tests/golden/expected/$f:"
        diff -u "$GOLD/$f" "$f" | head -40
    fi
done
[ $failures -eq 0 ] && echo "all $(echo $outputs | wc -w) files match"
[ $failures -eq 0 ]
