#include "debuglog.h"

#include <stdint.h>

#include "../arch/io.h"
#include "cmdline.h"
#include "console.h"
#include "memory.h"

#define ENTRIES 512u
#define ADDR_MASK 0x000FFFFFFFFFF000ul

/* Walks the boot page tables (PML4 -> PDPT -> 2 MiB page-directory entries) and prints one line per
 * entry, wrapping around after the 2048 entries of the 4 GiB identity map. */
void debuglog_page_tables(void)
{
    uint64_t lines;
    if (!cmdline_uint("log", &lines) || lines == 0)
        return;
    const uint64_t *pml4 = (const uint64_t *)(uintptr_t)(read_cr3() & ADDR_MASK);
    const uint64_t *pdpt = (const uint64_t *)(uintptr_t)(pml4[0] & ADDR_MASK);
    for (uint64_t n = 0; n < lines; n++) {
        unsigned pdi = (unsigned)(n / ENTRIES % 4), e = (unsigned)(n % ENTRIES);
        const uint64_t *pd = (const uint64_t *)(uintptr_t)(pdpt[pdi] & ADDR_MASK);
        uint64_t va = ((uint64_t)pdi << 30) | ((uint64_t)e << 21);
        kprintf("unikernel: debug: paging: pd[%u][%03u] va=%#010lx -> %#010lx flags=%#05lx free=%lu KiB\n",
                pdi, e, va, pd[e] & ADDR_MASK, pd[e] & 0xFFF, memory_free_bytes() / 1024);
    }
}
