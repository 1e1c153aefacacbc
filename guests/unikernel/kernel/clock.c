/* The clock component, from the documented behaviour of two PC devices every x86 machine type QEMU
 * offers (pc, q35 and microvm all have both):
 *
 *  - the CMOS real-time clock (MC146818 and compatibles), behind index port 0x70 and data port
 *    0x71, gives the date and time once, at boot;
 *  - the i8254 programmable interval timer, whose counters run from a fixed 1.193182 MHz clock
 *    (the 14.31818 MHz PC oscillator divided by 12), is the reference the TSC's rate is measured
 *    against.
 *
 * Library OSes on KVM do the same at boot (Unikraft's KVM platform and Solo5 program PIT channel 0,
 * read the RTC and count TSC ticks over a 100 ms PIT delay; Nanos also calibrates against the PIT)
 * and so pay ~100 ms of busy waiting on every boot, which is why this component is in bootlab's
 * library OS too: it is part of what a real one costs. */
#include "clock.h"

#include <stdbool.h>

#include "../arch/io.h"
#include "../arch/timer.h"
#include "cmdline.h"
#include "console.h"
#include "panic.h"

/* ---- CMOS real-time clock ---- */

#define CMOS_INDEX     0x70 /* bit 7 of the index masks NMI on real chipsets; we leave it clear */
#define CMOS_DATA      0x71
#define RTC_SECONDS    0x00
#define RTC_MINUTES    0x02
#define RTC_HOURS      0x04
#define RTC_DAY        0x07
#define RTC_MONTH      0x08
#define RTC_YEAR       0x09
#define RTC_STATUS_A   0x0A
#define RTC_STATUS_B   0x0B
/* Not part of the MC146818 itself: the ACPI FADT names the CMOS byte holding the century, and on
 * PCs (QEMU included) it is 0x32. We do not parse ACPI, so a plausible value there is trusted and
 * anything else means 20xx. */
#define RTC_CENTURY    0x32

#define RTC_A_UIP      0x80 /* update in progress: the time registers are being rewritten */
#define RTC_B_24H      0x02 /* hours run 0-23 (else 1-12 with bit 7 = PM) */
#define RTC_B_BINARY   0x04 /* registers hold binary (else BCD) */
#define RTC_HOUR_PM    0x80

/* UIP stays set for at most 1984 + 244 us; polling that long costs a few thousand port reads. A
 * missing RTC (the bus floats to 0xFF, UIP included) is declared after far more than that. */
#define RTC_UIP_POLLS  1000000u
#define RTC_READ_TRIES 10

struct rtc_raw {
    uint8_t second, minute, hour, day, month, year, century, status_b;
};

static uint8_t cmos_read(uint8_t reg)
{
    outb(CMOS_INDEX, reg);
    return inb(CMOS_DATA);
}

/* The chip raises UIP 244 us before it starts an update, so once UIP reads clear, every time
 * register can be read consistently within that window. */
static void rtc_wait_not_updating(void)
{
    for (unsigned polls = 0; cmos_read(RTC_STATUS_A) & RTC_A_UIP; polls++) {
        if (polls >= RTC_UIP_POLLS)
            panic("clock: the RTC's update-in-progress bit never clears (no RTC?)");
        cpu_relax();
    }
}

static void rtc_read_raw(struct rtc_raw *r)
{
    rtc_wait_not_updating();
    r->second = cmos_read(RTC_SECONDS);
    r->minute = cmos_read(RTC_MINUTES);
    r->hour = cmos_read(RTC_HOURS);
    r->day = cmos_read(RTC_DAY);
    r->month = cmos_read(RTC_MONTH);
    r->year = cmos_read(RTC_YEAR);
    r->century = cmos_read(RTC_CENTURY);
    r->status_b = cmos_read(RTC_STATUS_B);
}

static bool rtc_raw_equal(const struct rtc_raw *a, const struct rtc_raw *b)
{
    return a->second == b->second && a->minute == b->minute && a->hour == b->hour &&
           a->day == b->day && a->month == b->month && a->year == b->year &&
           a->century == b->century && a->status_b == b->status_b;
}

static unsigned bcd(uint8_t v)
{
    return (v >> 4) * 10u + (v & 0x0F);
}

static void rtc_read(struct rtc_time *t)
{
    /* The 244 us promise assumes the reader is not interrupted, and a vCPU can be descheduled for
     * milliseconds between two port reads. So read until two passes agree: an update that slipped
     * in between changes at least the seconds. */
    struct rtc_raw a, b;
    rtc_read_raw(&a);
    for (int tries = 0;; tries++) {
        rtc_read_raw(&b);
        if (rtc_raw_equal(&a, &b))
            break;
        if (tries == RTC_READ_TRIES)
            panic("clock: the RTC never read the same twice");
        a = b;
    }

    bool binary = a.status_b & RTC_B_BINARY;
    bool pm = a.hour & RTC_HOUR_PM;
    uint8_t hour = a.hour & (uint8_t)~RTC_HOUR_PM;
#define DECODE(v) (binary ? (unsigned)(v) : bcd(v))
    t->second = DECODE(a.second);
    t->minute = DECODE(a.minute);
    t->hour = DECODE(hour);
    t->day = DECODE(a.day);
    t->month = DECODE(a.month);
    unsigned century = DECODE(a.century);
    t->year = (century >= 19 && century <= 99 ? century : 20) * 100 + DECODE(a.year);
#undef DECODE
    if (!(a.status_b & RTC_B_24H)) /* 12 AM is 00h, 12 PM is 12h */
        t->hour = t->hour % 12 + (pm ? 12 : 0);

    if (t->second > 59 || t->minute > 59 || t->hour > 23 || t->day < 1 || t->day > 31 ||
        t->month < 1 || t->month > 12)
        panic("clock: the RTC reads an impossible time %u-%u-%u %u:%u:%u", t->year, t->month,
              t->day, t->hour, t->minute, t->second);
}

static bool leap_year(unsigned y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Seconds since 1970-01-01 00:00:00, taking the RTC's time as UTC. */
static uint64_t epoch_seconds(const struct rtc_time *t)
{
    static const uint16_t days_before_month[12] = { 0,   31,  59,  90,  120, 151,
                                                    181, 212, 243, 273, 304, 334 };
    uint64_t days = 0;
    for (unsigned y = 1970; y < t->year; y++)
        days += leap_year(y) ? 366 : 365;
    days += days_before_month[t->month - 1];
    if (t->month > 2 && leap_year(t->year))
        days++;
    days += t->day - 1;
    return ((days * 24 + t->hour) * 60 + t->minute) * 60 + t->second;
}

/* ---- i8254 PIT ---- */

#define PIT_HZ         1193182u
#define PIT_CHANNEL0   0x40
#define PIT_COMMAND    0x43
/* Command byte: channel (bits 7-6), access (5-4: 00 = latch the count, 11 = low byte then high
 * byte), mode (3-1), BCD (0). */
#define PIT_CMD_CH0_LATCH     0x00
#define PIT_CMD_CH0_LOHI_MODE2 0x34

/* Why channel 0, mode 2, and the full 16-bit period rather than Solo5's 100 Hz:
 *  - Channel 2 is the one meant for polling (no interrupt; its gate and output are bits 0 and 5 of
 *    port 0x61), but port 0x61 belongs to the PC speaker / NMI-status logic, which QEMU's microvm
 *    does not have. Channel 0 is there on pc, q35 and microvm alike, and it is what Unikraft and
 *    Solo5 use.
 *  - Channel 0 drives IRQ0, but this kernel never enables interrupts (IF stays 0 from boot.S to
 *    the final hlt), so its ticks are never taken. (On pc and q35, SeaBIOS leaves it running
 *    anyway, as the 18.2 Hz BIOS tick.)
 *  - Mode 2 (rate generator) counts down by one per PIT clock and reloads by itself: a plain
 *    sawtooth. (Mode 3, what firmware uses, counts by two.)
 *  - Solo5 picks 100 Hz because that rate then becomes its timer interrupt. We only poll, so the
 *    period just bounds how long we may look away between two reads before a wrap goes unseen.
 *    The longest one, 65536 counts (written as 0) = 54.9 ms, gives the most margin, and the
 *    elapsed count between two reads is then a plain 16-bit modular subtraction. */
#define PIT_RELOAD     65536u

/* The calibration window: 100 ms of PIT time, as Unikraft and Solo5 use (`calibrate=MS` on the
 * command line changes it, 1-1000 ms: a LibOS that trusts a shorter window boots sooner). */
#define CALIBRATE_MS_DEFAULT 100u
/* Polls before measuring: enough to learn how long a poll takes when nothing interferes. */
#define WARMUP_POLLS   16
/* A sample whose two TSC reads lie further apart than this many times the tightest seen was
 * stretched (the vCPU was descheduled, or an SMI hit): its count could belong to any moment in
 * between, so it may not start or end a stretch of the window. */
#define TIGHT_FACTOR   4
/* Until the window holds this many PIT ticks there is no rate yet to judge a pause by; meanwhile a
 * poll interval over GAP_FACTOR times the shortest one counts as a pause. That stays below the
 * 27 ms that matter for any poll quicker than 100 us; a poll (three port accesses) takes a few us
 * on real hardware and less under KVM or TCG. A cut costs only the pause itself. */
#define EARLY_TICKS    2048
#define GAP_FACTOR     256
/* A PIT clock is 0.84 us and a poll is three port accesses, so a count that stays put for this
 * many polls in a row is a PIT that does not count (absent, e.g. microvm with pit=off). */
#define PIT_STUCK_POLLS 1000000u

struct pit_sample {
    uint64_t before, after; /* TSC readings around the latch command and the two reads */
    uint16_t count;
};

static void pit_sample(struct pit_sample *s)
{
    s->before = rdtsc();
    outb(PIT_COMMAND, PIT_CMD_CH0_LATCH);
    uint8_t lo = inb(PIT_CHANNEL0);
    uint8_t hi = inb(PIT_CHANNEL0);
    s->after = rdtsc();
    s->count = (uint16_t)(lo | hi << 8);
}

/* The TSC at which the sample's count was latched, to within half its width. */
static uint64_t sample_tsc(const struct pit_sample *s)
{
    return s->before + (s->after - s->before) / 2;
}

/* Counts TSC ticks against 100 ms of PIT ticks and returns the TSC's rate in Hz.
 *
 * Each count the PIT shows is exact, so the PIT time between two samples is the sum of the steps
 * between consecutive polls, each taken modulo 65536; only the samples at the two ends of the
 * window need a tight TSC reading. The danger is a step of a whole PIT period (54.9 ms) or more,
 * which reads as a short one, and a descheduled vCPU can be away that long. So a poll interval
 * that may have lasted half a period (judged by the rate measured so far) cuts the window: the
 * stretch before it is kept up to its last tight sample, and measuring resumes at the next one.
 * Shorter pauses are simply measured through, so the window costs 100 ms of PIT time, plus any
 * pause that long. */
static uint64_t calibrate_tsc(uint64_t window_pit_ticks)
{
    outb(PIT_COMMAND, PIT_CMD_CH0_LOHI_MODE2);
    outb(PIT_CHANNEL0, PIT_RELOAD & 0xFF);
    outb(PIT_CHANNEL0, (PIT_RELOAD >> 8) & 0xFF);

    /* Closed stretches add up in done_pit/done_tsc. The open one runs from `start`, `elapsed` PIT
     * ticks since; `end` is its latest sample fit to close it, `end_elapsed` the ticks up to it. */
    uint64_t done_pit = 0, done_tsc = 0, elapsed = 0, end_elapsed = 0;
    uint64_t min_width = UINT64_MAX, min_poll = UINT64_MAX;
    struct pit_sample start = { 0 }, end = { 0 }, prev, cur;
    unsigned same = 0;
    bool open = false;
    pit_sample(&prev);
    for (unsigned polls = 1;; polls++) {
        pit_sample(&cur);
        uint16_t step = (uint16_t)(prev.count - cur.count); /* counts down, modulo 65536 */
        same = step ? 0 : same + 1;
        if (same >= PIT_STUCK_POLLS)
            panic("clock: i8254 PIT channel 0 does not count (no PIT?)");
        /* The two latches lie at most `span` TSC ticks apart. */
        uint64_t width = cur.after - cur.before, span = cur.after - prev.before;
        if (width < min_width)
            min_width = width;
        if (span < min_poll)
            min_poll = span;
        /* Fit to start or end a stretch: read quickly, and just after the count changed (an edge),
         * so the TSC reading belongs to that count's first moments. */
        bool fit = step != 0 && width <= TIGHT_FACTOR * min_width;

        if (open) {
            uint64_t pit = done_pit + elapsed;
            uint64_t tsc = done_tsc + (sample_tsc(&prev) - sample_tsc(&start));
            bool pause = pit < EARLY_TICKS ? span > GAP_FACTOR * min_poll
                                           : span * pit >= (PIT_RELOAD / 2) * tsc;
            if (pause) {
                done_pit += end_elapsed;
                done_tsc += sample_tsc(&end) - sample_tsc(&start);
                open = false;
            } else {
                elapsed += step;
                if (fit) {
                    end = cur;
                    end_elapsed = elapsed;
                    if (done_pit + elapsed >= window_pit_ticks)
                        break;
                }
            }
        }
        if (!open && fit && polls > WARMUP_POLLS) {
            start = end = cur;
            elapsed = end_elapsed = 0;
            open = true;
        }
        prev = cur;
    }
    done_pit += elapsed;
    done_tsc += sample_tsc(&cur) - sample_tsc(&start);
    return done_tsc * PIT_HZ / done_pit; /* no overflow below a 10^11 Hz TSC */
}

/* ---- the clock ---- */

static uint64_t entry_tsc, rtc_tsc, tsc_hz, boot_epoch_s;
static struct rtc_time boot_rtc;

void clock_mark_entry(void)
{
    entry_tsc = rdtsc();
}

static uint64_t tsc_to_ns(uint64_t ticks)
{
    /* Split so the product never overflows 64 bits (tsc_hz * 10^9 < 2^64 below 18 GHz) and no
     * 128-bit division (a libgcc call) is needed. */
    return ticks / tsc_hz * 1000000000ull + ticks % tsc_hz * 1000000000ull / tsc_hz;
}

void clock_init(void)
{
    rtc_read(&boot_rtc);
    rtc_tsc = rdtsc();
    boot_epoch_s = epoch_seconds(&boot_rtc);

    uint64_t window_ms = CALIBRATE_MS_DEFAULT;
    if (cmdline_uint("calibrate", &window_ms) && (window_ms < 1 || window_ms > 1000))
        panic("clock: calibrate=%lu is outside 1-1000 ms", window_ms);
    tsc_hz = calibrate_tsc(window_ms * PIT_HZ / 1000);

    kprintf("unikernel: clock tsc=%lu.%03lu MHz rtc=%04u-%02u-%02u %02u:%02u:%02u\n",
            tsc_hz / 1000000, tsc_hz / 1000 % 1000, boot_rtc.year, boot_rtc.month, boot_rtc.day,
            boot_rtc.hour, boot_rtc.minute, boot_rtc.second);
}

uint64_t clock_tsc_hz(void)
{
    return tsc_hz;
}

uint64_t clock_monotonic_ns(void)
{
    return tsc_hz ? tsc_to_ns(rdtsc() - entry_tsc) : 0;
}

void clock_sleep_ms(uint64_t ms)
{
    if (!tsc_hz)
        panic("clock: sleep before the clock is calibrated");
    uint64_t until = clock_monotonic_ns() + ms * 1000000ull;
    timer_start(100, tsc_hz);
    while (clock_monotonic_ns() < until)
        timer_idle();
    timer_stop();
}

uint64_t clock_uptime_ms(void)
{
    return clock_monotonic_ns() / 1000000;
}

const struct rtc_time *clock_boot_rtc(void)
{
    return &boot_rtc;
}

uint64_t clock_boot_epoch_s(void)
{
    return boot_epoch_s;
}

uint64_t clock_wall_ns(void)
{
    return boot_epoch_s * 1000000000ull + (tsc_hz ? tsc_to_ns(rdtsc() - rtc_tsc) : 0);
}
