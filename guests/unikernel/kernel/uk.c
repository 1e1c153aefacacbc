#include "uk.h"

#include <stdarg.h>

#include "../drivers/virtio_net.h"
#include "../drivers/virtio_rng.h"
#include "../lib/fmt.h"
#include "clock.h"
#include "cmdline.h"
#include "console.h"
#include "memory.h"
#include "panic.h"

int uk_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = kvprintf(fmt, ap);
    va_end(ap);
    return n;
}

int uk_snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = fmt_vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

void uk_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vpanic(fmt, ap);
}

bool uk_arg(const char *word)
{
    return cmdline_has(word);
}

const char *uk_arg_value(const char *key, char *buf, unsigned size)
{
    return cmdline_value(key, buf, size);
}

bool uk_arg_uint(const char *key, uint64_t *out)
{
    return cmdline_uint(key, out);
}

bool uk_net_present(void)
{
    return virtio_net_present();
}

bool uk_random_present(void)
{
    return virtio_rng_present();
}

void uk_random(void *buf, size_t len)
{
    virtio_rng_read(buf, len);
}

void uk_net_mac(uint8_t mac[UK_MAC_LEN])
{
    virtio_net_mac(mac);
}

void uk_net_send(const void *frame, size_t len)
{
    virtio_net_send(frame, len);
}

size_t uk_net_poll(void *buf, size_t cap)
{
    return virtio_net_poll(buf, cap);
}

uint64_t uk_monotonic_ns(void)
{
    return clock_monotonic_ns();
}

uint64_t uk_uptime_ms(void)
{
    return clock_uptime_ms();
}

uint64_t uk_wall_time_ns(void)
{
    return clock_wall_ns();
}

void uk_sleep_ms(uint64_t ms)
{
    clock_sleep_ms(ms);
}

void *uk_alloc(size_t size)
{
    return mem_alloc(size, PAGE_SIZE);
}
