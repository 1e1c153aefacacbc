/* Kernel work before the application, as a bigger LibOS does it (OSv, Nanos, a unikernel with a VFS):
 * parse the firmware's ACPI tables, mount a file system image and check every file in it, then load
 * the application from an ELF file and run its initialisers. Linked only into the unikernel-heavy
 * build (guests/stress/unikernel-heavy/build.sh); the plain unikernel has no boot_work. Still one
 * image, one address space, no init and no user space: the kernel calls the loaded code directly.
 * Under TCG the loaded application (megabytes of distinct code, each instruction run once) makes
 * QEMU translate a lot of code, as a big runtime's start-up does. */
#include <stdint.h>

#include "../lib/string.h"
#include "console.h"
#include "memory.h"
#include "panic.h"

void boot_work(void);

/* Both blobs are placed by bootwork_blobs.S (.incbin of the build's app.elf and fs.tar). */
extern const uint8_t bootwork_app_elf[], bootwork_app_elf_end[];
extern const uint8_t bootwork_fs_tar[], bootwork_fs_tar_end[];

/* ---- ACPI: RSDP in the BIOS area, then every table the RSDT lists, checksummed ---- */

struct acpi_header {
    char sig[4];
    uint32_t length;
    uint8_t revision, checksum;
    char oem[6], oem_table[8];
    uint32_t oem_rev, creator, creator_rev;
} __attribute__((packed));

static uint8_t sum8(const uint8_t *p, uint32_t n)
{
    uint8_t s = 0;
    while (n--)
        s = (uint8_t)(s + *p++);
    return s;
}

struct acpi_result {
    unsigned tables, cpus, aml_devices;
    uint32_t aml_bytes;
};

static void acpi_walk_aml(const uint8_t *aml, uint32_t n, struct acpi_result *r)
{
    /* DeviceOp is ExtOpPrefix 0x5B 0x82: counting them is the first pass of an AML namespace load. */
    for (uint32_t i = 0; i + 1 < n; i++)
        if (aml[i] == 0x5B && aml[i + 1] == 0x82)
            r->aml_devices++;
    r->aml_bytes += n;
}

static void acpi_table(const struct acpi_header *h, struct acpi_result *r)
{
    if (h->length < sizeof(*h) || sum8((const uint8_t *)h, h->length) != 0)
        return;
    r->tables++;
    const uint8_t *body = (const uint8_t *)(h + 1);
    uint32_t n = h->length - (uint32_t)sizeof(*h);
    if (memcmp(h->sig, "APIC", 4) == 0) {
        for (uint32_t off = 8; off + 2 <= n && body[off + 1] >= 2; off += body[off + 1])
            if (body[off] == 0 && (body[off + 4] & 1)) /* processor local APIC, enabled */
                r->cpus++;
    } else if (memcmp(h->sig, "FACP", 4) == 0 && n >= 8) {
        uint32_t dsdt;
        memcpy(&dsdt, body + 4, 4);
        const struct acpi_header *d = (const void *)(uintptr_t)dsdt;
        if (dsdt && memcmp(d->sig, "DSDT", 4) == 0 && sum8((const uint8_t *)d, d->length) == 0) {
            r->tables++;
            acpi_walk_aml((const uint8_t *)(d + 1), d->length - (uint32_t)sizeof(*d), r);
        }
    } else if (memcmp(h->sig, "SSDT", 4) == 0) {
        acpi_walk_aml(body, n, r);
    }
}

static void acpi_parse(struct acpi_result *r)
{
    for (uintptr_t a = 0xE0000; a < 0x100000; a += 16) {
        const uint8_t *p = (const void *)a;
        if (memcmp(p, "RSD PTR ", 8) != 0 || sum8(p, 20) != 0)
            continue;
        uint32_t rsdt_addr;
        memcpy(&rsdt_addr, p + 16, 4);
        const struct acpi_header *rsdt = (const void *)(uintptr_t)rsdt_addr;
        if (memcmp(rsdt->sig, "RSDT", 4) != 0 || sum8((const uint8_t *)rsdt, rsdt->length) != 0)
            return;
        r->tables++;
        const uint8_t *entries = (const uint8_t *)(rsdt + 1);
        for (uint32_t off = 0; off + 4 <= rsdt->length - sizeof(*rsdt); off += 4) {
            uint32_t t;
            memcpy(&t, entries + off, 4);
            acpi_table((const void *)(uintptr_t)t, r);
        }
        return;
    }
}

/* ---- File system: a ustar image; mounting checks every header and every file's CRC-32 ---- */

static uint32_t crc32_bitwise(uint32_t crc, const uint8_t *p, uint32_t n)
{
    /* Bit by bit, no table: what a small kernel without a crypto/crc library does. */
    crc = ~crc;
    while (n--) {
        crc ^= *p++;
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

static uint32_t octal(const char *s, unsigned n)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < n && s[i] >= '0' && s[i] <= '7'; i++)
        v = v * 8 + (uint32_t)(s[i] - '0');
    return v;
}

struct fs_result {
    unsigned files;
    uint32_t bytes, crc;
};

static void fs_mount(const uint8_t *img, const uint8_t *end, struct fs_result *r)
{
    const uint8_t *p = img;
    while (p + 512 <= end && p[0] != 0) {
        if (memcmp(p + 257, "ustar", 5) != 0)
            panic("fs: block %lu is not a ustar header", (unsigned long)((p - img) / 512));
        uint32_t want = octal((const char *)p + 148, 8), got = 0;
        for (unsigned i = 0; i < 512; i++)
            got += (i >= 148 && i < 156) ? (uint32_t)' ' : p[i];
        if (got != want)
            panic("fs: header checksum of %.100s is %u, header says %u", (const char *)p, got, want);
        uint32_t size = octal((const char *)p + 124, 12);
        if (p[156] == '0' || p[156] == 0) {
            r->files++;
            r->bytes += size;
            r->crc = crc32_bitwise(r->crc, p + 512, size);
        }
        p += 512 + ((size + 511) & ~511u);
    }
}

/* ---- ELF: load the application's PT_LOAD segments and call its entry (its initialisers) ---- */

struct elf64_ehdr {
    uint8_t ident[16];
    uint16_t type, machine;
    uint32_t version;
    uint64_t entry, phoff, shoff;
    uint32_t flags;
    uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf64_phdr {
    uint32_t type, flags;
    uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

static uint64_t elf_run(const uint8_t *elf, uint64_t size, uint64_t *loaded)
{
    const struct elf64_ehdr *eh = (const void *)elf;
    if (size < sizeof(*eh) || memcmp(eh->ident, "\177ELF", 4) != 0 || eh->ident[4] != 2 || eh->machine != 62)
        panic("app: not an x86-64 ELF file");
    const struct elf64_phdr *ph = (const void *)(elf + eh->phoff);
    uint64_t lo = UINT64_MAX, hi = 0;
    for (unsigned i = 0; i < eh->phnum; i++)
        if (ph[i].type == 1) {
            lo = ph[i].vaddr < lo ? ph[i].vaddr : lo;
            hi = ph[i].vaddr + ph[i].memsz > hi ? ph[i].vaddr + ph[i].memsz : hi;
        }
    if (hi <= lo)
        panic("app: no loadable segment");
    /* The application is position-independent: it goes wherever the allocator has room. */
    uint8_t *base = mem_alloc(hi - lo, 4096);
    for (unsigned i = 0; i < eh->phnum; i++)
        if (ph[i].type == 1) {
            if (ph[i].offset + ph[i].filesz > size)
                panic("app: segment %u beyond the end of the file", i);
            memcpy(base + (ph[i].vaddr - lo), elf + ph[i].offset, ph[i].filesz);
        }
    *loaded = hi - lo;
    uint64_t state[64];
    for (unsigned i = 0; i < 64; i++)
        state[i] = i * 0x9E3779B97F4A7C15ull;
    uint64_t (*entry)(uint64_t *) = (uint64_t (*)(uint64_t *))(uintptr_t)(base + (eh->entry - lo));
    return entry(state);
}

void boot_work(void)
{
    struct acpi_result acpi = {0};
    acpi_parse(&acpi);
    struct fs_result fs = {0};
    fs_mount(bootwork_fs_tar, bootwork_fs_tar_end, &fs);
    uint64_t loaded = 0;
    uint64_t init = elf_run(bootwork_app_elf, (uint64_t)(bootwork_app_elf_end - bootwork_app_elf), &loaded);
    kprintf("unikernel: boot work: acpi %u tables %u cpus %u aml devices, fs %u files %u KiB crc32=%08x, app %lu KiB loaded init=%016lx\n",
            acpi.tables, acpi.cpus, acpi.aml_devices, fs.files, fs.bytes / 1024, fs.crc, loaded / 1024, init);
}
