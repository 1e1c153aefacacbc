#include "pci.h"

#include "../arch/io.h"

#define CONFIG_ADDRESS 0xCF8
#define CONFIG_DATA    0xCFC
#define MAX_DEVICES    64
#define CLASS_BRIDGE   0x06
#define SUBCLASS_P2P   0x04

/* Where pci_assign_bar places BARs firmware left empty. I/O: the range i440FX and ICH9 forward to
 * PCI and SeaBIOS also uses. Memory: below the IOAPIC (0xFEC00000) and above both the low RAM of
 * a pc with less than 3.5 GiB and q35's ECAM window (0xB0000000-0xBFFFFFFF). */
#define IO_WINDOW_START  0xC000u
#define IO_WINDOW_END    0x10000u
#define MEM_WINDOW_START 0xE0000000u
#define MEM_WINDOW_END   0xFEC00000u

static struct pci_dev devices[MAX_DEVICES];
static unsigned ndevices;

static uint32_t raw_read32(uint8_t bus, uint8_t dev, uint8_t fn, uint8_t off)
{
    outl(CONFIG_ADDRESS, 0x80000000u | (uint32_t)bus << 16 | (uint32_t)dev << 11 | (uint32_t)fn << 8 |
                             (off & 0xFC));
    return inl(CONFIG_DATA);
}

static void raw_write32(uint8_t bus, uint8_t dev, uint8_t fn, uint8_t off, uint32_t v)
{
    outl(CONFIG_ADDRESS, 0x80000000u | (uint32_t)bus << 16 | (uint32_t)dev << 11 | (uint32_t)fn << 8 |
                             (off & 0xFC));
    outl(CONFIG_DATA, v);
}

uint32_t pci_read32(const struct pci_dev *d, uint8_t off)
{
    return raw_read32(d->bus, d->dev, d->fn, off);
}

uint16_t pci_read16(const struct pci_dev *d, uint8_t off)
{
    return (uint16_t)(pci_read32(d, off) >> ((off & 2) * 8));
}

uint8_t pci_read8(const struct pci_dev *d, uint8_t off)
{
    return (uint8_t)(pci_read32(d, off) >> ((off & 3) * 8));
}

void pci_write32(const struct pci_dev *d, uint8_t off, uint32_t v)
{
    raw_write32(d->bus, d->dev, d->fn, off, v);
}

void pci_write16(const struct pci_dev *d, uint8_t off, uint16_t v)
{
    /* Read-modify-write of the dword; only used on COMMAND, whose neighbour STATUS has
     * write-1-to-clear bits, so those are masked to zero rather than written back. */
    uint32_t old = pci_read32(d, off & 0xFC);
    unsigned shift = (off & 2) * 8;
    if ((off & 0xFC) == PCI_COMMAND)
        old &= 0x0000FFFFu;
    pci_write32(d, off & 0xFC, (old & ~(0xFFFFu << shift)) | (uint32_t)v << shift);
}

static void scan_bus(uint8_t bus, unsigned depth);

static void add_function(uint8_t bus, uint8_t dev, uint8_t fn, unsigned depth)
{
    uint32_t id = raw_read32(bus, dev, fn, PCI_VENDOR_ID);
    if ((id & 0xFFFF) == 0xFFFF)
        return;
    uint32_t class = raw_read32(bus, dev, fn, PCI_CLASS_REVISION);
    if (ndevices < MAX_DEVICES) {
        devices[ndevices++] = (struct pci_dev){
            .bus = bus,
            .dev = dev,
            .fn = fn,
            .vendor = (uint16_t)id,
            .device = (uint16_t)(id >> 16),
            .subsystem = (uint16_t)(raw_read32(bus, dev, fn, PCI_SUBSYSTEM_ID & 0xFC) >> 16),
            .class = (uint8_t)(class >> 24),
            .subclass = (uint8_t)(class >> 16),
            .header_type = (uint8_t)((raw_read32(bus, dev, fn, PCI_HEADER_TYPE & 0xFC) >> 16) & 0x7F),
        };
    }
    /* q35 puts pcie-root-port devices on bus 0; anything plugged into them lives behind. */
    if ((class >> 24) == CLASS_BRIDGE && ((class >> 16) & 0xFF) == SUBCLASS_P2P) {
        uint8_t secondary = (uint8_t)(raw_read32(bus, dev, fn, PCI_SECONDARY_BUS & 0xFC) >> 8);
        /* An unnumbered bridge reads 0; depth bounds a misprogrammed loop. */
        if (secondary > bus && depth < 8)
            scan_bus(secondary, depth + 1);
    }
}

static void scan_bus(uint8_t bus, unsigned depth)
{
    for (uint8_t dev = 0; dev < 32; dev++) {
        uint32_t id = raw_read32(bus, dev, 0, PCI_VENDOR_ID);
        if ((id & 0xFFFF) == 0xFFFF)
            continue;
        bool multi = (raw_read32(bus, dev, 0, PCI_HEADER_TYPE & 0xFC) >> 16) & 0x80;
        for (uint8_t fn = 0; fn < (multi ? 8 : 1); fn++)
            add_function(bus, dev, fn, depth);
    }
}

unsigned pci_scan(void)
{
    ndevices = 0;
    scan_bus(0, 0);
    return ndevices;
}

unsigned pci_count(void)
{
    return ndevices;
}

struct pci_dev *pci_get(unsigned i)
{
    return i < ndevices ? &devices[i] : 0;
}

struct pci_bar pci_read_bar(const struct pci_dev *d, unsigned index)
{
    struct pci_bar bar = { 0 };
    if (index > 5)
        return bar;
    uint8_t off = (uint8_t)(PCI_BAR0 + index * 4);
    uint32_t lo = pci_read32(d, off);
    if (lo & 1) {
        bar.io = true;
        bar.addr = lo & ~3u;
    } else {
        bar.addr = lo & ~0xFu;
        if (((lo >> 1) & 3) == 2 && index < 5)
            bar.addr |= (uint64_t)pci_read32(d, (uint8_t)(off + 4)) << 32;
    }
    bar.present = bar.addr != 0;
    return bar;
}

void pci_enable(const struct pci_dev *d, uint16_t command_bits)
{
    pci_write16(d, PCI_COMMAND, pci_read16(d, PCI_COMMAND) | command_bits);
}

uint8_t pci_next_cap(const struct pci_dev *d, uint8_t prev)
{
    uint8_t next;
    if (!prev) {
        if (!(pci_read16(d, PCI_STATUS) & PCI_STATUS_CAPS))
            return 0;
        next = pci_read8(d, PCI_CAPABILITIES);
    } else {
        next = pci_read8(d, (uint8_t)(prev + 1));
    }
    return next & 0xFC;
}

static unsigned bar_count(const struct pci_dev *d)
{
    return d->header_type == 0 ? 6 : d->header_type == 1 ? 2 : 0;
}

/* Size of BAR `index` by the usual write-all-ones probe, with decoding off meanwhile so the
 * device never answers at the bogus address. 0 if the BAR is not implemented. */
static uint64_t bar_size(const struct pci_dev *d, unsigned index, bool *is64)
{
    uint8_t off = (uint8_t)(PCI_BAR0 + index * 4);
    uint16_t cmd = pci_read16(d, PCI_COMMAND);
    pci_write16(d, PCI_COMMAND, cmd & (uint16_t)~(PCI_COMMAND_IO | PCI_COMMAND_MEMORY));
    uint32_t lo = pci_read32(d, off);
    pci_write32(d, off, 0xFFFFFFFFu);
    uint32_t lo_mask = pci_read32(d, off);
    pci_write32(d, off, lo);
    uint64_t size = 0;
    *is64 = false;
    if (lo & 1) {
        uint32_t mask = lo_mask & 0xFFFCu;
        size = mask ? (~mask & 0xFFFFu) + 1 : 0;
    } else if (lo_mask & ~0xFu) {
        uint64_t mask = lo_mask & ~0xFull;
        if (((lo >> 1) & 3) == 2 && index + 1 < bar_count(d)) {
            *is64 = true;
            uint8_t hi_off = (uint8_t)(off + 4);
            uint32_t hi = pci_read32(d, hi_off);
            pci_write32(d, hi_off, 0xFFFFFFFFu);
            mask |= (uint64_t)pci_read32(d, hi_off) << 32;
            pci_write32(d, hi_off, hi);
        } else {
            mask |= 0xFFFFFFFF00000000ull;
        }
        size = ~mask + 1;
    }
    pci_write16(d, PCI_COMMAND, cmd);
    return size;
}

static uint64_t io_next, mem_next;

/* Starts the allocation cursors above every BAR firmware did place, so ours cannot overlap. */
static void init_windows(void)
{
    io_next = IO_WINDOW_START;
    mem_next = MEM_WINDOW_START;
    for (unsigned i = 0; i < ndevices; i++) {
        const struct pci_dev *d = &devices[i];
        for (unsigned b = 0; b < bar_count(d); b++) {
            struct pci_bar bar = pci_read_bar(d, b);
            bool is64;
            if (bar.present) {
                uint64_t end = bar.addr + bar_size(d, b, &is64);
                if (bar.io && bar.addr >= IO_WINDOW_START && end > io_next)
                    io_next = end;
                if (!bar.io && bar.addr >= MEM_WINDOW_START && bar.addr < MEM_WINDOW_END &&
                    end > mem_next)
                    mem_next = end;
            }
            if (!bar.io && ((pci_read32(d, (uint8_t)(PCI_BAR0 + b * 4)) >> 1) & 3) == 2)
                b++; /* the upper half of a 64-bit BAR is not a BAR of its own */
        }
    }
}

struct pci_bar pci_assign_bar(const struct pci_dev *d, unsigned index)
{
    struct pci_bar bar = pci_read_bar(d, index);
    if (bar.present || index >= bar_count(d) || d->bus != 0)
        return bar;
    static bool windows_ready;
    if (!windows_ready) {
        init_windows();
        windows_ready = true;
    }
    bool is64;
    uint64_t size = bar_size(d, index, &is64);
    if (!size)
        return bar;
    uint64_t *next = bar.io ? &io_next : &mem_next;
    uint64_t end = bar.io ? IO_WINDOW_END : MEM_WINDOW_END;
    /* BARs are naturally aligned to their size. */
    uint64_t at = (*next + size - 1) & ~(size - 1);
    if (at + size > end)
        return bar;
    *next = at + size;
    uint8_t off = (uint8_t)(PCI_BAR0 + index * 4);
    uint32_t flags = pci_read32(d, off) & (bar.io ? 0x3u : 0xFu);
    pci_write32(d, off, (uint32_t)at | flags);
    if (is64)
        pci_write32(d, (uint8_t)(off + 4), 0);
    return pci_read_bar(d, index);
}
