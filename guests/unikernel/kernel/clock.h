/* The clock: wall-clock time at boot from the CMOS real-time clock, and a monotonic clock counted
 * by the TSC, whose frequency is measured at boot against the i8254 PIT (100 ms, as the KVM
 * platforms of Unikraft and Solo5 do). After clock_init the kernel has real milliseconds for its
 * timeouts instead of a guessed TSC rate. */
#ifndef UK_CLOCK_H
#define UK_CLOCK_H

#include <stdint.h>

struct rtc_time {
    unsigned year, month, day, hour, minute, second;
};

/* Notes the TSC at kernel entry: the origin of clock_monotonic_ns. Call first thing in kmain. */
void clock_mark_entry(void);

/* Reads the RTC, calibrates the TSC (busy for ~100 ms) and prints the "unikernel: clock" line.
 * Panics if the RTC or the PIT does not respond. */
void clock_init(void);

/* The measured TSC frequency in Hz; 0 before clock_init. */
uint64_t clock_tsc_hz(void);

/* Nanoseconds since kernel entry. Before clock_init there is no frequency yet and this returns 0,
 * so nothing may wait on it that early. */
uint64_t clock_monotonic_ns(void);
uint64_t clock_uptime_ms(void);

/* Waits `ms` milliseconds with the CPU halted between ticks of a 100 Hz APIC timer interrupt (no busy
 * loop), as a LibOS idles while it waits for DHCP or a timer. Only after clock_init. */
void clock_sleep_ms(uint64_t ms);

/* The RTC's reading at boot (UTC under QEMU's default -rtc base=utc), and the same as seconds since
 * 1970-01-01 (whole seconds: the RTC has no finer resolution). */
const struct rtc_time *clock_boot_rtc(void);
uint64_t clock_boot_epoch_s(void);
/* Wall-clock time: the boot epoch advanced by the TSC since the RTC was read. */
uint64_t clock_wall_ns(void);

#endif
