/* virtio: the status/feature handshake and split virtqueues, over three transports.
 *
 * - Legacy virtio-pci (registers in I/O BAR0): the simplest, and what QEMU's transitional devices
 *   offer on pc and on q35's root bus. Used whenever present, unless the command line says
 *   virtio=modern.
 * - Modern virtio-pci (virtio 1.x, registers located through vendor capabilities in a memory BAR):
 *   what a device has when legacy is off (disable-legacy=on, or behind a q35 PCIe root port).
 * - virtio-mmio (version 1 legacy or version 2): microvm's devices, which has no PCI bus.
 *
 * Drivers see one interface and never ask which transport they sit on. Devices are polled;
 * interrupts stay off. */
#ifndef UK_VIRTIO_H
#define UK_VIRTIO_H

#include <stdbool.h>
#include <stdint.h>

#include "pci.h"

#define VIRTIO_PCI_VENDOR           0x1AF4
#define VIRTIO_ID_NET               1
#define VIRTIO_ID_RNG               4

#define VIRTIO_STATUS_ACKNOWLEDGE   1
#define VIRTIO_STATUS_DRIVER        2
#define VIRTIO_STATUS_DRIVER_OK     4
#define VIRTIO_STATUS_FEATURES_OK   8
#define VIRTIO_STATUS_FAILED        128

#define VIRTIO_F_VERSION_1          (1ull << 32)

#define VIRTQ_DESC_F_WRITE          2
#define VIRTQ_AVAIL_F_NO_INTERRUPT  1

struct virtq_desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
};

struct virtq_avail {
    uint16_t flags;
    uint16_t idx;
    uint16_t ring[];
};

struct virtq_used_elem {
    uint32_t id;
    uint32_t len;
};

struct virtq_used {
    uint16_t flags;
    uint16_t idx;
    struct virtq_used_elem ring[];
};

enum virtio_transport { VIRTIO_PCI_LEGACY, VIRTIO_PCI_MODERN, VIRTIO_MMIO };

struct virtio_dev {
    enum virtio_transport transport;
    uint16_t type;          /* VIRTIO_ID_* */
    const char *name;       /* for messages; set by virtio_open_* from the type */
    struct pci_dev *pci;    /* PCI transports */
    uint16_t io;            /* legacy PCI: I/O BAR0 base */
    uintptr_t common;       /* modern PCI: the four capability windows */
    uintptr_t notify;
    uintptr_t isr;
    uintptr_t device;
    uint32_t notify_multiplier;
    uintptr_t mmio;         /* virtio-mmio: register block */
    uint32_t mmio_version;  /* 1 = legacy, 2 = virtio 1.x */
    uint64_t features;      /* negotiated */
};

struct virtq {
    struct virtio_dev *dev;
    uint16_t index;
    uint16_t size;
    struct virtq_desc *desc;
    struct virtq_avail *avail;
    struct virtq_used *used;
    uint16_t free_head;
    uint16_t num_free;
    uint16_t avail_idx;     /* our copy; the shared one is only written on kick */
    uint16_t last_used;
    uintptr_t notify_addr;  /* modern PCI only */
};

/* The virtio device type (VIRTIO_ID_*) of a PCI function, or 0 if it is not virtio. */
uint16_t virtio_pci_device_type(const struct pci_dev *p);

/* The device type behind a virtio-mmio register block, or 0 if there is none. Reads only. */
uint16_t virtio_mmio_device_type(uintptr_t base);

/* Both openers choose the register interface, reset the device and set ACKNOWLEDGE|DRIVER. */
void virtio_open_pci(struct virtio_dev *v, struct pci_dev *p, bool prefer_modern);
void virtio_open_mmio(struct virtio_dev *v, uintptr_t base);

/* Accepts `wanted` ∩ offered; panics if something in `required` is not offered. */
uint64_t virtio_negotiate(struct virtio_dev *v, uint64_t wanted, uint64_t required);
/* Allocates and registers queue `index` with at most `max_size` entries (a power of two) where
 * the transport lets the driver choose; legacy PCI dictates the size. */
void virtio_queue_init(struct virtio_dev *v, struct virtq *q, uint16_t index, uint16_t max_size);
void virtio_driver_ok(struct virtio_dev *v);
uint8_t virtio_config_read8(struct virtio_dev *v, unsigned off);
/* Where and how the device is driven, for the attach log line. */
const char *virtio_describe(const struct virtio_dev *v, char *buf, unsigned size);

/* Queues a single-descriptor buffer; returns its descriptor id, or -1 if the ring is full. The
 * device sees it only after virtq_kick. */
int virtq_add(struct virtq *q, const void *buf, uint32_t len, bool device_writes);
void virtq_kick(struct virtq *q);
/* Takes one completed buffer off the used ring: its descriptor id, or -1 if none is ready. */
int virtq_pop(struct virtq *q, uint32_t *len);
/* Spins until a buffer completes; panics after `timeout_ms` (kernel/clock.h: needs clock_init). */
int virtq_wait(struct virtq *q, uint32_t *len, unsigned timeout_ms);

#endif
