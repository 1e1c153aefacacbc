#!/usr/bin/env bash
# Build the "linux-quiet" stress guest's initramfs: one static C program (init.c, gcc -static) as
# /init, nothing else. The kernel is the built-in linux guest's (Debian's cloud kernel), booted with
# `quiet`. Output: $OUT/initramfs.cpio.gz.
set -euo pipefail
OUT="${OUT:-$PWD/build}"
HERE="$PWD"
mkdir -p "$OUT"
log() { printf 'stress/linux-quiet/build.sh: %s\n' "$*" >&2; }
source "$HERE/../lib/initramfs.sh"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/root/dev"
gcc -static -Os -s -Wall -Wextra -Werror -o "$WORK/root/init" "$HERE/init.c"
pack_cpio "$WORK/root" "$OUT/initramfs.cpio.gz"
log "done: $OUT/initramfs.cpio.gz ($(stat -c %s "$OUT/initramfs.cpio.gz") B)"
