#!/bin/sh
# quickstart.sh demo|test - set up kcc on Debian 12 and run it.
#
#   demo  install the Debian packages kcc needs, build it, compile the
#         bundled trained XOR model (models/xor_trained) to C, build that
#         C and run it
#   test  the same set-up, then the whole test suite in three builds:
#         gcc Release (-O3, with the --blas tests linked with OpenBLAS),
#         AddressSanitizer + UndefinedBehaviorSanitizer with gcc, and the
#         same with clang at -O3 (clang's UBSan also checks float-to-int
#         conversions).  kcc and its runtime are also compiled in the
#         Debug, RelWithDebInfo and Release build types with both
#         compilers.  Warnings are errors everywhere.  The minutes-long
#         runs (label "slow") and the sweep of generated code over shapes
#         and compilers (label "sweep") run once, in the first build.
#         With npm, also TensorFlow.js in tools/tfjs for the tests that
#         use it
#
# Run as root (or with sudo available) on a fresh Debian 12 machine.
set -eu
cd "$(dirname "$0")/.."
JOBS=$(nproc 2>/dev/null || echo 2)

# ---- Debian packages -------------------------------------------------------
PACKAGES="build-essential cmake ninja-build pkg-config libcjson-dev zlib1g-dev clang libclang-rt-14-dev
          libopenblas-dev gcc-aarch64-linux-gnu libc6-dev-arm64-cross valgrind"
missing=""
for p in $PACKAGES; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    echo "== installing Debian packages:$missing"
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO=sudo
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -q
    $SUDO apt-get install -y -q --no-install-recommends $missing
fi

build() { # dir build-type targets, then cmake options...
    dir=$1 type=$2 targets=$3
    shift 3
    echo "== building $targets in $dir ($type${*:+ }$*)"
    cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE="$type" "$@" >/dev/null
    # shellcheck disable=SC2086 # targets is a list
    cmake --build "$dir" -j "$JOBS" --target $targets
}

case "${1:-}" in
demo)
    build build Release kcc
    mkdir -p build/demo
    echo "== kcc models/xor_trained/model.json -o build/demo/xor.c"
    build/kcc models/xor_trained/model.json -o build/demo/xor.c
    echo "== cc -std=c99 -O2 examples/xor/main.c build/demo/xor.c -lm"
    cc -std=c99 -O2 -Wall -Wextra -Werror -pedantic -Ibuild/demo \
        examples/xor/main.c build/demo/xor.c -lm -o build/demo/xor
    build/demo/xor
    ;;
test)
    # TensorFlow.js, for the tests that load kcc's saved models with it
    # (they report themselves skipped without it).
    if command -v npm >/dev/null 2>&1 && [ ! -d tools/tfjs/node_modules/@tensorflow/tfjs ]; then
        echo "== npm ci in tools/tfjs (TensorFlow.js for the tests)"
        (cd tools/tfjs && npm ci --no-audit --no-fund --loglevel=error) ||
            echo "== TensorFlow.js not installed: its tests will be skipped"
    fi
    # Warnings are errors in every build type users pick: kcc and its
    # runtime with both compilers in each.
    for cc in gcc clang; do
        for type in Debug RelWithDebInfo Release; do
            build "build-$type-$cc" "$type" "kcc kcc_runtime" -DCMAKE_C_COMPILER=$cc
        done
    done
    # The whole suite three times: gcc Release (with the --blas tests, the
    # long runs of label "slow" and the generated-code sweep of label
    # "sweep", which uses every compiler whatever built kcc), then under
    # ASan+UBSan with gcc, and with clang at -O3 (clang's UBSan also checks
    # float-to-integer conversions).
    build build Release all -DCMAKE_C_COMPILER=gcc -DKCC_OPENBLAS=ON
    (cd build && ctest -j "$JOBS" --output-on-failure)
    build build-asan RelWithDebInfo all -DCMAKE_C_COMPILER=gcc -DKCC_SANITIZE=ON
    (cd build-asan && ctest -j "$JOBS" --output-on-failure -LE 'slow|sweep')
    build build-asan-clang Release all -DCMAKE_C_COMPILER=clang -DKCC_SANITIZE=ON
    (cd build-asan-clang && ctest -j "$JOBS" --output-on-failure -LE 'slow|sweep')
    echo "== all tests passed (gcc Release, ASan+UBSan with gcc and with clang -O3)"
    ;;
*)
    echo "usage: tools/quickstart.sh demo|test" >&2
    exit 2
    ;;
esac
