#include "memory.h"

#include "../lib/string.h"
#include "panic.h"

#define MAX_REGIONS 32
/* Low memory holds the BIOS data area, EBDA and the loader's own structures; 1 MiB and up is
 * plenty for us, so we never touch what is below. */
#define LOW_LIMIT   0x100000ull
/* Only the first 4 GiB are identity-mapped by boot.S; RAM above that would fault. */
#define HIGH_LIMIT  0x100000000ull

extern char __kernel_start[], __kernel_end[];

struct region {
    uint64_t next; /* first unallocated byte */
    uint64_t end;
};

static struct region regions[MAX_REGIONS];
static unsigned nregions;
static uint64_t total_bytes;

static void add_region(uint64_t start, uint64_t end)
{
    if (start < LOW_LIMIT)
        start = LOW_LIMIT;
    if (end > HIGH_LIMIT)
        end = HIGH_LIMIT;
    if (start >= end)
        return;

    /* Carve the kernel image out; the remainder may be two pieces. */
    uint64_t ks = (uintptr_t)__kernel_start, ke = (uintptr_t)__kernel_end;
    if (start < ke && ks < end) {
        if (start < ks)
            add_region(start, ks);
        if (ke < end)
            add_region(ke, end);
        return;
    }
    if (nregions == MAX_REGIONS)
        return;
    regions[nregions++] = (struct region){ start, end };
    total_bytes += end - start;
}

void memory_init(const struct multiboot_info *mbi)
{
    if (mbi->flags & MULTIBOOT_INFO_MEM_MAP) {
        uintptr_t p = mbi->mmap_addr, end = (uintptr_t)mbi->mmap_addr + mbi->mmap_length;
        while (p + sizeof(struct multiboot_mmap_entry) <= end) {
            const struct multiboot_mmap_entry *e = (const void *)p;
            if (e->type == MULTIBOOT_MEMORY_AVAILABLE)
                add_region(e->addr, e->addr + e->len);
            p += e->size + sizeof(e->size);
        }
    } else if (mbi->flags & MULTIBOOT_INFO_MEMORY) {
        /* mem_upper is the contiguous KiB starting at 1 MiB: the pre-memory-map fallback. */
        add_region(LOW_LIMIT, LOW_LIMIT + (uint64_t)mbi->mem_upper * 1024);
    }
    if (!nregions)
        panic("no usable memory in the multiboot information");
}

void *mem_alloc(size_t size, size_t align)
{
    if (!align)
        align = 1;
    for (unsigned i = 0; i < nregions; i++) {
        struct region *r = &regions[i];
        uint64_t at = (r->next + align - 1) & ~(uint64_t)(align - 1);
        if (at < r->end && r->end - at >= size) {
            r->next = at + size;
            void *p = (void *)(uintptr_t)at;
            memset(p, 0, size);
            return p;
        }
    }
    panic("out of memory allocating %zu bytes", size);
}

void *page_alloc(size_t pages)
{
    return mem_alloc(pages * PAGE_SIZE, PAGE_SIZE);
}

uint64_t memory_total_bytes(void)
{
    return total_bytes;
}

uint64_t memory_free_bytes(void)
{
    uint64_t free = 0;
    for (unsigned i = 0; i < nregions; i++)
        free += regions[i].end - regions[i].next;
    return free;
}

unsigned memory_region_count(void)
{
    return nregions;
}
