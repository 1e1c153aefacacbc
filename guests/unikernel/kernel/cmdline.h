/* The multiboot command line, copied out of loader memory before the allocator may reuse it. */
#ifndef UK_CMDLINE_H
#define UK_CMDLINE_H

#include <stdbool.h>

void cmdline_init(const char *src);
const char *cmdline_get(void);
/* True when `word` appears as a whole space-separated token. QEMU (like GRUB) puts the image path
 * first, so matching whole tokens keeps a path such as /tmp/exit-tests/... from matching "exit". */
bool cmdline_has(const char *word);
/* The value of the first "key=value" token, or NULL. */
const char *cmdline_value(const char *key, char *buf, unsigned size);

#endif
