#!/usr/bin/env bash
# Build minkernel: assemble with nasm, link into a 32-bit ELF (QEMU's Multiboot loader refuses
# ELF64). Output: $OUT/minkernel.elf. Run from this folder; OUT defaults to ./build.
set -euo pipefail

OUT="${OUT:-$PWD/build}"
mkdir -p "$OUT"

# Deterministic: nasm records only the source name we pass (relative), ld adds no build id or
# timestamp, and -n keeps the file from being padded to page boundaries. The one LOAD segment
# is RWX on purpose (we never use page permissions), so that warning is silenced.
nasm -f elf32 -Werror -o "$OUT/minkernel.o" minkernel.asm
ld -m elf_i386 -n --build-id=none --no-warn-rwx-segments -T minkernel.ld -o "$OUT/minkernel.elf.tmp" "$OUT/minkernel.o"
mv -f "$OUT/minkernel.elf.tmp" "$OUT/minkernel.elf"
rm -f "$OUT/minkernel.o"
