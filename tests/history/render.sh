#!/bin/sh
# render.sh TEST_HISTORY FIXTURES_DIR WORK_DIR
#
# Renders the golden picture and a picture of the hard cases (escaped keys,
# gaps, 3000 epochs, a learning rate) to PNG with rsvg-convert, and checks
# that each PNG is a PNG of the SVG's size.  Exit 77 (skipped) when
# rsvg-convert is not installed (Debian: apt-get install librsvg2-bin).
test_history=$1 fixtures=$2 work=$3
if ! command -v rsvg-convert >/dev/null 2>&1; then
    echo "rsvg-convert is not installed (librsvg2-bin): skipped"
    exit 77
fi
mkdir -p "$work" || exit 1
"$test_history" write_svg "$fixtures" "$work" || exit 1
status=0
for name in golden edge; do
    svg=$work/$name.svg png=$work/$name.png
    rm -f "$png"
    if ! rsvg-convert -o "$png" "$svg"; then
        echo "FAIL: rsvg-convert refused $svg"
        status=1
        continue
    fi
    # the PNG signature, then IHDR's width and height (big-endian)
    sig=$(od -An -tx1 -N8 "$png" | tr -d ' \n')
    if [ "$sig" != "89504e470d0a1a0a" ]; then
        echo "FAIL: $png is not a PNG"
        status=1
        continue
    fi
    set -- $(od -An -tu1 -j16 -N8 "$png")
    pw=$(( ($1 << 24) | ($2 << 16) | ($3 << 8) | $4 ))
    ph=$(( ($5 << 24) | ($6 << 16) | ($7 << 8) | $8 ))
    sw=$(sed -n 's/^<svg .* width="\([0-9.]*\)" height="\([0-9.]*\)".*/\1/p' "$svg" | cut -d. -f1)
    sh=$(sed -n 's/^<svg .* width="\([0-9.]*\)" height="\([0-9.]*\)".*/\2/p' "$svg" | cut -d. -f1)
    if [ -z "$sw" ] || [ "$pw" -lt "$sw" ] || [ "$pw" -gt $((sw + 1)) ] ||
       [ "$ph" -lt "$sh" ] || [ "$ph" -gt $((sh + 1)) ]; then
        echo "FAIL: $png is ${pw}x${ph}, the SVG says ${sw}x${sh}"
        status=1
        continue
    fi
    echo "ok   $name.svg rendered as a ${pw}x${ph} PNG"
done
exit $status
