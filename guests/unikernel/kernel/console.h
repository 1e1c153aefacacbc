/* The console: a 16550 UART on COM1, which every x86 machine type QEMU offers (pc, q35, microvm)
 * wires to -serial / -nographic stdio. Output only, polled; no interrupts are ever enabled. */
#ifndef UK_CONSOLE_H
#define UK_CONSOLE_H

#include <stdarg.h>

void console_init(void);
void console_putc(char c);
/* Send console output to `put` instead of the UART. */
void console_redirect(void (*put)(char));
void console_write(const char *s);
int kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int kvprintf(const char *fmt, va_list ap);

#endif
