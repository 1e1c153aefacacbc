#include "paging.h"

#include "../kernel/memory.h"
#include "../kernel/panic.h"
#include "io.h"

#define PTE_P     (1ull << 0)
#define PTE_W     (1ull << 1)
#define PTE_PWT   (1ull << 3)
#define PTE_PCD   (1ull << 4)
#define PTE_PS    (1ull << 7)
#define ADDR_MASK 0x000FFFFFFFFFF000ull
#define LARGE     (2ull << 20)
#define MAPPED_AT_BOOT (4ull << 30)
/* Identity mapping needs a canonical lower-half address. */
#define VA_LIMIT  (1ull << 47)

static uint64_t *next_level(uint64_t *table, unsigned index)
{
    uint64_t e = table[index];
    if (!(e & PTE_P)) {
        uint64_t *t = page_alloc(1);
        table[index] = (uintptr_t)t | PTE_P | PTE_W;
        return t;
    }
    if (e & PTE_PS)
        return NULL; /* already covered by a larger page */
    return (uint64_t *)(uintptr_t)(e & ADDR_MASK);
}

void paging_map_mmio(uint64_t phys, uint64_t size)
{
    if (phys + size <= MAPPED_AT_BOOT)
        return;
    if (phys + size > VA_LIMIT || phys + size < phys)
        panic("cannot identity-map MMIO at %#lx (+%#lx)", phys, size);
    uint64_t *pml4 = (uint64_t *)(uintptr_t)(read_cr3() & ADDR_MASK);
    for (uint64_t a = phys & ~(LARGE - 1); a < phys + size; a += LARGE) {
        uint64_t *pdpt = next_level(pml4, (a >> 39) & 511);
        uint64_t *pd = pdpt ? next_level(pdpt, (a >> 30) & 511) : NULL;
        if (!pd)
            continue;
        uint64_t *e = &pd[(a >> 21) & 511];
        if (!(*e & PTE_P)) {
            /* Device registers must not be cached or write-combined. */
            *e = a | PTE_P | PTE_W | PTE_PS | PTE_PCD | PTE_PWT;
            invlpg(a);
        }
    }
}
