#!/bin/sh
# The CPU a channel's watermark costs per frame (issue 20): the same
# gdkpixbufoverlay the engine puts on each item, hidden (alpha 0, as an
# intermittent mark between showings) and shown, against no overlay.
# Usage: bench/picture/watermark-cost.sh [frames] [WIDTHxHEIGHT]
# Goal: hidden within noise of none (the overlay blends nothing).
set -eu
frames=${1:-3000}
size=${2:-1280x720}
w=${size%x*}
h=${size#*x}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mw=$((w / 10)); mh=$((mw / 2))
gst-launch-1.0 -q videotestsrc num-buffers=1 pattern=white ! "video/x-raw,format=RGBA,width=$mw,height=$mh" \
  ! pngenc ! filesink location="$dir/mark.png"
run () {
  /usr/bin/time -f '%U %S' -o "$dir/t" gst-launch-1.0 -q videotestsrc num-buffers="$frames" pattern=red \
    ! "video/x-raw,format=I420,width=$w,height=$h" ! $1 ! fakesink
  awk -v n="$frames" -v what="$2" '{ printf "%-8s %6.2f s CPU  %7.1f µs/frame\n", what, $1 + $2, ($1 + $2) * 1e6 / n }' "$dir/t"
}
ov="gdkpixbufoverlay location=$dir/mark.png positioning-mode=pixels-absolute offset-x=$((w - mw - 20)) offset-y=20"
echo "$frames frames of $size, a ${mw}x${mh} mark"
run identity none
run "$ov alpha=0" hidden
run "$ov alpha=1" shown
