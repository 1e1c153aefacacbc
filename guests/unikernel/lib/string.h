/* The slice of <string.h> the kernel uses. GCC may emit calls to memcpy/memset/memmove/memcmp even
 * in freestanding code, so these must exist under exactly these names. */
#ifndef UK_STRING_H
#define UK_STRING_H

#include <stddef.h>

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);

#endif
