#!/usr/bin/env bash
# Builds build/unikernel.elf (or $OUT/unikernel.elf) with the host's gcc and binutils; no libc,
# no downloads.
set -euo pipefail
cd "$(dirname "$0")"
OUT="${OUT:-$PWD/build}"
mkdir -p "$OUT"
make -s -j"$(nproc)" OUT="$OUT"
echo "built $OUT/unikernel.elf"
