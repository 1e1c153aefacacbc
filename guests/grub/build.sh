#!/usr/bin/env bash
# Boot-path test images around our own minkernel, built with Debian's GRUB (no downloads):
#   $OUT/grub.iso    hybrid image from grub-mkrescue: El Torito for BIOS and UEFI (an EFI system
#                    partition with GRUB's x86_64 EFI image), and an MBR boot sector, so the same file
#                    boots as a CD-ROM, as a raw disk, and under OVMF;
#   $OUT/disk.qcow2  the same image converted to qcow2 (a disk-only boot from a qcow2 drive);
#   $OUT/grub.efi    a standalone GRUB EFI application with grub.cfg and minkernel in its memdisk
#                    (what `bootlab guests probe` puts on an EFI system partition for OVMF).
# minkernel is assembled from ../minkernel's sources into $OUT (not shared with that guest's build).
set -euo pipefail
cd "$(dirname "$0")"
OUT="${OUT:-$PWD/build}"
STAGE="$OUT/iso-root"
rm -rf "$STAGE"
mkdir -p "$STAGE/boot/grub"
(cd ../minkernel && OUT="$OUT" bash build.sh)
cp "$OUT/minkernel.elf" "$STAGE/boot/minkernel.elf"
cp grub.cfg "$STAGE/boot/grub/grub.cfg"
# SOURCE_DATE_EPOCH keeps xorriso's volume timestamps fixed, so an unchanged input gives the same image.
SOURCE_DATE_EPOCH=1700000000 grub-mkrescue -o "$OUT/grub.iso.tmp" "$STAGE" 2>"$OUT/grub-mkrescue.log" \
  || { cat "$OUT/grub-mkrescue.log" >&2; exit 1; }
mv -f "$OUT/grub.iso.tmp" "$OUT/grub.iso"
qemu-img convert -f raw -O qcow2 "$OUT/grub.iso" "$OUT/disk.qcow2.tmp"
mv -f "$OUT/disk.qcow2.tmp" "$OUT/disk.qcow2"
SOURCE_DATE_EPOCH=1700000000 grub-mkstandalone -O x86_64-efi -o "$OUT/grub.efi.tmp" \
  "boot/grub/grub.cfg=grub.cfg" "boot/minkernel.elf=$OUT/minkernel.elf"
mv -f "$OUT/grub.efi.tmp" "$OUT/grub.efi"
rm -rf "$STAGE"
echo "built $OUT/grub.iso, $OUT/disk.qcow2 and $OUT/grub.efi"
