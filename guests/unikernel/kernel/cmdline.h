/* The multiboot command line, copied out of loader memory before the allocator may reuse it. */
#ifndef UK_CMDLINE_H
#define UK_CMDLINE_H

#include <stdbool.h>
#include <stdint.h>

void cmdline_init(const char *src);
const char *cmdline_get(void);
/* True when `word` appears as a whole space-separated token. QEMU (like GRUB) puts the image path
 * first, so matching whole tokens keeps a path such as /tmp/exit-tests/... from matching "exit". */
bool cmdline_has(const char *word);
/* The value of the first "key=value" token, or NULL. */
const char *cmdline_value(const char *key, char *buf, unsigned size);
/* The decimal value of "key=N" in *out; false when absent. A value that is not a decimal number
 * below 10^12 is an error (the kernel stops with a line naming the option). */
bool cmdline_uint(const char *key, uint64_t *out);

#endif
