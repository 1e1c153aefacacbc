/* A periodic timer interrupt for idle waits: the local APIC's timer, present on every machine type
 * (pc, q35 and microvm, whose firmware leaves the legacy PIC's output unconnected). Only used when
 * something must wait (the `wait=` option): the default boot never enables interrupts. */
#ifndef UK_TIMER_H
#define UK_TIMER_H

#include <stdint.h>

/* IDT vectors 32-47 (clear of the CPU's exceptions): the timer on the first, the APIC's spurious
 * vector on the last (its low four bits must be set), the legacy PIC's lines remapped over them
 * and masked. */
#define IRQ_VECTOR_BASE 32
#define IRQ_VECTORS     16

/* Masks the legacy PIC, enables the local APIC and starts its timer at `hz`, its rate measured
 * against the TSC (`tsc_hz`) over 1 ms. Interrupts stay disabled in the CPU until timer_idle(). */
void timer_start(unsigned hz, uint64_t tsc_hz);
/* Enables interrupts and halts until the next interrupt arrives, then disables them again. */
void timer_idle(void);
/* Stops the APIC timer. */
void timer_stop(void);

#endif
