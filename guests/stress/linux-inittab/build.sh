#!/usr/bin/env bash
# Build the "linux-inittab" stress guest's initramfs: busybox (Debian's busybox-static) as init, with
# etc/inittab and etc/init.d/ from this folder. The kernel is the built-in linux guest's (Debian's cloud
# kernel). Output: $OUT/initramfs.cpio.gz.
set -euo pipefail
OUT="${OUT:-$PWD/build}"
HERE="$PWD"
CACHE="$(cd ../.. && pwd)/.cache"
mkdir -p "$OUT" "$CACHE"
log() { printf 'stress/linux-inittab/build.sh: %s\n' "$*" >&2; }
source "$HERE/../../lib/debian-packages.sh"
source "$HERE/../lib/initramfs.sh"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
busybox_root "$WORK/root" "$WORK"
install -m 0755 "$HERE/init.sh" "$WORK/root/init"
install -m 0644 "$HERE/etc/inittab" "$WORK/root/etc/inittab"
mkdir -p "$WORK/root/etc/init.d"
install -m 0755 "$HERE/etc/init.d/rcS" "$HERE/etc/init.d/ready" "$WORK/root/etc/init.d/"
pack_cpio "$WORK/root" "$OUT/initramfs.cpio.gz"
log "done: $OUT/initramfs.cpio.gz ($(stat -c %s "$OUT/initramfs.cpio.gz") B)"
