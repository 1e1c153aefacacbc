/* Bring-up order: console first so every later failure can be reported, then traps so a fault is
 * reported rather than resetting the machine, then memory, then the clock (the drivers' timeouts
 * need it), then devices, then the application. */
#include <stdint.h>

#include "../arch/trap.h"
#include "../boot/multiboot.h"
#include "../lib/string.h"
#include "clock.h"
#include "cmdline.h"
#include "console.h"
#include "debuglog.h"
#include "devices.h"
#include "memory.h"
#include "panic.h"
#include "quirks.h"
#include "shutdown.h"
#include "uk.h"

void kmain(uint32_t magic, uint32_t mbi_addr);
/* Kernel work before the application that a sibling build links in (guests/stress/unikernel-heavy:
 * ACPI, a file system, an ELF loader); this image has none. */
void boot_work(void) __attribute__((weak));

void kmain(uint32_t magic, uint32_t mbi_addr)
{
    clock_mark_entry();
    console_init();
    /* Firmware (SeaBIOS's "Booting from ROM..") may leave the cursor mid-line; start a fresh one. */
    console_putc('\n');
    trap_init();
    if (magic != MULTIBOOT_BOOTLOADER_MAGIC)
        panic("not started by a multiboot loader (eax=%#x)", magic);
    const struct multiboot_info *mbi = (const void *)(uintptr_t)mbi_addr;
    /* Copy the command line before memory_init: from then on loader memory may be reused. */
    cmdline_init(mbi->flags & MULTIBOOT_INFO_CMDLINE ? (const char *)(uintptr_t)mbi->cmdline : "");
    quirks_console(); /* only with quirk=vga */
    memory_init(mbi);
    kprintf("unikernel: %lu KiB of RAM usable in %u region(s), cmdline \"%s\"\n",
            memory_total_bytes() / 1024, memory_region_count(), cmdline_get());
    debuglog_page_tables(); /* only with log=N */
    kprintf("unikernel: platform up\n");

    clock_init(); /* prints "unikernel: clock ..." */
    quirks_run(); /* only with quirk=NAME */

    char choice[16];
    const char *v = cmdline_value("virtio", choice, sizeof(choice));
    devices_attach(v && strcmp(v, "modern") == 0);
    kprintf("unikernel: devices up\n");
    if (boot_work)
        boot_work();

    shutdown(main() == 0 ? SHUTDOWN_OK : SHUTDOWN_ERROR);
}
