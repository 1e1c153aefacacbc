#!/usr/bin/env bash
# Build the "linux-generic" stress guest: Debian's generic kernel (linux-image-amd64, the flavour a
# desktop or server install gets: every driver, most as modules) + a busybox initramfs whose /init is
# init.sh. Outputs: $OUT/vmlinuz, $OUT/initramfs.cpio.gz.
set -euo pipefail
OUT="${OUT:-$PWD/build}"
HERE="$PWD"
CACHE="$(cd ../.. && pwd)/.cache"
mkdir -p "$OUT" "$CACHE"
log() { printf 'stress/linux-generic/build.sh: %s\n' "$*" >&2; }
source "$HERE/../../lib/debian-packages.sh"
source "$HERE/../lib/initramfs.sh"

# The real image package behind the metapackage (linux-image-<abi>-amd64), or the newest cached one.
KPKG="${BOOTLAB_GENERIC_KERNEL_PACKAGE:-}"
[[ -n "$KPKG" ]] || KPKG="$(apt-cache depends linux-image-amd64 2>/dev/null \
  | awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9].*-amd64$/ && $2 !~ /cloud|rt/ {print $2; exit}')"
[[ -n "$KPKG" ]] || KPKG="$(ls -1 "$CACHE"/linux-image-[0-9]*-amd64_*_amd64.deb 2>/dev/null | grep -v -e -cloud- -e -rt- \
  | sort -V | tail -n 1 | xargs -r basename | cut -d_ -f1)"
[[ -n "$KPKG" ]] || { log "cannot resolve linux-image-amd64 (run apt-get update)"; exit 1; }
kernel_image "$KPKG" "$OUT/vmlinuz"

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
busybox_root "$WORK/root" "$WORK"
install -m 0755 "$HERE/init.sh" "$WORK/root/init"
pack_cpio "$WORK/root" "$OUT/initramfs.cpio.gz"
log "done: $OUT/vmlinuz ($(stat -c %s "$OUT/vmlinuz") B), $OUT/initramfs.cpio.gz ($(stat -c %s "$OUT/initramfs.cpio.gz") B)"
