#!/bin/sh
# Every translatable string of the sources in POTFILES.in has a translation
# (not fuzzy) in each language of LINGUAS. Run by the suite: a string added
# or changed without its translations fails here, naming the language.
set -eu
po_dir=$(cd "$(dirname "$0")" && pwd)
src_dir=$(dirname "$po_dir")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$src_dir"
grep -v '^#' po/POTFILES.in | grep -v '^$' >"$tmp/files"
xgettext --from-code=UTF-8 --keyword=_ --keyword=N_ --keyword=C_:1c,2 --keyword=NC_:1c,2 \
  --keyword=g_dngettext:2,3 -f "$tmp/files" -o "$tmp/exstreamtv.pot"
failed=0
n=0
for lang in $(grep -v '^#' po/LINGUAS); do
  n=$((n + 1))
  msgmerge -q --no-fuzzy-matching "po/$lang.po" "$tmp/exstreamtv.pot" -o "$tmp/$lang.po"
  missing=$(msgattrib --untranslated --no-obsolete "$tmp/$lang.po" | grep -c '^msgid ' || true)
  fuzzy=$(msgattrib --only-fuzzy --no-obsolete "$tmp/$lang.po" | grep -c '^msgid ' || true)
  # msgattrib prints the header entry too when anything is printed
  [ "$missing" -gt 0 ] && missing=$((missing - 1))
  [ "$fuzzy" -gt 0 ] && fuzzy=$((fuzzy - 1))
  if [ "$missing" -eq 0 ] && [ "$fuzzy" -eq 0 ]; then
    echo "ok $n - po/$lang.po translates every string"
  else
    echo "not ok $n - po/$lang.po: $missing untranslated, $fuzzy fuzzy (msgmerge po/$lang.po against the sources)"
    failed=1
  fi
done
echo "1..$n"
exit $failed
