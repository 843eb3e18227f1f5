#!/bin/sh
# run_case.sh KCC CASES_DIR NAME WORK_DIR
#
# Runs one case of the error corpus (see README.md) and checks that kcc
#   (a) exits with status 1,
#   (b) prints exactly CASES_DIR/NAME.expected on stderr,
#   (c) leaves the output directory alone: the out.c and out.h put there
#       beforehand are byte-identical afterwards, and no other file (a
#       header, a temp file like out.c.kcc-XXXXXX) appeared,
#   (d) prints nothing on stdout.
#
# With KCC_ERRORS_UPDATE=1 in the environment it rewrites NAME.expected
# from kcc's stderr instead of comparing (the other checks still run).
#
# kcc runs in CASES_DIR with the model named relatively, so messages show
# paths as given.  In the stderr compared, CASES_DIR is replaced by @DIR@
# and the output directory by @OUT_DIR@, should either appear.
set -u

if [ $# -ne 4 ]; then
    echo "usage: run_case.sh KCC CASES_DIR NAME WORK_DIR" >&2
    exit 2
fi
kcc=$1
cases=$2
name=$3
work=$4
update=${KCC_ERRORS_UPDATE:-0}
expected=$cases/$name.expected
outdir=$work/out
status=0

fail() {
    echo "FAIL errors.$name: $*"
    status=1
}

# Replaces every "$2" in "$1" by "$3" (no ${var//} in POSIX sh).
replace_all() {
    rest=$1
    result=
    while :; do
        case $rest in
        *"$2"*)
            result=$result${rest%%"$2"*}$3
            rest=${rest#*"$2"}
            ;;
        *)
            break
            ;;
        esac
    done
    printf '%s' "$result$rest"
}

# A path as a sed regular expression.
sed_quote() {
    printf '%s\n' "$1" | sed 's/[]\/$*.^&[]/\\&/g'
}

# ---- a pre-existing "good" output ----------------------------------------
rm -rf "$work" && mkdir -p "$outdir" || exit 2
good='/* the output of an earlier, successful run: kcc must leave it alone */'
printf '%s\n' "$good" >"$work/good"
cp "$work/good" "$outdir/out.c" && cp "$work/good" "$outdir/out.h" || exit 2

# ---- the command line ------------------------------------------------------
# Default: kcc NAME.json -o OUT [lines of NAME.args].  If NAME.args
# mentions @MODEL@ or @OUT@, its lines are the whole argument list.
args=$cases/$name.args
set --
if ! { [ -f "$args" ] && grep -q -e @MODEL@ -e @OUT@ "$args"; }; then
    set -- "$name.json" -o "$outdir/out.c"
fi
if [ -f "$args" ]; then
    while IFS= read -r line || [ -n "$line" ]; do
        case $line in
        '#'*) continue ;;   # a comment
        esac
        line=$(replace_all "$line" @MODEL@ "$name.json")
        line=$(replace_all "$line" @OUT_DIR@ "$outdir")
        line=$(replace_all "$line" @OUT@ "$outdir/out.c")
        set -- "$@" "$line"
    done <"$args"
fi

# ---- run -------------------------------------------------------------------
(cd "$cases" && exec "$kcc" "$@") >"$work/stdout" 2>"$work/stderr.raw"
rc=$?
sed -e "s/$(sed_quote "$outdir")/@OUT_DIR@/g" -e "s/$(sed_quote "$cases")/@DIR@/g" \
    "$work/stderr.raw" >"$work/stderr"

show_command() {
    printf '  command (in %s): kcc' "$cases"
    for a in "$@"; do
        printf " '%s'" "$a"
    done
    printf '\n'
}

# (a) exit status
if [ "$rc" -ne 1 ]; then
    if [ "$rc" -gt 128 ]; then
        fail "exit status $rc (killed by signal $((rc - 128))), expected 1"
    else
        fail "exit status $rc, expected 1"
    fi
fi

# (b) stderr
if [ "$update" = 1 ]; then
    if [ -f "$expected" ] && cmp -s "$work/stderr" "$expected"; then
        :
    else
        cp "$work/stderr" "$expected" || exit 2
        echo "updated $expected"
    fi
elif [ ! -f "$expected" ]; then
    fail "$expected is missing (KCC_ERRORS_UPDATE=1 writes it; see README.md)"
elif ! cmp -s "$expected" "$work/stderr"; then
    fail "stderr differs from $name.expected (- expected, + actual):"
    if command -v diff >/dev/null 2>&1; then
        diff -u "$expected" "$work/stderr" | sed -e '1,2d' -e 's/^/  /'
    else
        echo "  --- expected:"
        sed 's/^/  -/' "$expected"
        echo "  +++ actual:"
        sed 's/^/  +/' "$work/stderr"
    fi
fi

# (c) the output directory
listing=$(cd "$outdir" && ls -A)
if [ "$listing" != "$(printf 'out.c\nout.h')" ]; then
    fail "the output directory changed: it holds" $listing "(expected out.c out.h)"
fi
for f in out.c out.h; do
    if [ -f "$outdir/$f" ] && ! cmp -s "$work/good" "$outdir/$f"; then
        fail "$f was overwritten; it now starts:"
        head -n 5 "$outdir/$f" | sed 's/^/  /'
    elif [ ! -f "$outdir/$f" ]; then
        fail "$f was removed"
    fi
done

# (d) stdout
if [ -s "$work/stdout" ]; then
    fail "kcc printed on stdout:"
    head -n 20 "$work/stdout" | sed 's/^/  /'
fi

if [ "$status" -ne 0 ]; then
    show_command "$@"
    echo "  stderr as printed:"
    sed 's/^/  | /' "$work/stderr"
fi
exit "$status"
