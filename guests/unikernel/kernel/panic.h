/* The one error path: every failure prints "unikernel: error: ..." and stops (see shutdown.h), so a
 * harness sees a reason on the console instead of a silent hang or a reboot loop. */
#ifndef UK_PANIC_H
#define UK_PANIC_H

#include <stdarg.h>

__attribute__((noreturn, format(printf, 1, 2))) void panic(const char *fmt, ...);
__attribute__((noreturn, format(printf, 1, 0))) void vpanic(const char *fmt, va_list ap);

#endif
