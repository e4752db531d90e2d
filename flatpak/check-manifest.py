#!/usr/bin/env python3
"""Checks the Flatpak manifest's policy: a supported GNOME runtime, every
external source pinned, narrow permissions, the app as the command.
Usage: check-manifest.py MANIFEST.json"""
import json
import sys

SUPPORTED_GNOME = {"47", "48"}
ALLOWED_FINISH_ARGS = {
    "--share=network",        # the server's HTTP, HDHomeRun and SSDP
    "--share=ipc",            # X11 shared memory for the window
    "--socket=wayland",
    "--socket=fallback-x11",
    "--device=dri",           # GPU rendering (and VA-API encoding)
    "--filesystem=xdg-videos:ro",  # libraries; other folders come through the file chooser portal
}


def fail(message):
    print(f"{sys.argv[1]}: {message}", file=sys.stderr)
    sys.exit(1)


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        manifest = json.load(f)
    if manifest.get("id") != "io.github.exstreamtv.ExStreamTV":
        fail("id must be io.github.exstreamtv.ExStreamTV")
    if manifest.get("runtime") != "org.gnome.Platform" or manifest.get("runtime-version") not in SUPPORTED_GNOME:
        fail(f"runtime must be org.gnome.Platform {sorted(SUPPORTED_GNOME)}, not "
             f"{manifest.get('runtime')} {manifest.get('runtime-version')}")
    if manifest.get("command") != "exstreamtv-preferences":
        fail("command must be the desktop app, exstreamtv-preferences")
    extra = set(manifest.get("finish-args", [])) - ALLOWED_FINISH_ARGS
    if extra:
        fail(f"finish-args not justified here: {sorted(extra)}")
    names = []
    for module in manifest.get("modules", []):
        names.append(module["name"])
        for source in module.get("sources", []):
            kind = source.get("type")
            where = f"module {module['name']}: {kind} source"
            if kind == "git":
                if len(source.get("commit", "")) != 40:
                    fail(f"{where} has no full commit hash")
                if "tag" not in source and "branch" not in source:
                    fail(f"{where} names neither a tag nor a branch")
            elif kind in ("archive", "file"):
                if len(source.get("sha256", "")) != 64:
                    fail(f"{where} has no sha256")
            elif kind == "dir":
                if module["name"] != "exstreamtv":
                    fail(f"{where}: only this project may come from a local folder")
            else:
                fail(f"{where}: unknown source type")
    if not names or names[-1] != "exstreamtv":
        fail("the last module must be exstreamtv (server and app in one package)")
    opts = manifest["modules"][-1].get("config-opts", [])
    if "-Dpreferences=enabled" not in opts:
        fail("the exstreamtv module must build the app (-Dpreferences=enabled)")
    print(f"{sys.argv[1]}: ok ({len(names)} modules, every source pinned)")


if __name__ == "__main__":
    main()
