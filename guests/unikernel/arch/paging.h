/* Extends boot.S's identity map. The first 4 GiB are mapped at boot; a 64-bit PCI BAR that
 * firmware placed above 4 GiB is mapped on demand, uncached, with 2 MiB pages. */
#ifndef UK_PAGING_H
#define UK_PAGING_H

#include <stdint.h>

void paging_map_mmio(uint64_t phys, uint64_t size);

#endif
