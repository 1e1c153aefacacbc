/* PCI configuration space through the legacy 0xCF8/0xCFC ports, which both pc (i440FX) and q35
 * (ICH9, which also has ECAM) decode. Enumeration follows bridges from bus 0, relying on firmware
 * to have numbered the buses and assigned the BARs, as SeaBIOS does on both machines. */
#ifndef UK_PCI_H
#define UK_PCI_H

#include <stdbool.h>
#include <stdint.h>

#define PCI_VENDOR_ID       0x00
#define PCI_DEVICE_ID       0x02
#define PCI_COMMAND         0x04
#define PCI_STATUS          0x06
#define PCI_CLASS_REVISION  0x08
#define PCI_HEADER_TYPE     0x0E
#define PCI_BAR0            0x10
#define PCI_SECONDARY_BUS   0x19
#define PCI_SUBSYSTEM_ID    0x2E
#define PCI_CAPABILITIES    0x34

#define PCI_COMMAND_IO      (1u << 0)
#define PCI_COMMAND_MEMORY  (1u << 1)
#define PCI_COMMAND_MASTER  (1u << 2)
#define PCI_STATUS_CAPS     (1u << 4)

#define PCI_CAP_ID_VENDOR   0x09

struct pci_dev {
    uint8_t bus, dev, fn;
    uint16_t vendor, device;
    uint16_t subsystem;
    uint8_t class, subclass;
    uint8_t header_type; /* 0 = device (6 BARs), 1 = PCI-PCI bridge (2 BARs) */
};

struct pci_bar {
    uint64_t addr;
    bool io;
    bool present;
};

/* Fills the device table; returns the number of functions found. */
unsigned pci_scan(void);
unsigned pci_count(void);
struct pci_dev *pci_get(unsigned i);

uint8_t pci_read8(const struct pci_dev *d, uint8_t off);
uint16_t pci_read16(const struct pci_dev *d, uint8_t off);
uint32_t pci_read32(const struct pci_dev *d, uint8_t off);
void pci_write16(const struct pci_dev *d, uint8_t off, uint16_t v);
void pci_write32(const struct pci_dev *d, uint8_t off, uint32_t v);

/* Decodes BAR `index`, joining the two halves of a 64-bit memory BAR. */
struct pci_bar pci_read_bar(const struct pci_dev *d, unsigned index);
void pci_enable(const struct pci_dev *d, uint16_t command_bits);

/* Gives BAR `index` an address if firmware left it unassigned, as qboot does (it leaves BAR
 * placement to Linux). Only devices on bus 0 are handled: behind a bridge the bridge's windows
 * would need programming too. Returns the BAR, which is not present if the function does not
 * implement it or the window is full. */
struct pci_bar pci_assign_bar(const struct pci_dev *d, unsigned index);

/* Walks the capability list: pass 0 to get the first, a previous result to get the next.
 * Returns the capability's config-space offset, or 0 at the end. */
uint8_t pci_next_cap(const struct pci_dev *d, uint8_t prev);

#endif
