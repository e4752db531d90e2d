#!/usr/bin/env bash
# EXStreamTV quick start for a fresh Debian 12 machine (run as root or with sudo).
#
#   scripts/quickstart.sh run    install what is missing, build, start the server
#                                (with the demo lineup on an empty database)
#   scripts/quickstart.sh test   install what is missing, build, run the whole test
#                                suite; the last line is "N passed, N failed"
#
# Environment: BUILD_DIR (default build), EXSTREAMTV_ARGS (extra server options),
# MESON_ARGS (extra `meson setup` options, e.g. -Db_sanitize=address,undefined).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"
mode=${1:-}
build=${BUILD_DIR:-build}

case "$mode" in
  run|test) ;;
  *) echo "usage: $0 run|test" >&2; exit 2 ;;
esac

install_packages() {
  local wanted missing=()
  wanted=$(grep -v '^#' scripts/debian-packages.txt | grep -v '^$')
  for p in $wanted; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    echo "quickstart: all Debian packages present"
    return
  fi
  echo "quickstart: installing ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

configure_and_build() {
  if [ -f "$build/build.ninja" ]; then
    meson setup --reconfigure "$build" ${MESON_ARGS:-} >/dev/null
  else
    meson setup "$build" ${MESON_ARGS:-}
  fi
  meson compile -C "$build"
}

# The web UI's npm packages (src/web/package-lock.json), when they are
# missing or older than the lockfile; meson bundles them with esbuild.
install_web_packages() {
  if [ -d src/web/node_modules ] && [ src/web/node_modules/.package-lock.json -nt src/web/package-lock.json ]; then
    return
  fi
  if ! command -v npm >/dev/null; then
    # Debian's nodejs comes without npm (a Node.js from elsewhere brings its
    # own, and Debian's npm package would fight it): install it only here.
    echo "quickstart: installing npm"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends npm
  fi
  echo "quickstart: npm ci in src/web"
  (cd src/web && npm ci --no-audit --no-fund)
}

install_packages
install_web_packages
configure_and_build

if [ "$mode" = run ]; then
  args=(${EXSTREAMTV_ARGS:-})
  data_dir="${XDG_DATA_HOME:-$HOME/.local/share}/exstreamtv"
  if [ ! -f "$data_dir/exstreamtv.db" ]; then
    args+=(--demo)
  fi
  echo "quickstart: starting exstreamtv on http://127.0.0.1:8411/ (Ctrl-C stops it)"
  exec meson devenv -C "$build" "$here/$build/src/app/exstreamtv" "${args[@]}"
fi

# test
set +e
meson test -C "$build" --print-errorlogs --num-processes 2 "${@:2}"
meson_status=$?
set -e
python3 - "$build/meson-logs/testlog.json" "$meson_status" <<'PY'
import json, os, re, sys
path, meson_status = sys.argv[1], int(sys.argv[2])
passed = failed = skipped = 0
if not os.path.exists(path):
    print(f"quickstart: no {path}: the suite did not run (meson test exited {meson_status})", file=sys.stderr)
    print("0 passed, 1 failed")
    sys.exit(1)
# TAP: "ok N", "ok N - name", "ok N name # SKIP why", "not ok N ..."; a
# directive ends the line, so match it at the end (no backtracking into N)
tap = re.compile(r"^(not )?ok\b[^#\n]*(#\s*(\w+))?", re.M)
for number, line in enumerate(open(path), 1):
    try:
        t = json.loads(line)
    except ValueError:
        print(f"quickstart: {path}:{number} is not JSON", file=sys.stderr)
        failed += 1
        continue
    nots = 0
    for m in tap.finditer(t.get("stdout") or ""):
        directive = (m.group(3) or "").upper()
        if m.group(1):
            if directive != "TODO":
                nots += 1
        elif directive == "SKIP":
            skipped += 1
        else:
            passed += 1
    failed += nots
    if t["result"] == "SKIP" and nots == 0:
        skipped += 1  # the whole program skipped itself
    elif t["result"] not in ("OK", "EXPECTEDFAIL") and nots == 0:
        failed += 1  # crashed, timed out or never started
        print(f"quickstart: {t['name']} ended with {t['result']}", file=sys.stderr)
if meson_status != 0 and failed == 0:
    failed = 1
if skipped:
    print(f"quickstart: {skipped} test(s) skipped (not counted as passed)")
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PY
