#include "startup.h"

#include "../kernel/uk.h"

#define WORK_BLOCK (64u * 1024u)

static void touch_heap(uint64_t mib)
{
    uint8_t *p = uk_alloc(mib << 20); /* zeroed by the allocator: every page written */
    for (uint64_t off = 0; off < (mib << 20); off += 4096)
        p[off] = (uint8_t)(off >> 12);
    uk_printf("unikernel: app heap %lu MiB touched at %p\n", mib, (void *)p);
}

static void work(uint64_t rounds)
{
    uint8_t *block = uk_alloc(WORK_BLOCK);
    for (unsigned i = 0; i < WORK_BLOCK; i++)
        block[i] = (uint8_t)(i * 131u + 7u);
    uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a 64 offset basis */
    uint64_t start = uk_monotonic_ns();
    for (uint64_t r = 0; r < rounds; r++) {
        for (unsigned i = 0; i < WORK_BLOCK; i++) {
            h ^= block[i];
            h *= 0x100000001b3ull; /* FNV prime */
        }
        block[r % WORK_BLOCK] = (uint8_t)h; /* each round depends on the last */
    }
    uk_printf("unikernel: app work %lu rounds of 64 KiB, fnv1a=%016lx, %lu ms\n", rounds, h,
              (uk_monotonic_ns() - start) / 1000000);
}

void app_startup(void)
{
    uint64_t v;
    if (uk_arg_uint("heap", &v))
        touch_heap(v);
    if (uk_arg_uint("work", &v))
        work(v);
    if (uk_arg_uint("wait", &v)) {
        uint64_t start = uk_monotonic_ns();
        uk_sleep_ms(v);
        uk_printf("unikernel: app waited %lu ms idle\n", (uk_monotonic_ns() - start) / 1000000);
    }
}
