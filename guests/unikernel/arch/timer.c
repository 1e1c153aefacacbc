#include "timer.h"

#include "io.h"

#define PIC1_CMD  0x20
#define PIC1_DATA 0x21
#define PIC2_CMD  0xA0
#define PIC2_DATA 0xA1

/* xAPIC registers, memory-mapped at the architectural default base (identity-mapped by boot.S). */
#define LAPIC_BASE        0xFEE00000ul
#define LAPIC_SVR         0x0F0
#define LAPIC_LVT_TIMER   0x320
#define LAPIC_TIMER_INIT  0x380
#define LAPIC_TIMER_COUNT 0x390
#define LAPIC_TIMER_DIV   0x3E0
#define LAPIC_SVR_ENABLE  0x100
#define LVT_MASKED        (1u << 16)
#define LVT_PERIODIC      (1u << 17)
#define TIMER_DIV_16      0x3

#define MSR_APIC_BASE        0x1B
#define MSR_APIC_BASE_ENABLE (1ull << 11)

static uint32_t lapic_read(uint32_t reg) { return mmio_read32(LAPIC_BASE + reg); }
static void lapic_write(uint32_t reg, uint32_t v) { mmio_write32(LAPIC_BASE + reg, v); }

static uint64_t rdmsr(uint32_t msr)
{
    uint32_t lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return ((uint64_t)hi << 32) | lo;
}

static void wrmsr(uint32_t msr, uint64_t v)
{
    __asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

/* Firmware leaves the PIC mapped over the exception vectors (IRQ0 = vector 8) and may leave lines
 * unmasked: remap it onto our IRQ vectors and mask everything, so enabling interrupts can only
 * bring the APIC timer (or a spurious IRQ7/15, which the ignore stub absorbs). */
static void pic_mask_all(void)
{
    outb(PIC1_CMD, 0x11);
    outb(PIC2_CMD, 0x11);
    outb(PIC1_DATA, IRQ_VECTOR_BASE);
    outb(PIC2_DATA, IRQ_VECTOR_BASE + 8);
    outb(PIC1_DATA, 0x04);
    outb(PIC2_DATA, 0x02);
    outb(PIC1_DATA, 0x01);
    outb(PIC2_DATA, 0x01);
    outb(PIC1_DATA, 0xFF);
    outb(PIC2_DATA, 0xFF);
}

void timer_start(unsigned hz, uint64_t tsc_hz)
{
    pic_mask_all();
    uint64_t base = rdmsr(MSR_APIC_BASE);
    if (!(base & MSR_APIC_BASE_ENABLE))
        wrmsr(MSR_APIC_BASE, base | MSR_APIC_BASE_ENABLE);
    lapic_write(LAPIC_SVR, LAPIC_SVR_ENABLE | (IRQ_VECTOR_BASE + IRQ_VECTORS - 1));
    lapic_write(LAPIC_TIMER_DIV, TIMER_DIV_16);

    /* The APIC timer's rate is not architectural: count it down for 1 ms of TSC time. */
    lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | IRQ_VECTOR_BASE);
    lapic_write(LAPIC_TIMER_INIT, 0xFFFFFFFFu);
    uint64_t t0 = rdtsc(), span = tsc_hz / 1000;
    while (rdtsc() - t0 < span)
        cpu_relax();
    uint32_t per_ms = 0xFFFFFFFFu - lapic_read(LAPIC_TIMER_COUNT);
    uint64_t period = (uint64_t)per_ms * 1000 / (hz ? hz : 100);
    if (period == 0)
        period = 1;
    if (period > 0xFFFFFFFFu)
        period = 0xFFFFFFFFu;

    lapic_write(LAPIC_LVT_TIMER, LVT_PERIODIC | IRQ_VECTOR_BASE);
    lapic_write(LAPIC_TIMER_INIT, (uint32_t)period);
}

void timer_idle(void)
{
    /* sti takes effect after the next instruction, so an interrupt cannot slip in between the two
     * and leave hlt waiting for the one after it. */
    __asm__ volatile("sti; hlt; cli" : : : "memory");
}

void timer_stop(void)
{
    lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | IRQ_VECTOR_BASE);
    lapic_write(LAPIC_TIMER_INIT, 0);
}
