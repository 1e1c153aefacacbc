/* Multiboot v1 structures, only the parts this kernel reads. Shared by boot.S and C. */
#ifndef UK_MULTIBOOT_H
#define UK_MULTIBOOT_H

#define MULTIBOOT_HEADER_MAGIC      0x1BADB002
#define MULTIBOOT_BOOTLOADER_MAGIC  0x2BADB002
/* Bit 1 asks for mem_* and the memory map; no bit 16, so the loader reads our ELF headers. */
#define MULTIBOOT_HEADER_FLAGS      0x00000002

#define MULTIBOOT_INFO_MEMORY       (1u << 0)
#define MULTIBOOT_INFO_CMDLINE      (1u << 2)
#define MULTIBOOT_INFO_MEM_MAP      (1u << 6)

#define MULTIBOOT_MEMORY_AVAILABLE  1

#ifndef __ASSEMBLER__
#include <stdint.h>

struct multiboot_info {
    uint32_t flags;
    uint32_t mem_lower;
    uint32_t mem_upper;
    uint32_t boot_device;
    uint32_t cmdline;
    uint32_t mods_count;
    uint32_t mods_addr;
    uint32_t syms[4];
    uint32_t mmap_length;
    uint32_t mmap_addr;
} __attribute__((packed));

/* `size` counts the bytes after itself, so entries are walked by size + 4, not sizeof. */
struct multiboot_mmap_entry {
    uint32_t size;
    uint64_t addr;
    uint64_t len;
    uint32_t type;
} __attribute__((packed));
#endif

#endif
