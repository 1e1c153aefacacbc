// What kind of bootable image a file is, from its bytes alone: the first step of `bootlab guests probe`.
// Each kind maps to one way of handing it to QEMU (descriptor fields), so detection decides the boot path.
import { closeSync, openSync, readSync, statSync } from 'node:fs';

export type ImageKind =
  | 'multiboot-elf' // -kernel: QEMU's multiboot loader (ELF32 or the a.out kludge)
  | 'pvh-elf' // -kernel: ELF with a Xen PVH entry note
  | 'bzimage' // -kernel: Linux boot protocol
  | 'iso' // cdrom: ISO 9660 (El Torito for BIOS and/or UEFI)
  | 'qcow2' // drive, qcow2
  | 'raw-disk' // drive, raw, with an MBR boot signature
  | 'efi-app' // PE32+ EFI application: OVMF from an EFI system partition
  | 'unknown';

export interface Detection {
  kind: ImageKind;
  /** One line saying what was found, e.g. "ELF32 with a Multiboot header at 0x1000". */
  detail: string;
}

const HEAD_BYTES = 64 * 1024;

function readHead(path: string): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(Math.min(HEAD_BYTES, statSync(path).size));
    readSync(fd, buf, 0, buf.length, 0);
    return buf;
  } finally {
    closeSync(fd);
  }
}

function readAt(path: string, offset: number, length: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(length);
    const n = readSync(fd, buf, 0, length, offset);
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/** Multiboot v1 header: magic, flags, checksum summing to 0, 4-aligned in the first 8 KiB. */
function multibootHeader(head: Buffer): number | null {
  for (let off = 0; off + 12 <= Math.min(head.length, 8192); off += 4) {
    if (head.readUInt32LE(off) !== 0x1badb002) continue;
    if (((head.readUInt32LE(off) + head.readUInt32LE(off + 4) + head.readUInt32LE(off + 8)) >>> 0) === 0) return off;
  }
  return null;
}

/** Whether an ELF has a PT_NOTE with name "Xen" and type XEN_ELFNOTE_PHYS32_ENTRY (18): a PVH entry. */
function hasPvhNote(path: string, head: Buffer): boolean {
  const is64 = head[4] === 2;
  const phoff = is64 ? Number(head.readBigUInt64LE(0x20)) : head.readUInt32LE(0x1c);
  const phentsize = head.readUInt16LE(is64 ? 0x36 : 0x2a);
  const phnum = head.readUInt16LE(is64 ? 0x38 : 0x2c);
  for (let i = 0; i < Math.min(phnum, 64); i++) {
    const ph = readAt(path, phoff + i * phentsize, phentsize);
    if (ph.length < phentsize || ph.readUInt32LE(0) !== 4) continue; // PT_NOTE
    const offset = is64 ? Number(ph.readBigUInt64LE(8)) : ph.readUInt32LE(4);
    const size = is64 ? Number(ph.readBigUInt64LE(32)) : ph.readUInt32LE(16);
    const notes = readAt(path, offset, Math.min(size, 1 << 16));
    for (let at = 0; at + 12 <= notes.length; ) {
      const namesz = notes.readUInt32LE(at);
      const descsz = notes.readUInt32LE(at + 4);
      const type = notes.readUInt32LE(at + 8);
      const name = notes.subarray(at + 12, at + 12 + namesz).toString('latin1').replace(/\0+$/, '');
      if (name === 'Xen' && type === 18) return true;
      at += 12 + Math.ceil(namesz / 4) * 4 + Math.ceil(descsz / 4) * 4;
    }
  }
  return false;
}

export function detectImage(path: string): Detection {
  const head = readHead(path);
  const size = statSync(path).size;
  if (head.length >= 0x206 && head.toString('latin1', 0x202, 0x206) === 'HdrS') {
    const version = head.readUInt16LE(0x206);
    return { kind: 'bzimage', detail: `Linux bzImage (boot protocol ${version >> 8}.${String(version & 0xff).padStart(2, '0')})` };
  }
  if (head.length >= 52 && head.readUInt32BE(0) === 0x7f454c46) {
    const bits = head[4] === 2 ? 'ELF64' : 'ELF32';
    const mb = multibootHeader(head);
    if (mb !== null) return { kind: 'multiboot-elf', detail: `${bits} with a Multiboot header at 0x${mb.toString(16)}` };
    if (hasPvhNote(path, head)) return { kind: 'pvh-elf', detail: `${bits} with a PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY)` };
    return { kind: 'unknown', detail: `${bits} without a Multiboot header or PVH note: QEMU's -kernel cannot start it` };
  }
  if (head.length >= 4 && head.readUInt32BE(0) === 0x514649fb) return { kind: 'qcow2', detail: `qcow2 disk image (version ${head.readUInt32BE(4)})` };
  if (size > 0x8006 && readAt(path, 0x8001, 5).toString('latin1') === 'CD001') {
    return { kind: 'iso', detail: 'ISO 9660 image' };
  }
  if (head.length >= 0x40 && head.toString('latin1', 0, 2) === 'MZ') {
    const pe = head.readUInt32LE(0x3c);
    if (pe + 0x5e <= head.length && head.toString('latin1', pe, pe + 4) === 'PE\0\0') {
      const machine = head.readUInt16LE(pe + 4);
      const subsystem = head.readUInt16LE(pe + 24 + 68);
      if (subsystem === 10 && machine === 0x8664) return { kind: 'efi-app', detail: 'PE32+ EFI application (x86_64)' };
      return { kind: 'unknown', detail: `PE image (machine 0x${machine.toString(16)}, subsystem ${subsystem}): not an x86_64 EFI application` };
    }
  }
  if (head.length >= 512 && head[510] === 0x55 && head[511] === 0xaa) return { kind: 'raw-disk', detail: 'raw disk with an MBR boot signature' };
  return { kind: 'unknown', detail: 'no kernel header, boot sector, ISO or EFI signature found' };
}
