#!/bin/sh
# update.sh [BUILD_DIR [NAME_REGEX]]
#
# Re-pins the error corpus: rewrites cases/NAME.expected from what kcc
# prints now, for every case (or those whose name matches NAME_REGEX), then
# shows what changed.  BUILD_DIR (default: build) must be configured with
# tests on; kcc is rebuilt first.  Review the diff before committing: every
# changed line is a message a user will see.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-build}
regex=${2:-.*}
cmake "$build" >/dev/null              # pick up new cases/*.expected
cmake --build "$build" --target kcc
KCC_ERRORS_UPDATE=1 ctest --test-dir "$build" -R "^errors\.($regex)\$" -E '^errors\.fuzz$' \
    --output-on-failure -V 2>&1 | sed -n 's/^[0-9]*: \(updated .*\)/\1/p; s/^[0-9]*: \(FAIL .*\)/\1/p'
if command -v git >/dev/null 2>&1 && git -C "$here" rev-parse >/dev/null 2>&1; then
    git -C "$here" status --short -- cases
    git -C "$here" --no-pager diff --stat -- cases
fi
