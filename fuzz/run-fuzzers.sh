#!/bin/sh
# run-fuzzers.sh BUILDDIR SECONDS NAME...: the long fuzzing runs, by hand.
#
# Build first:  CC=clang-14 meson setup build-fuzz -Dfuzzing=true -Dtests=false \
#                 -Db_sanitize=address,undefined -Db_lundef=false -Dgst-plugins=disabled
#               meson compile -C build-fuzz
# Each harness runs SECONDS under ASan+UBSan, niced, one after another, on a
# copy of its committed corpus (fuzz-work/<name>/corpus), so the seeds in git
# stay small; a crash leaves fuzz-work/<name>/crash-* to add to the corpus.
# One summary line per harness goes to fuzz-work/summary.txt.
set -u
builddir=$1; seconds=$2; shift 2
here=$(cd "$(dirname "$0")" && pwd)
work=${FUZZ_WORK:-$here/../fuzz-work}
mkdir -p "$work"
for name in "$@"; do
  dir=$work/$name
  rm -rf "$dir"; mkdir -p "$dir/corpus"
  cp "$here/corpus/$name/"* "$here/corpus/$name/".[!.]* "$dir/corpus/" 2>/dev/null
  # a private copy: a rebuild must not replace the binary under a run
  cp "$builddir/fuzz/fuzz-$name" "$dir/fuzz-$name"
  start=$(date +%s)
  (cd "$dir" && UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
     ASAN_OPTIONS=detect_leaks=1 nice -n 15 ./"fuzz-$name" -max_total_time="$seconds" \
     -rss_limit_mb=2048 -timeout=10 -max_len=65536 -print_final_stats=1 corpus > log.txt 2>&1)
  rc=$?
  end=$(date +%s)
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$dir/log.txt" | grep -o '[0-9]*$')
  corpus=$(ls "$dir/corpus" | wc -l)
  crashes=$(ls "$dir" | grep -c -E '^(crash|leak|timeout|oom)-')
  echo "$name rc=$rc seconds=$((end - start)) runs=${runs:-?} crashes=$crashes corpus=$corpus" >> "$work/summary.txt"
done
