/* Probe-shaped behaviours for the stress set: "quirk=NAME" on the command line makes the kernel behave
 * like third-party images that `bootlab guests probe` has met, so that the probe can be tested on them.
 * Each quirk takes over after the platform is up (before the virtio drivers) and never returns:
 *   reboot    prints its work, then resets the machine: without -no-reboot QEMU boots it again, in a loop
 *   manifest  aborts like a Solo5 unikernel built for a fixed device list when a PCI function is not in
 *             its (empty) manifest, then powers off through ACPI (QEMU exits 0); ready only without them
 *   indent    prints indented, ANSI-coloured lines; the ready line too
 *   vga       (console hook, quirks_console) writes to the VGA text screen when the machine has a VGA
 *             card, to the serial port only without one
 *   flood     prints a ready line, then console lines for ever */
#include "quirks.h"

#include <stdint.h>

#include "../arch/io.h"
#include "../drivers/pci.h"
#include "../lib/string.h"
#include "cmdline.h"
#include "console.h"

#define VGA_TEXT    0xB8000u
#define VGA_COLS    80
#define VGA_ROWS    25
#define VGA_ATTR    0x07
#define PCI_CLASS_DISPLAY 0x03
#define VIRTIO_VENDOR 0x1AF4
/* PIIX4 (pc) and ICH9 (q35) power management as SeaBIOS sets them up: PM1a control at 0x604;
 * SLP_EN with QEMU's S5 sleep type powers the machine off. */
#define ACPI_PM1A_CNT 0x604
#define ACPI_SLP_EN_S5 0x2000

static char quirk[16];
static unsigned vga_pos;

static bool is(const char *name)
{
    return strcmp(quirk, name) == 0;
}

static void vga_putc(char c)
{
    volatile uint16_t *screen = (volatile uint16_t *)(uintptr_t)VGA_TEXT;
    if (c == '\n') {
        vga_pos += VGA_COLS - vga_pos % VGA_COLS;
    } else if (c != '\r') {
        screen[vga_pos++] = (uint16_t)(VGA_ATTR << 8 | (uint8_t)c);
    }
    if (vga_pos >= VGA_COLS * VGA_ROWS) {
        for (unsigned i = 0; i < VGA_COLS * (VGA_ROWS - 1); i++)
            screen[i] = screen[i + VGA_COLS];
        for (unsigned i = VGA_COLS * (VGA_ROWS - 1); i < VGA_COLS * VGA_ROWS; i++)
            screen[i] = (uint16_t)(VGA_ATTR << 8 | ' ');
        vga_pos = VGA_COLS * (VGA_ROWS - 1);
    }
}

/* The PCI function with this class, or NULL. */
static struct pci_dev *find_class(unsigned n, uint8_t class)
{
    for (unsigned i = 0; i < n; i++)
        if (pci_get(i)->class == class)
            return pci_get(i);
    return NULL;
}

void quirks_console(void)
{
    if (!cmdline_value("quirk", quirk, sizeof(quirk)))
        quirk[0] = '\0';
    /* Like a kernel with a VGA console: the screen whenever there is one, the serial port otherwise. */
    if (is("vga") && find_class(pci_scan(), PCI_CLASS_DISPLAY)) {
        for (unsigned i = 0; i < VGA_COLS * VGA_ROWS; i++)
            ((volatile uint16_t *)(uintptr_t)VGA_TEXT)[i] = (uint16_t)(VGA_ATTR << 8 | ' ');
        console_redirect(vga_putc);
    }
}

static const char *virtio_name(uint16_t device)
{
    switch (device) {
    case 0x1000: case 0x1041: return "net";
    case 0x1005: case 0x1044: return "rng";
    case 0x1001: case 0x1042: return "blk";
    default: return "device";
    }
}

static void halt(void)
{
    for (;;)
        __asm__ volatile("cli; hlt");
}

__attribute__((noreturn)) static void manifest(void)
{
    unsigned n = pci_scan();
    unsigned unlisted = 0;
    kprintf("unikernel: manifest: no devices\n");
    for (unsigned i = 0; i < n; i++) {
        const struct pci_dev *d = pci_get(i);
        if (d->vendor != VIRTIO_VENDOR)
            continue;
        kprintf("Virtio %s: PCI:%02x:%02x not in manifest\n", virtio_name(d->device), d->bus, d->dev);
        unlisted++;
    }
    if (unlisted) {
        kprintf("PCI enumeration failed. Aborting.\n");
        kprintf("solo5_abort() called\n");
        outw(ACPI_PM1A_CNT, ACPI_SLP_EN_S5);
        halt();
    }
    kprintf("unikernel: ready manifest=ok pci=%u\n", n);
    halt();
    __builtin_unreachable();
}

__attribute__((noreturn)) static void reboot(void)
{
    kprintf("unikernel: job started\n");
    uint64_t sum = 0;
    for (uint64_t i = 0; i < 2000000; i++)
        sum += i * i;
    kprintf("unikernel: job done sum=%lu, resetting\n", (unsigned long)sum);
    /* The keyboard controller's reset line: QEMU resets the machine (exits under -no-reboot). */
    outb(0x64, 0xFE);
    halt();
    __builtin_unreachable();
}

__attribute__((noreturn)) static void indent(void)
{
    kprintf("\x1b[1munikernel\x1b[0m: colours on\n");
    kprintf("    step 1: \x1b[33mwarming up\x1b[0m\n");
    kprintf("    step 2: \x1b[33mstill warming up\x1b[0m\n");
    kprintf("\t\x1b[36mtabbed\x1b[0m line\n");
    kprintf("   \x1b[32mpoppy\x1b[0m\n");
    halt();
    __builtin_unreachable();
}

__attribute__((noreturn)) static void flood(void)
{
    kprintf("unikernel: ready, flooding\n");
    for (uint64_t i = 0;; i++)
        kprintf("unikernel: tick %lu\n", (unsigned long)i);
}

__attribute__((noreturn)) static void vga(void)
{
    kprintf("unikernel: ready console=%s\n", find_class(pci_count(), PCI_CLASS_DISPLAY) ? "vga" : "serial");
    halt();
    __builtin_unreachable();
}

void quirks_run(void)
{
    if (is("manifest"))
        manifest();
    if (is("reboot"))
        reboot();
    if (is("indent"))
        indent();
    if (is("flood"))
        flood();
    if (is("vga"))
        vga();
}
