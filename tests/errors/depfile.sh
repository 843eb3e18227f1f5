#!/bin/sh
# depfile.sh KCC WORK_DIR
#
# --depfile against file names that make reads differently: spaces, '#',
# '$', ':' and a backslash are escaped so that make sees the very files
# (it rebuilds when the shard changes); a shard whose name in the manifest
# holds a newline and a tab -- which would end the rule and start a recipe
# that make runs -- is refused, and so is any other file name with a
# control character: nothing is written then.
set -u

if [ $# -ne 2 ]; then
    echo "usage: depfile.sh KCC WORK_DIR" >&2
    exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
. "$here/tfjs_model.sh"
kcc=$1
work=$2
status=0
rm -rf "$work" && mkdir -p "$work" || exit 2
cd "$work" || exit 2
export KERAS_HOME="$work/no-keras-home"
fail() {
    printf 'FAIL %s\n' "$*"
    status=1
}

# ---- names make would misread -----------------------------------------------
dir='my models #1'
shard='w $1:a\b.bin'
mkdir "$dir" "out dir" || exit 2
tfjs_model 'w $1:a\\b.bin' >"$dir/model.json" && printf '%044d' 0 >"$dir/$shard" || exit 2
"$kcc" "$dir/model.json" -o "out dir/m.c" --depfile deps.d 2>stderr
rc=$?
[ "$rc" -eq 0 ] || fail "escaping: exit status $rc: $(cat stderr)"
want='out\ dir/m.c out\ dir/m.h: my\ models\ \#1/model.json my\ models\ \#1/w\ $$1\:a\b.bin'
got=$(cat deps.d 2>/dev/null)
[ "$got" = "$want" ] || fail "escaping: deps.d is
  $got
expected
  $want"
# make reads the rule back: a newer shard means m.c is out of date.
printf 'include deps.d\nout\\ dir/m.c:\n\t@echo rebuild\n' >Makefile
touch -d '2000-01-01' "out dir/m.c" "out dir/m.h"
got=$(make -s 'out dir/m.c' 2>&1)
[ "$got" = rebuild ] || fail "make with deps.d, the shard newer: said '$got', expected 'rebuild'"
touch "out dir/m.c"
got=$(make -s 'out dir/m.c' 2>&1)
[ -z "$got" ] || fail "make with deps.d, m.c newer: said '$got', expected nothing"

# ---- a recipe injected through a shard's name ----------------------------------
mkdir evil && printf 'x' >evil/x.bin || exit 2
# $$ in the rule is $ for the shell: ${IFS} is a space.
tfjs_model 'x.bin\n\ttouch${IFS}INJECTED' >evil/model.json || exit 2
printf '%044d' 0 >"evil/x.bin
	touch\${IFS}INJECTED" || exit 2
rm -f evil.d && mkdir evil-out || exit 2
"$kcc" evil/model.json -o evil-out/m.c --depfile evil.d 2>stderr
rc=$?
want='kcc: error: evil/model.json: weightsManifest[0].paths[0]: expected a file name without control characters, got "x.bin\n\ttouch${IFS}INJECTED"'
[ "$rc" -eq 1 ] || fail "injection: exit status $rc, expected 1"
[ "$(cat stderr)" = "$want" ] || fail "injection: stderr is
  $(cat stderr)
expected
  $want"
if [ -f evil.d ]; then
    fail "injection: kcc wrote evil.d:
$(cat evil.d)"
    touch evil/x.bin
    printf 'include evil.d\n' >Makefile.evil
    make -s -f Makefile.evil evil-out/m.c >/dev/null 2>&1
fi
[ ! -e INJECTED ] || fail "injection: make ran the recipe from evil.d"
[ -z "$(ls -A evil-out)" ] || fail "injection: kcc wrote" $(ls -A evil-out)

# ---- a control character in a name the user gives --------------------------------
cp "$dir/model.json" "nl
model.json" && cp "$dir/$shard" . || exit 2
mkdir nl-out || exit 2
"$kcc" "nl
model.json" -o nl-out/m.c --depfile nl-out/m.d 2>stderr
rc=$?
want='kcc: error: nl\x0amodel.json: --depfile: a file name with a control character cannot be written into a make rule; rename the file'
[ "$rc" -eq 1 ] || fail "user's name: exit status $rc, expected 1"
[ "$(cat stderr)" = "$want" ] || fail "user's name: stderr is
  $(cat stderr)
expected
  $want"
[ -z "$(ls -A nl-out)" ] || fail "user's name: kcc wrote" $(ls -A nl-out)
exit "$status"
