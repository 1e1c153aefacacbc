/* printf-style formatting, independent of where the characters go. Supports %c %s %d %i %u %x %X
 * %p %%, the flags '-', '0' and '#', a field width (or '*'), and the length modifiers hh h l ll z. */
#ifndef UK_FMT_H
#define UK_FMT_H

#include <stdarg.h>
#include <stddef.h>

typedef void (*fmt_sink)(char c, void *ctx);

/* Returns the number of characters produced. */
int fmt_vformat(fmt_sink sink, void *ctx, const char *fmt, va_list ap);

/* Always NUL-terminates when size > 0; returns the length the full output would have had. */
int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int fmt_snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
