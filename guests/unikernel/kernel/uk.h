/* The library OS as the application sees it: the only header app/ includes. Everything behind it
 * (boot, memory, PCI, virtio) is linked into the same image and runs in the same address space and
 * privilege level; there are no system calls, just function calls. */
#ifndef UK_UK_H
#define UK_UK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UK_MAC_LEN 6

/* The application's entry point, called once the platform and devices are up. Returning 0 counts
 * as success, anything else as failure (see shutdown.h); either way the machine then stops. */
int main(void);

int uk_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int uk_snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
__attribute__((noreturn, format(printf, 1, 2))) void uk_fail(const char *fmt, ...);

/* Command-line flags ("word") and options ("key=value"). */
bool uk_arg(const char *word);
const char *uk_arg_value(const char *key, char *buf, unsigned size);
/* "key=N" as a number; false when absent (a malformed number stops the kernel with an error). */
bool uk_arg_uint(const char *key, uint64_t *out);

/* Which devices the platform found (the bare profile has neither). */
bool uk_net_present(void);
bool uk_random_present(void);

/* Fills `buf` from the virtio-rng device. */
void uk_random(void *buf, size_t len);

void uk_net_mac(uint8_t mac[UK_MAC_LEN]);
void uk_net_send(const void *frame, size_t len);
/* Returns the length of one received frame, or 0 if none is waiting. */
size_t uk_net_poll(void *buf, size_t cap);

/* Time since kernel entry, counted by the TSC at the rate measured against the PIT at boot. */
uint64_t uk_monotonic_ns(void);
uint64_t uk_uptime_ms(void);
/* Waits with the CPU halted (a timer interrupt wakes it), not spinning. */
void uk_sleep_ms(uint64_t ms);
/* Zeroed heap memory that is never freed (the kernel's bump allocator): every page is written. */
void *uk_alloc(size_t size);

/* Nanoseconds since 1970-01-01 UTC: the RTC's reading at boot (whole seconds) plus the TSC since. */
uint64_t uk_wall_time_ns(void);

#endif
