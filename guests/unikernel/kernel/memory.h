/* Physical memory: the usable RAM ranges from the multiboot memory map, minus the kernel image,
 * handed out by a bump allocator. Nothing is ever freed: a unikernel sets up its devices once and
 * runs one application, so a free list would be dead code. Virtual == physical (identity map), so
 * the pointers returned are also the bus addresses given to DMA-capable devices. */
#ifndef UK_MEMORY_H
#define UK_MEMORY_H

#include <stddef.h>
#include <stdint.h>

#include "../boot/multiboot.h"

#define PAGE_SIZE 4096

void memory_init(const struct multiboot_info *mbi);

/* Zeroed, physically contiguous, `align` must be a power of two. Panics when memory runs out. */
void *mem_alloc(size_t size, size_t align);
/* Whole pages, page-aligned: what virtqueues need. */
void *page_alloc(size_t pages);

uint64_t memory_total_bytes(void);
uint64_t memory_free_bytes(void);
unsigned memory_region_count(void);

#endif
