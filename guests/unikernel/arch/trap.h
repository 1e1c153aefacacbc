/* CPU exceptions. Without an IDT a fault triple-faults and QEMU silently resets the machine, which
 * a boot-time harness would see as a reboot loop; with one, a fault becomes an error line. */
#ifndef UK_TRAP_H
#define UK_TRAP_H

#include <stdint.h>

/* Pushed by trap_entry.S; field order mirrors the push order, reversed. */
struct trap_frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error;
    uint64_t rip, cs, rflags, rsp, ss;
};

void trap_init(void);
void trap_handler(struct trap_frame *f);

#endif
