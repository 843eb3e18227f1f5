#!/bin/sh
# check_models.sh KCC CC MODELS_DIR WORK_DIR
#
# Runs kcc over the real Keras models in MODELS_DIR (../shared/keras-models,
# listed in its INDEX.tsv).  Each model must either
#   - compile: `kcc summary` prints the parameter count INDEX.tsv gives, and
#     the generated C compiles with -std=c99 -pedantic -Werror; or
#   - be refused with exit status 1, every message saying why, and every
#     layer type kcc does not support named in a message.
# Exits 77 (skipped) when MODELS_DIR is absent.
set -u
KCC=$1 CC=$2 DIR=$3 WORK=$4
# The layer types kcc compiles; anything else must be named when refused.
SUPPORTED=" $("$KCC" layers | tr '\n' ' ') "

if [ ! -f "$DIR/INDEX.tsv" ]; then
    echo "skipped: no $DIR/INDEX.tsv"
    exit 77
fi
rm -rf "$WORK" && mkdir -p "$WORK" || exit 1
failures=0 compiled=0 refused=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# file|layers|params, one model a line (tabs collapse in read, so awk splits).
awk -F '\t' 'NR > 1 { print $1 "|" $8 "|" $10 }' "$DIR/INDEX.tsv" >"$WORK/index.txt"
while IFS='|' read -r file layers params; do
    case $file in *.h5|*.keras) continue ;; esac
    model="$DIR/$file"
    [ -f "$model" ] || { fail "$file: listed in INDEX.tsv but missing"; continue; }
    out="$WORK/summary.txt" err="$WORK/stderr.txt"
    "$KCC" summary "$model" >"$out" 2>"$err"
    rc=$?
    if [ $rc -eq 0 ]; then
        got=$(sed -n 's/^Total params: //p' "$out" | tr -d ,)
        if [ "$got" != "$params" ]; then
            fail "$file: kcc counts $got parameters, Keras $params"
            continue
        fi
        if ! "$KCC" "$model" -o "$WORK/m.c" --name m --seed 1 2>"$err"; then
            # Too big to compile into C is a refusal with its reason.
            if grep -q "parameters: too many to compile" "$err"; then
                echo "ok: $file: $got parameters, refused as too large to compile"
                refused=$((refused + 1))
                continue
            fi
            fail "$file: summary works but compiling fails: $(cat "$err")"
            continue
        fi
        "$CC" -std=c99 -pedantic -Wall -Wextra -Werror -O1 -c "$WORK/m.c" -o "$WORK/m.o" 2>"$err" ||
            { fail "$file: the generated C does not compile: $(head -5 "$err")"; continue; }
        echo "ok: $file: compiled, $got parameters"
        compiled=$((compiled + 1))
    elif [ $rc -eq 1 ]; then
        if [ ! -s "$err" ] || grep -v '^kcc: error: ' "$err" | grep -q .; then
            fail "$file: refused without an error message on every line: $(head -3 "$err")"
            continue
        fi
        missing=""
        for t in $(echo "$layers" | tr ',' ' '); do
            case $SUPPORTED in *" $t "*) continue ;; esac
            grep -qF "($t)" "$err" || missing="$missing $t"
        done
        if [ -n "$missing" ]; then
            fail "$file: refused, but the messages do not name:$missing"
            continue
        fi
        echo "ok: $file: refused ($(wc -l <"$err") messages)"
        refused=$((refused + 1))
    else
        fail "$file: kcc exited with status $rc: $(head -3 "$err")"
    fi
done <"$WORK/index.txt"

echo "$compiled compiled, $refused refused, $failures failures"
[ $failures -eq 0 ] && [ $compiled -gt 0 ]
