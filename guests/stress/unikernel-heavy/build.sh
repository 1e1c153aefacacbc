#!/usr/bin/env bash
# unikernel-heavy: the built-in unikernel's sources plus boot_work (bootwork.c), which before the
# application parses ACPI, mounts a ustar file system image (CRC-32 of every file) and loads the
# application from an ELF file (app.S: BLOCKS blocks of distinct code). Host gcc/binutils and tar only.
set -euo pipefail
cd "$(dirname "$0")"
HERE="$PWD"
OUT="${OUT:-$HERE/build}"
BLOCKS="${BLOCKS:-200000}"
SRC="$OUT/src"
rm -rf "$SRC"
mkdir -p "$SRC"
cp -r ../../unikernel/{Makefile,link.ld,arch,boot,drivers,kernel,lib,app} "$SRC/"
cp bootwork.c bootwork_blobs.S "$SRC/kernel/"

# The application: a position-independent ELF file linked on its own.
gcc -c -DBLOCKS="$BLOCKS" -x assembler-with-cpp app.S -o "$SRC/app.o"
ld -nostdlib -static -pie --no-dynamic-linker -z noexecstack -e _start -o "$SRC/app.elf" "$SRC/app.o"

# The file system: 48 text files of ~40 KiB in a ustar archive, byte-for-byte reproducible.
FS="$SRC/fs"
mkdir -p "$FS/etc" "$FS/lib"
for i in $(seq 1 48); do
  seq -f "record %06g of file $i: the quick brown fox jumps over the lazy dog" 1 560 > "$FS/lib/data$i.txt"
done
echo "heavy" > "$FS/etc/hostname"
tar --format=ustar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$FS" -cf "$SRC/fs.tar" .

make -s -C "$SRC" -j"$(nproc)" OUT="$OUT" SRCS_S="boot/boot.S arch/trap_entry.S kernel/bootwork_blobs.S"
rm -rf "$FS"
echo "built $OUT/unikernel.elf ($(stat -c %s "$SRC/app.elf") bytes of application ELF, $(stat -c %s "$SRC/fs.tar") bytes of file system)"
