#!/bin/sh
# pkgconfig.sh PREFIX LIBDIR INCLUDEDIR WORK CC "CFLAGS" "LDFLAGS"
#
# With PKG_CONFIG_PATH at the installed PREFIX/LIBDIR/pkgconfig, checks
# that pkg-config knows kcc, that its flags point into PREFIX, and that a
# program using the runtime library (libm included) compiles and runs with
# them.  CFLAGS and LDFLAGS are the build's own (sanitizers).  Exits 77
# (skipped) without pkg-config, non-zero on any failure.
set -u
prefix=$1 libdir=$2 includedir=$3 work=$4 cc=$5 cflags=$6 ldflags=$7

fail() {
    echo "FAIL (pkgconfig): $*" >&2
    exit 1
}

if ! command -v pkg-config >/dev/null 2>&1; then
    echo "SKIP: pkg-config is not installed (Debian: apt-get install pkg-config)"
    exit 77
fi

pcdir=$prefix/$libdir/pkgconfig
[ -f "$pcdir/kcc.pc" ] || fail "$pcdir/kcc.pc is not installed (run the install.files test)"
PKG_CONFIG_PATH=$pcdir
export PKG_CONFIG_PATH
unset PKG_CONFIG_LIBDIR PKG_CONFIG_SYSROOT_DIR

version=$(pkg-config --modversion kcc) || fail "pkg-config --modversion kcc failed"
echo "kcc version $version"
pkgflags=$(pkg-config --cflags --libs kcc) || fail "pkg-config --cflags --libs kcc failed"
echo "pkg-config --cflags --libs kcc: $pkgflags"

# The directories in the flags are the installed ones, wherever the .pc
# file was configured to go.
same_dir() { # same_dir VARIABLE EXPECTED: kcc.pc's VARIABLE is the directory EXPECTED
    got=$(pkg-config --variable="$1" kcc)
    a=$(cd "$got" 2>/dev/null && pwd -P)
    b=$(cd "$2" 2>/dev/null && pwd -P)
    [ -n "$a" ] && [ "$a" = "$b" ] || fail "kcc.pc's $1 is '$got', not $2"
}
same_dir includedir "$prefix/$includedir"
same_dir libdir "$prefix/$libdir"
kcc=$(pkg-config --variable=kcc kcc)
"$kcc" --version >/dev/null || fail "the kcc named by kcc.pc ($kcc) does not run"

dir=$work/pkgconfig
case $dir in /*) ;; *) fail "WORK must be absolute" ;; esac
rm -rf "$dir"
mkdir -p "$dir" || fail "cannot create $dir"
cat >"$dir/use_kcc.c" <<'EOF'
#include <kcc.h>
#include <math.h>
#include <stdio.h>

int main(void)
{
    kcc_rng rng;
    kcc_rng_seed(&rng, 1);
    double u = kcc_rng_uniform(&rng), z = kcc_rng_normal(&rng); /* needs libm */
    printf("kcc %s: uniform %f, normal %f\n", KCC_VERSION, u, z);
    return u >= 0.0 && u < 1.0 && isfinite(z) ? 0 : 1;
}
EOF
# shellcheck disable=SC2086 # the flags are lists of words
"$cc" $cflags $(pkg-config --cflags kcc) -o "$dir/use_kcc" "$dir/use_kcc.c" \
    $ldflags $(pkg-config --libs kcc) ||
    fail "compiling and linking with pkg-config's flags failed"
"$dir/use_kcc" || fail "the program built with pkg-config's flags failed"
# shellcheck disable=SC2086
"$cc" $cflags $(pkg-config --cflags --static kcc) -o "$dir/use_kcc_static" \
    "$dir/use_kcc.c" $ldflags $(pkg-config --libs --static kcc) ||
    fail "compiling and linking with pkg-config --static's flags failed"
echo "pkgconfig: ok"
