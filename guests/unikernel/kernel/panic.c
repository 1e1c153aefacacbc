#include "panic.h"

#include <stdarg.h>

#include "console.h"
#include "shutdown.h"

void vpanic(const char *fmt, va_list ap)
{
    kprintf("unikernel: error: ");
    kvprintf(fmt, ap);
    kprintf("\n");
    shutdown(SHUTDOWN_ERROR);
}

void panic(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vpanic(fmt, ap);
}
