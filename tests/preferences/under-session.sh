#!/bin/sh
# Runs a test binary under Xvfb with a session bus of its own. The bus and the
# services it starts (the accessibility registry prints to stdout) write to
# stderr, so that stdout carries only the test's TAP.
exec 3>&1
exec xvfb-run -a -s "-screen 0 1280x900x24" dbus-run-session -- sh -c 'exec "$@" >&3 3>&-' sh "$@" >&2
