#!/bin/sh
# locale.sh TEST_HISTORY FIXTURES_DIR WORK_DIR
#
# Numbers in the CSV and the SVG must not follow the locale: runs the
# locale tests under de_DE.UTF-8 (decimal comma), compiled with localedef
# into WORK_DIR so that no installed locale is needed.  Exit 77 (skipped)
# when localedef or glibc's de_DE source is missing.
test_history=$1 fixtures=$2 work=$3
if ! command -v localedef >/dev/null 2>&1; then
    echo "localedef is not installed: skipped"
    exit 77
fi
mkdir -p "$work/locales" || exit 1
if ! localedef -i de_DE -f UTF-8 "$work/locales/de_DE.UTF-8" >"$work/localedef.log" 2>&1 &&
   ! [ -d "$work/locales/de_DE.UTF-8" ]; then
    cat "$work/localedef.log"
    echo "cannot build the de_DE.UTF-8 locale: skipped"
    exit 77
fi
LOCPATH=$work/locales exec "$test_history" locale "$fixtures" "$work"
