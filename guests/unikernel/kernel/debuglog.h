/* `log=N` on the command line: N debug lines during boot, as a debug build of a LibOS prints (page
 * tables, memory map). Off by default; the stress guest guests/stress/unikernel-chatty uses it. */
#ifndef UK_DEBUGLOG_H
#define UK_DEBUGLOG_H

void debuglog_page_tables(void);

#endif
