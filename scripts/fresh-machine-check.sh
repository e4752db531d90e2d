#!/usr/bin/env bash
# Fresh-machine check, run by hand (not in CI): makes a minimal Debian 12
# (bookworm) in a folder with debootstrap, copies a clean clone of this
# checkout's HEAD into it, and runs the README's `scripts/quickstart.sh test`
# inside it (chroot with /proc, /sys and /dev mounted). Everything the build and
# the tests need must come from scripts/debian-packages.txt, so a package that
# is only on the developer's machine shows up here as a failure.
#
#   sudo scripts/fresh-machine-check.sh [FOLDER]
#
# Needs: root (debootstrap, chroot, mount), the `debootstrap` package
# (apt-get install debootstrap), git, about 3 GiB of disk and access to a
# Debian mirror (MIRROR, default http://deb.debian.org/debian). It takes a
# while: debootstrap plus the package install plus the build plus the suite.
# FOLDER (default: a new temporary folder) is removed at the end unless
# KEEP=1. A FOLDER kept by an earlier run (KEEP=1) is used again without a
# new debootstrap: the clone in it is replaced by this HEAD's, and what the
# earlier run installed stays (quickstart.sh installs what is missing). The
# last line is the suite's "N passed, N failed"; the exit status is the
# suite's.
set -euo pipefail

mirror=${MIRROR:-http://deb.debian.org/debian}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

[ "$(id -u)" -eq 0 ] || { echo "fresh-machine-check: run as root (debootstrap, chroot and mount need it)" >&2; exit 2; }
command -v debootstrap >/dev/null || { echo "fresh-machine-check: install debootstrap first (apt-get install debootstrap)" >&2; exit 2; }

root=${1:-$(mktemp -d /var/tmp/exstreamtv-fresh-XXXXXX)}
mounted=()

cleanup() {
  local i
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
    umount -l "${mounted[i]}" 2>/dev/null || true
  done
  if [ "${KEEP:-0}" != 1 ]; then
    # never follow a mount that is still there into the host
    if ! grep -q " $root/" /proc/mounts; then rm -rf --one-file-system "$root"; fi
  else
    echo "fresh-machine-check: kept $root"
  fi
}
trap cleanup EXIT

# mktemp makes the folder 0700; as the chroot's / it must let the tests'
# unprivileged clients (VLC runs as nobody) in
mkdir -p "$root"
chmod 755 "$root"
if [ -f "$root/etc/debian_version" ] && [ -x "$root/usr/bin/apt-get" ]; then
  echo "fresh-machine-check: using the Debian $(cat "$root/etc/debian_version") kept in $root"
  rm -rf --one-file-system "$root/root/exstreamtv"
else
  echo "fresh-machine-check: debootstrap bookworm into $root"
  debootstrap --variant=minbase bookworm "$root" "$mirror" >"$root.debootstrap.log" 2>&1 \
    || { tail -n 20 "$root.debootstrap.log"; exit 1; }
  rm -f "$root.debootstrap.log"
fi

echo "fresh-machine-check: clean clone of $(git -C "$here" rev-parse --short HEAD)"
git clone -q --no-hardlinks "$here" "$root/root/exstreamtv"
git -C "$root/root/exstreamtv" checkout -q --detach "$(git -C "$here" rev-parse HEAD)"

cp /etc/resolv.conf "$root/etc/resolv.conf"
# A host behind a TLS-inspecting proxy trusts the proxy's CA through its own
# bundle; the new system has no CA bundle until ca-certificates is installed,
# so npm (the web UI's packages) is given the host's bundle as extra CAs.
extra_ca=
if [ -r /etc/ssl/certs/ca-certificates.crt ]; then
  cp /etc/ssl/certs/ca-certificates.crt "$root/root/host-ca-certificates.crt"
  extra_ca=NODE_EXTRA_CA_CERTS=/root/host-ca-certificates.crt
fi
for fs in proc sys dev dev/pts; do
  mkdir -p "$root/$fs"
  case "$fs" in
    proc) mount -t proc proc "$root/proc" ;;
    sys) mount -t sysfs sysfs "$root/sys" ;;
    dev) mount --bind /dev "$root/dev" ;;
    dev/pts) mount --bind /dev/pts "$root/dev/pts" ;;
  esac
  mounted+=("$root/$fs")
  # a bind of a shared mount (systemd makes / shared) is its peer: without
  # this, the tmpfs below would also cover the host's own /dev/shm
  case "$fs" in dev | dev/pts) mount --make-rslave "$root/$fs" ;; esac
done
mount -t tmpfs tmpfs "$root/dev/shm" && mounted+=("$root/dev/shm")

echo "fresh-machine-check: scripts/quickstart.sh test inside the chroot"
set +e
chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 $extra_ca \
  bash -c 'cd /root/exstreamtv && scripts/quickstart.sh test'
status=$?
set -e
exit "$status"
