#!/usr/bin/env bash
# The fresh-machine package test, in the suite (TAP). CI installs only
# scripts/debian-packages.txt; every element the code creates must come from
# a package it installs. scripts/gst-elements.txt maps element -> package:
#   1. every element name in src/, gst-plugins/ and tests/ that this
#      machine's GStreamer knows is in the map (with the package dpkg names);
#   2. every package in the map is in the list, or a dependency of one;
#   3. every element in the map is installed here;
#   4. the server's own table (src/common/exs-elements.c) agrees with the map.
# Each failure names the element and the package.
set -u
# Only Debian's elements matter here, and in a sanitizer build the project's
# own plugin (an ASan library) would abort the plain gst-inspect-1.0 that
# loads it, so gst-inspect sees the system plugins alone.
unset GST_PLUGIN_PATH GST_PLUGIN_PATH_1_0
root=${EXSTREAMTV_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
cd "$root"
list=scripts/debian-packages.txt
map=scripts/gst-elements.txt
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "1..4"
command -v gst-inspect-1.0 >/dev/null || { echo "Bail out! gst-inspect-1.0 missing (gstreamer1.0-tools)"; exit 1; }
sed 's/#.*//; /^[[:space:]]*$/d' "$map" | awk '{print $1, $2}' | sort -u >"$tmp/map"
sed 's/#.*//; s/[[:space:]]//g; /^$/d' "$list" | sort -u >"$tmp/listed"
cp "$tmp/listed" "$tmp/ok"
if command -v apt-cache >/dev/null; then
  # shellcheck disable=SC2046
  apt-cache depends --no-recommends --no-suggests $(cat "$tmp/listed") 2>/dev/null \
    | awk '/Depends:/{print $2}' | tr -d '<>' | sed 's/:.*//' >>"$tmp/ok"
fi
sort -u -o "$tmp/ok" "$tmp/ok"

# element -> the Debian package whose file provides it here, looked up once
# for every element named in the code or the map: a plugin file per element
# (gst-inspect-1.0), then one dpkg -S for all the files (a dpkg -S each took
# most of this test's 30 s)
lookup_packages() { # file of element names
  local el so
  while read -r el; do
    so=$(gst-inspect-1.0 "$el" 2>/dev/null | sed -n 's/^ *Filename *//p' | head -n1)
    [ -n "$so" ] || continue
    so=$(realpath "$so")
    case "$so" in /usr/*) echo "$el $so" ;; esac # not the project's own plugins
  done <"$1" >"$tmp/el-so"
  : >"$tmp/so-pkg"
  if command -v dpkg >/dev/null && [ -s "$tmp/el-so" ]; then
    # "package[:arch][, package…]: /path"
    # shellcheck disable=SC2046
    dpkg -S $(cut -d' ' -f2 "$tmp/el-so" | sort -u) 2>/dev/null \
      | sed -n 's/^\([^:, ]*\)[^ ]*: \(\/.*\)$/\2 \1/p' >"$tmp/so-pkg"
  fi
}
package_of() { # element -> package (empty when unknown)
  local so
  so=$(awk -v el="$1" '$1 == el { print $2; exit }' "$tmp/el-so")
  [ -n "$so" ] || return 0
  awk -v so="$so" '$1 == so { print $2; exit }' "$tmp/so-pkg"
}

result() { # number, description, file of failure lines
  if [ -s "$3" ]; then
    sed 's/^/# /' "$3"
    echo "not ok $1 - $2"
  else
    echo "ok $1 - $2"
  fi
}

# 1. the map is complete for what this machine can tell
gst-inspect-1.0 2>/dev/null | sed -n 's/^[^:]*: *\([^:]*\):.*/\1/p' | sort -u >"$tmp/factories"
grep -rhoE '[A-Za-z0-9_]+' --exclude-dir=node_modules --include=*.c --include=*.h --include=*.py --include=*.sh \
  src gst-plugins tests 2>/dev/null | sort -u >"$tmp/tokens"
comm -12 "$tmp/factories" "$tmp/tokens" >"$tmp/used"
cut -d' ' -f1 "$tmp/map" | cat - "$tmp/used" | sort -u >"$tmp/wanted"
lookup_packages "$tmp/wanted"
: >"$tmp/f1"
while read -r el; do
  pkg=$(package_of "$el")
  [ -n "$pkg" ] || continue
  grep -q "^$el " "$tmp/map" || echo "element $el (package $pkg) is used in the code but missing from $map" >>"$tmp/f1"
done <"$tmp/used"
result 1 "every element the code uses is in $map" "$tmp/f1"

# 2. the list installs every package of the map
: >"$tmp/f2"
while read -r el pkg; do
  grep -qxF "$pkg" "$tmp/ok" || echo "element $el comes from package $pkg, which $list does not install" >>"$tmp/f2"
done <"$tmp/map"
result 2 "$list installs every mapped package" "$tmp/f2"

# 3. installed here, from the package the map says
: >"$tmp/f3"
while read -r el pkg; do
  if ! gst-inspect-1.0 --exists "$el" 2>/dev/null; then
    echo "element $el is not installed: apt-get install $pkg" >>"$tmp/f3"
    continue
  fi
  have=$(package_of "$el")
  [ -z "$have" ] || [ "$have" = "$pkg" ] || echo "element $el comes from $have here, not $pkg as $map says" >>"$tmp/f3"
done <"$tmp/map"
result 3 "every mapped element is installed, from its package" "$tmp/f3"

# 4. the server's start-up check names the same packages
: >"$tmp/f4"
sed -n 's/^ *{ "\([a-z0-9_]*\)", "\([a-z0-9.+-]*\)",.*/\1 \2/p' src/common/exs-elements.c >"$tmp/table"
[ -s "$tmp/table" ] || echo "no element table found in src/common/exs-elements.c" >>"$tmp/f4"
while read -r el pkg; do
  grep -qxF "$el $pkg" "$tmp/map" || echo "element $el (package $pkg in src/common/exs-elements.c) is not so in $map" >>"$tmp/f4"
done <"$tmp/table"
result 4 "the server's element table agrees with $map" "$tmp/f4"
grep -q . "$tmp/f1" "$tmp/f2" "$tmp/f3" "$tmp/f4" && exit 1
exit 0
