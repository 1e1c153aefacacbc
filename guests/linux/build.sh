#!/usr/bin/env bash
# Build the "linux" guest: Debian's cloud kernel + a busybox initramfs whose /init is our init.sh.
# Inputs are Debian packages only (downloaded with apt-get into the shared cache ../.cache/, never
# installed on the host) and the files of this folder. Outputs: $OUT/vmlinuz, $OUT/initramfs.cpio.gz.
set -euo pipefail

OUT="${OUT:-$PWD/build}"
HERE="$PWD"
CACHE="$(cd .. && pwd)/.cache"
mkdir -p "$OUT" "$CACHE"

# Epoch of the fixed mtimes inside the cpio (2000-01-01 00:00:00 UTC).
SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-946684800}"

log() { printf 'linux/build.sh: %s\n' "$*" >&2; }

# fetch_deb and cloud_kernel_package.
source "$HERE/../lib/debian-packages.sh"

# The cloud kernel: the real image package behind the metapackage.
KPKG="$(cloud_kernel_package)"
KDEB="$(fetch_deb "$KPKG")"
BBDEB="$(fetch_deb busybox-static)"
log "kernel package: $(basename "$KDEB")"
log "busybox package: $(basename "$BBDEB")"

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# vmlinuz: extract the package (no install), take the one image in /boot.
mkdir "$WORK/kernel"
dpkg-deb --fsys-tarfile "$KDEB" | tar -x -C "$WORK/kernel" --wildcards './boot/vmlinuz-*'
install -m 0644 "$WORK"/kernel/boot/vmlinuz-* "$OUT/vmlinuz.tmp"
mv -f "$OUT/vmlinuz.tmp" "$OUT/vmlinuz"

# initramfs: /bin/busybox, one symlink per applet, our /init.
mkdir "$WORK/bb"
dpkg-deb -x "$BBDEB" "$WORK/bb"
ROOT="$WORK/root"
mkdir -p "$ROOT"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,root}
install -m 0755 "$WORK/bb/bin/busybox" "$ROOT/bin/busybox"
"$ROOT/bin/busybox" --list-full | while read -r applet; do
  [[ -e "$ROOT/$applet" || -L "$ROOT/$applet" ]] || ln -s /bin/busybox "$ROOT/$applet"
done
install -m 0755 "$HERE/init.sh" "$ROOT/init"
chmod 1777 "$ROOT/tmp"
chmod 0700 "$ROOT/root"

find "$ROOT" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
(cd "$ROOT" && find . -mindepth 1 -printf '%P\n' | LC_ALL=C sort \
  | cpio --quiet -o -H newc -R 0:0 --reproducible) | gzip -9 -n > "$OUT/initramfs.cpio.gz.tmp"
mv -f "$OUT/initramfs.cpio.gz.tmp" "$OUT/initramfs.cpio.gz"

printf '%s\n' "$(basename "$KDEB")" > "$OUT/kernel-package.txt"
log "done: $OUT/vmlinuz ($(stat -c %s "$OUT/vmlinuz") B), $OUT/initramfs.cpio.gz ($(stat -c %s "$OUT/initramfs.cpio.gz") B)"
