#include "console.h"

#include <stdarg.h>
#include <stdint.h>

#include "../arch/io.h"
#include "../lib/fmt.h"

#define COM1        0x3F8
#define UART_THR    0   /* transmit holding (DLAB=0) */
#define UART_DLL    0   /* divisor low (DLAB=1) */
#define UART_IER    1
#define UART_DLM    1
#define UART_FCR    2
#define UART_LCR    3
#define UART_MCR    4
#define UART_LSR    5
#define LCR_8N1     0x03
#define LCR_DLAB    0x80
#define LSR_THRE    0x20

/* A UART that never drains (or is absent and floats) must not hang the boot: give up and drop. */
#define TX_SPIN_LIMIT 100000

void console_init(void)
{
    outb(COM1 + UART_IER, 0x00);
    outb(COM1 + UART_LCR, LCR_DLAB);
    outb(COM1 + UART_DLL, 1); /* 115200 baud; QEMU ignores it, real 16550s do not */
    outb(COM1 + UART_DLM, 0);
    outb(COM1 + UART_LCR, LCR_8N1);
    outb(COM1 + UART_FCR, 0x07); /* enable and clear both FIFOs */
    outb(COM1 + UART_MCR, 0x03); /* DTR | RTS; OUT2 stays off because we poll */
}

static void uart_put(char c)
{
    for (int spins = 0; !(inb(COM1 + UART_LSR) & LSR_THRE) && spins < TX_SPIN_LIMIT; spins++)
        cpu_relax();
    outb(COM1 + UART_THR, (uint8_t)c);
}

/* Another output device instead of the UART (quirks.c: the VGA text screen). */
static void (*redirect)(char);

void console_redirect(void (*put)(char))
{
    redirect = put;
}

void console_putc(char c)
{
    if (redirect) {
        redirect(c);
        return;
    }
    if (c == '\n')
        uart_put('\r');
    uart_put(c);
}

void console_write(const char *s)
{
    while (*s)
        console_putc(*s++);
}

static void console_sink(char c, void *ctx)
{
    (void)ctx;
    console_putc(c);
}

int kvprintf(const char *fmt, va_list ap)
{
    return fmt_vformat(console_sink, NULL, fmt, ap);
}

int kprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = kvprintf(fmt, ap);
    va_end(ap);
    return n;
}
