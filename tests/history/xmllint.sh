#!/bin/sh
# xmllint.sh TEST_HISTORY FIXTURES_DIR WORK_DIR
#
# libxml2's parser accepts the pictures as well-formed XML.  Exit 77
# (skipped) when xmllint is not installed (Debian: libxml2-utils).
test_history=$1 fixtures=$2 work=$3
if ! command -v xmllint >/dev/null 2>&1; then
    echo "xmllint is not installed (libxml2-utils): skipped"
    exit 77
fi
mkdir -p "$work" || exit 1
"$test_history" write_svg "$fixtures" "$work" || exit 1
status=0
for svg in "$work/golden.svg" "$work/edge.svg" "$fixtures/golden.svg"; do
    if xmllint --noout "$svg"; then
        echo "ok   $svg"
    else
        echo "FAIL: $svg"
        status=1
    fi
done
exit $status
