#include "trap.h"

#include "../kernel/panic.h"
#include "io.h"
#include "timer.h"

#define TRAP_VECTORS 32
#define IDT_VECTORS  (IRQ_VECTOR_BASE + IRQ_VECTORS)
#define KERNEL_CS    0x08
#define GATE_INTR    0x8E /* present, DPL 0, 64-bit interrupt gate */

struct idt_gate {
    uint16_t offset_lo;
    uint16_t selector;
    uint8_t ist;
    uint8_t type_attr;
    uint16_t offset_mid;
    uint32_t offset_hi;
    uint32_t reserved;
} __attribute__((packed));

struct idt_ptr {
    uint16_t limit;
    uint64_t base;
} __attribute__((packed));

extern const uint64_t trap_stubs[TRAP_VECTORS];
extern const uint64_t irq_stubs[IRQ_VECTORS];
static struct idt_gate idt[IDT_VECTORS] __attribute__((aligned(16)));

static const char *const names[TRAP_VECTORS] = {
    "divide error", "debug", "NMI", "breakpoint", "overflow", "bound range", "invalid opcode",
    "device not available", "double fault", "coprocessor overrun", "invalid TSS",
    "segment not present", "stack fault", "general protection", "page fault", "reserved",
    "x87 error", "alignment check", "machine check", "SIMD error", "virtualization",
    "control protection",
};

void trap_init(void)
{
    /* Exceptions, then 16 interrupt vectors (only taken once timer.c enables the APIC timer for an
     * idle wait). */
    for (int i = 0; i < IDT_VECTORS; i++) {
        uint64_t a = i < TRAP_VECTORS ? trap_stubs[i] : irq_stubs[i - TRAP_VECTORS];
        idt[i] = (struct idt_gate){
            .offset_lo = (uint16_t)a,
            .selector = KERNEL_CS,
            .type_attr = GATE_INTR,
            .offset_mid = (uint16_t)(a >> 16),
            .offset_hi = (uint32_t)(a >> 32),
        };
    }
    struct idt_ptr p = { sizeof(idt) - 1, (uintptr_t)idt };
    __asm__ volatile("lidt %0" : : "m"(p));
}

void trap_handler(struct trap_frame *f)
{
    const char *name = f->vector < TRAP_VECTORS && names[f->vector] ? names[f->vector] : "exception";
    if (f->vector == 14)
        panic("cpu exception %lu (%s) at rip=%#lx err=%#lx cr2=%#lx", f->vector, name, f->rip,
              f->error, read_cr2());
    panic("cpu exception %lu (%s) at rip=%#lx err=%#lx", f->vector, name, f->rip, f->error);
}
