#!/bin/sh
# quickstart.sh demo|test - set up kcc on Debian 12 and run it.
#
#   demo  install the Debian packages kcc needs, build it, compile the
#         bundled trained XOR model (models/xor_trained) to C, build that
#         C and run it
#   test  the same set-up, then the whole test suite: the normal build
#         (with the --blas tests, linked with OpenBLAS), a build under
#         AddressSanitizer + UndefinedBehaviorSanitizer, and a clang build
#         (warnings are errors in all three; the minutes-long training
#         runs, label "slow", only in the first); with npm, also
#         TensorFlow.js in tools/tfjs for the tests that use it
#
# Run as root (or with sudo available) on a fresh Debian 12 machine.
set -eu
cd "$(dirname "$0")/.."
JOBS=$(nproc 2>/dev/null || echo 2)

# ---- Debian packages -------------------------------------------------------
PACKAGES="build-essential cmake ninja-build pkg-config libcjson-dev zlib1g-dev clang libopenblas-dev"
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

build() { # dir [target], then cmake options...
    dir=$1 target=$2
    shift 2
    echo "== building in $dir"
    cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
    cmake --build "$dir" -j "$JOBS" --target "$target"
}

case "${1:-}" in
demo)
    build build kcc
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
    build build all -DKCC_OPENBLAS=ON
    (cd build && ctest -j "$JOBS" --output-on-failure)
    # The long training runs (label "slow") once, in the normal build.
    build build-asan all -DKCC_SANITIZE=ON
    (cd build-asan && ctest -j "$JOBS" --output-on-failure -LE slow)
    build build-clang all -DCMAKE_C_COMPILER=clang
    (cd build-clang && ctest -j "$JOBS" --output-on-failure -LE slow)
    echo "== all tests passed (gcc, gcc with ASan+UBSan, clang)"
    ;;
*)
    echo "usage: tools/quickstart.sh demo|test" >&2
    exit 2
    ;;
esac
