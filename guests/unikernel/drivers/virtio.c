#include "virtio.h"

#include "../arch/io.h"
#include "../arch/paging.h"
#include "../kernel/clock.h"
#include "../kernel/memory.h"
#include "../kernel/panic.h"
#include "../lib/fmt.h"

/* Legacy PCI register block in I/O BAR0. The device config follows at 20, or at 24 once MSI-X is
 * enabled; we never enable MSI-X, so 20 it is. */
#define LEGACY_HOST_FEATURES   0x00
#define LEGACY_GUEST_FEATURES  0x04
#define LEGACY_QUEUE_PFN       0x08
#define LEGACY_QUEUE_NUM       0x0C
#define LEGACY_QUEUE_SEL       0x0E
#define LEGACY_QUEUE_NOTIFY    0x10
#define LEGACY_STATUS          0x12
#define LEGACY_CONFIG          0x14
/* Legacy devices (PCI and mmio v1) find the used ring from the ring's page number alone,
 * assuming this alignment. */
#define LEGACY_VRING_ALIGN     4096

/* Modern PCI common configuration structure (virtio 1.x, 4.1.4.3). */
#define COMMON_DFSELECT        0x00
#define COMMON_DF              0x04
#define COMMON_GFSELECT        0x08
#define COMMON_GF              0x0C
#define COMMON_STATUS          0x14
#define COMMON_Q_SELECT        0x16
#define COMMON_Q_SIZE          0x18
#define COMMON_Q_ENABLE        0x1C
#define COMMON_Q_NOFF          0x1E
#define COMMON_Q_DESCLO        0x20
#define COMMON_Q_DESCHI        0x24
#define COMMON_Q_AVAILLO       0x28
#define COMMON_Q_AVAILHI       0x2C
#define COMMON_Q_USEDLO        0x30
#define COMMON_Q_USEDHI        0x34

#define CAP_COMMON_CFG         1
#define CAP_NOTIFY_CFG         2
#define CAP_ISR_CFG            3
#define CAP_DEVICE_CFG         4

/* virtio-mmio registers (virtio 1.x, 4.2.2; the legacy-only ones from 4.2.4). */
#define MMIO_MAGIC             0x000
#define MMIO_VERSION           0x004
#define MMIO_DEVICE_ID         0x008
#define MMIO_DEVICE_FEATURES   0x010
#define MMIO_DEVICE_FEAT_SEL   0x014
#define MMIO_DRIVER_FEATURES   0x020
#define MMIO_DRIVER_FEAT_SEL   0x024
#define MMIO_GUEST_PAGE_SIZE   0x028 /* v1 */
#define MMIO_QUEUE_SEL         0x030
#define MMIO_QUEUE_NUM_MAX     0x034
#define MMIO_QUEUE_NUM         0x038
#define MMIO_QUEUE_ALIGN       0x03C /* v1 */
#define MMIO_QUEUE_PFN         0x040 /* v1 */
#define MMIO_QUEUE_READY       0x044 /* v2 */
#define MMIO_QUEUE_NOTIFY      0x050
#define MMIO_STATUS            0x070
#define MMIO_QUEUE_DESC_LO     0x080
#define MMIO_QUEUE_DESC_HI     0x084
#define MMIO_QUEUE_DRIVER_LO   0x090
#define MMIO_QUEUE_DRIVER_HI   0x094
#define MMIO_QUEUE_DEVICE_LO   0x0A0
#define MMIO_QUEUE_DEVICE_HI   0x0A4
#define MMIO_CONFIG            0x100
#define MMIO_MAGIC_VALUE       0x74726976 /* "virt" */

#define PCI_DEVICE_ID_MODERN_BASE     0x1040
#define PCI_DEVICE_ID_TRANSITIONAL_LO 0x1000
#define PCI_DEVICE_ID_TRANSITIONAL_HI 0x103F

/* A config-space capability list is at most 48 entries long (192 bytes / 4). */
#define MAX_CAPS 48

static const char *type_name(uint16_t type)
{
    switch (type) {
    case VIRTIO_ID_NET:
        return "virtio-net";
    case VIRTIO_ID_RNG:
        return "virtio-rng";
    default:
        return "virtio";
    }
}

uint16_t virtio_pci_device_type(const struct pci_dev *p)
{
    if (p->vendor != VIRTIO_PCI_VENDOR)
        return 0;
    if (p->device >= PCI_DEVICE_ID_MODERN_BASE)
        return (uint16_t)(p->device - PCI_DEVICE_ID_MODERN_BASE);
    /* Transitional devices carry the virtio type in the subsystem ID instead. */
    if (p->device >= PCI_DEVICE_ID_TRANSITIONAL_LO && p->device <= PCI_DEVICE_ID_TRANSITIONAL_HI)
        return p->subsystem;
    return 0;
}

const char *virtio_describe(const struct virtio_dev *v, char *buf, unsigned size)
{
    const struct pci_dev *p = v->pci;
    switch (v->transport) {
    case VIRTIO_PCI_LEGACY:
        fmt_snprintf(buf, size, "pci %02x:%02x.%x, legacy, io %#x", p->bus, p->dev, p->fn, v->io);
        break;
    case VIRTIO_PCI_MODERN:
        fmt_snprintf(buf, size, "pci %02x:%02x.%x, modern, mmio %#lx", p->bus, p->dev, p->fn,
                     (uint64_t)v->common);
        break;
    case VIRTIO_MMIO:
        fmt_snprintf(buf, size, "virtio-mmio %#lx, %s", (uint64_t)v->mmio,
                     v->mmio_version == 1 ? "legacy" : "modern");
        break;
    }
    return buf;
}

/* ---- register access, per transport ---- */

static void set_status(struct virtio_dev *v, uint8_t status)
{
    switch (v->transport) {
    case VIRTIO_PCI_LEGACY:
        outb((uint16_t)(v->io + LEGACY_STATUS), status);
        break;
    case VIRTIO_PCI_MODERN:
        mmio_write8(v->common + COMMON_STATUS, status);
        break;
    case VIRTIO_MMIO:
        mmio_write32(v->mmio + MMIO_STATUS, status);
        break;
    }
}

static uint8_t get_status(struct virtio_dev *v)
{
    switch (v->transport) {
    case VIRTIO_PCI_LEGACY:
        return inb((uint16_t)(v->io + LEGACY_STATUS));
    case VIRTIO_PCI_MODERN:
        return mmio_read8(v->common + COMMON_STATUS);
    case VIRTIO_MMIO:
        return (uint8_t)mmio_read32(v->mmio + MMIO_STATUS);
    }
    return 0;
}

static uint64_t device_features(struct virtio_dev *v)
{
    uint64_t lo, hi;
    switch (v->transport) {
    case VIRTIO_PCI_LEGACY:
        return inl((uint16_t)(v->io + LEGACY_HOST_FEATURES)); /* only 32 bits exist */
    case VIRTIO_PCI_MODERN:
        mmio_write32(v->common + COMMON_DFSELECT, 0);
        lo = mmio_read32(v->common + COMMON_DF);
        mmio_write32(v->common + COMMON_DFSELECT, 1);
        hi = mmio_read32(v->common + COMMON_DF);
        return hi << 32 | lo;
    case VIRTIO_MMIO:
        mmio_write32(v->mmio + MMIO_DEVICE_FEAT_SEL, 0);
        lo = mmio_read32(v->mmio + MMIO_DEVICE_FEATURES);
        mmio_write32(v->mmio + MMIO_DEVICE_FEAT_SEL, 1);
        hi = mmio_read32(v->mmio + MMIO_DEVICE_FEATURES);
        return hi << 32 | lo;
    }
    return 0;
}

static void driver_features(struct virtio_dev *v, uint64_t f)
{
    switch (v->transport) {
    case VIRTIO_PCI_LEGACY:
        outl((uint16_t)(v->io + LEGACY_GUEST_FEATURES), (uint32_t)f);
        break;
    case VIRTIO_PCI_MODERN:
        mmio_write32(v->common + COMMON_GFSELECT, 0);
        mmio_write32(v->common + COMMON_GF, (uint32_t)f);
        mmio_write32(v->common + COMMON_GFSELECT, 1);
        mmio_write32(v->common + COMMON_GF, (uint32_t)(f >> 32));
        break;
    case VIRTIO_MMIO:
        mmio_write32(v->mmio + MMIO_DRIVER_FEAT_SEL, 0);
        mmio_write32(v->mmio + MMIO_DRIVER_FEATURES, (uint32_t)f);
        mmio_write32(v->mmio + MMIO_DRIVER_FEAT_SEL, 1);
        mmio_write32(v->mmio + MMIO_DRIVER_FEATURES, (uint32_t)(f >> 32));
        break;
    }
}

/* Whether the device speaks virtio 1.x, which makes VERSION_1 and FEATURES_OK mandatory. */
static bool is_modern(const struct virtio_dev *v)
{
    return v->transport == VIRTIO_PCI_MODERN || (v->transport == VIRTIO_MMIO && v->mmio_version >= 2);
}

/* ---- opening ---- */

static void reset_and_acknowledge(struct virtio_dev *v)
{
    set_status(v, 0);
    /* A modern device may take time to finish the reset; it reads back 0 when done. */
    for (int spins = 0; get_status(v) != 0; spins++) {
        if (spins > 1000000)
            panic("%s: device did not reset", v->name);
        cpu_relax();
    }
    set_status(v, VIRTIO_STATUS_ACKNOWLEDGE);
    set_status(v, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
}

/* The address of a capability's window, or 0 if its BAR is unusable (unassigned, or I/O: QEMU can
 * put notifications in an I/O BAR, but only on request, and we do not handle that). */
static uintptr_t cap_window(struct virtio_dev *v, uint8_t cap)
{
    uint8_t bar_index = pci_read8(v->pci, (uint8_t)(cap + 4));
    uint32_t offset = pci_read32(v->pci, (uint8_t)(cap + 8));
    uint32_t length = pci_read32(v->pci, (uint8_t)(cap + 12));
    struct pci_bar bar = pci_assign_bar(v->pci, bar_index);
    if (!bar.present || bar.io)
        return 0;
    paging_map_mmio(bar.addr + offset, length);
    return (uintptr_t)(bar.addr + offset);
}

/* Records the modern windows; returns false if the device lacks any of the required ones. */
static bool find_modern_caps(struct virtio_dev *v)
{
    uint8_t cap = 0;
    for (int i = 0; i < MAX_CAPS && (cap = pci_next_cap(v->pci, cap)); i++) {
        if (pci_read8(v->pci, cap) != PCI_CAP_ID_VENDOR)
            continue;
        /* The spec lets a device offer several of a type, best first: keep the first. */
        switch (pci_read8(v->pci, (uint8_t)(cap + 3))) {
        case CAP_COMMON_CFG:
            if (!v->common)
                v->common = cap_window(v, cap);
            break;
        case CAP_NOTIFY_CFG:
            if (!v->notify) {
                v->notify = cap_window(v, cap);
                v->notify_multiplier = pci_read32(v->pci, (uint8_t)(cap + 16));
            }
            break;
        case CAP_ISR_CFG:
            if (!v->isr)
                v->isr = cap_window(v, cap);
            break;
        case CAP_DEVICE_CFG:
            if (!v->device)
                v->device = cap_window(v, cap);
            break;
        }
    }
    return v->common && v->notify && v->isr && v->device;
}

void virtio_open_pci(struct virtio_dev *v, struct pci_dev *p, bool prefer_modern)
{
    uint16_t type = virtio_pci_device_type(p);
    *v = (struct virtio_dev){ .type = type, .name = type_name(type), .pci = p };
    struct pci_bar bar0 = pci_assign_bar(p, 0);
    bool legacy = bar0.present && bar0.io;
    /* Only look for (and map) the modern windows when they might be used. */
    bool modern = (!legacy || prefer_modern) && find_modern_caps(v);
    if (legacy && !modern) {
        v->transport = VIRTIO_PCI_LEGACY;
        v->io = (uint16_t)bar0.addr;
    } else if (modern) {
        v->transport = VIRTIO_PCI_MODERN;
    } else {
        panic("%s at %02x:%02x.%x: neither a legacy I/O BAR nor usable modern capabilities",
              v->name, p->bus, p->dev, p->fn);
    }
    /* Bus mastering gates the device's DMA to our rings: without it QEMU drops every access. */
    pci_enable(p, PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
    reset_and_acknowledge(v);
}

uint16_t virtio_mmio_device_type(uintptr_t base)
{
    if (mmio_read32(base + MMIO_MAGIC) != MMIO_MAGIC_VALUE)
        return 0;
    uint32_t version = mmio_read32(base + MMIO_VERSION);
    uint32_t type = mmio_read32(base + MMIO_DEVICE_ID);
    if (version < 1 || version > 2 || type > 0xFFFF)
        return 0;
    /* Device ID 0 is an empty slot: microvm creates every transport whether or not it is used. */
    return (uint16_t)type;
}

void virtio_open_mmio(struct virtio_dev *v, uintptr_t base)
{
    uint16_t type = virtio_mmio_device_type(base);
    if (!type)
        panic("no virtio-mmio device at %#lx", (uint64_t)base);
    *v = (struct virtio_dev){
        .transport = VIRTIO_MMIO,
        .type = type,
        .name = type_name(type),
        .mmio = base,
        .mmio_version = mmio_read32(base + MMIO_VERSION),
    };
    reset_and_acknowledge(v);
    if (v->mmio_version == 1)
        mmio_write32(base + MMIO_GUEST_PAGE_SIZE, PAGE_SIZE);
}

/* ---- the handshake ---- */

uint64_t virtio_negotiate(struct virtio_dev *v, uint64_t wanted, uint64_t required)
{
    /* A 1.x device is only driven through the 1.x interface once VERSION_1 is agreed. */
    if (is_modern(v)) {
        wanted |= VIRTIO_F_VERSION_1;
        required |= VIRTIO_F_VERSION_1;
    }
    uint64_t offered = device_features(v);
    if ((offered & required) != required) {
        set_status(v, VIRTIO_STATUS_FAILED);
        panic("%s: device lacks required features (offered %#lx, required %#lx)", v->name, offered,
              required);
    }
    v->features = offered & wanted;
    driver_features(v, v->features);
    if (!is_modern(v))
        return v->features;
    set_status(v, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
    /* The device clears FEATURES_OK if it cannot work with the subset we picked. */
    if (!(get_status(v) & VIRTIO_STATUS_FEATURES_OK)) {
        set_status(v, VIRTIO_STATUS_FAILED);
        panic("%s: device rejected features %#lx", v->name, v->features);
    }
    return v->features;
}

static uint64_t align_up(uint64_t x, uint64_t a)
{
    return (x + a - 1) & ~(a - 1);
}

/* Selects queue `index` and returns the size to use, 0 if the queue does not exist. */
static uint16_t select_queue(struct virtio_dev *v, uint16_t index, uint16_t max_size)
{
    uint32_t size = 0;
    switch (v->transport) {
    case VIRTIO_PCI_LEGACY:
        outw((uint16_t)(v->io + LEGACY_QUEUE_SEL), index);
        return inw((uint16_t)(v->io + LEGACY_QUEUE_NUM));
    case VIRTIO_PCI_MODERN:
        mmio_write16(v->common + COMMON_Q_SELECT, index);
        size = mmio_read16(v->common + COMMON_Q_SIZE);
        break;
    case VIRTIO_MMIO:
        mmio_write32(v->mmio + MMIO_QUEUE_SEL, index);
        size = mmio_read32(v->mmio + MMIO_QUEUE_NUM_MAX);
        break;
    }
    return (uint16_t)(size > max_size ? max_size : size);
}

static void register_queue(struct virtio_dev *v, struct virtq *q, void *ring)
{
    uint64_t desc = (uintptr_t)q->desc, avail = (uintptr_t)q->avail, used = (uintptr_t)q->used;
    uintptr_t c = v->common, m = v->mmio;
    switch (v->transport) {
    case VIRTIO_PCI_LEGACY:
        outl((uint16_t)(v->io + LEGACY_QUEUE_PFN), (uint32_t)((uintptr_t)ring / PAGE_SIZE));
        break;
    case VIRTIO_PCI_MODERN:
        mmio_write16(c + COMMON_Q_SIZE, q->size);
        mmio_write32(c + COMMON_Q_DESCLO, (uint32_t)desc);
        mmio_write32(c + COMMON_Q_DESCHI, (uint32_t)(desc >> 32));
        mmio_write32(c + COMMON_Q_AVAILLO, (uint32_t)avail);
        mmio_write32(c + COMMON_Q_AVAILHI, (uint32_t)(avail >> 32));
        mmio_write32(c + COMMON_Q_USEDLO, (uint32_t)used);
        mmio_write32(c + COMMON_Q_USEDHI, (uint32_t)(used >> 32));
        q->notify_addr = v->notify + (uintptr_t)mmio_read16(c + COMMON_Q_NOFF) * v->notify_multiplier;
        mmio_write16(c + COMMON_Q_ENABLE, 1);
        break;
    case VIRTIO_MMIO:
        mmio_write32(m + MMIO_QUEUE_NUM, q->size);
        if (v->mmio_version == 1) {
            mmio_write32(m + MMIO_QUEUE_ALIGN, LEGACY_VRING_ALIGN);
            mmio_write32(m + MMIO_QUEUE_PFN, (uint32_t)((uintptr_t)ring / PAGE_SIZE));
            break;
        }
        mmio_write32(m + MMIO_QUEUE_DESC_LO, (uint32_t)desc);
        mmio_write32(m + MMIO_QUEUE_DESC_HI, (uint32_t)(desc >> 32));
        mmio_write32(m + MMIO_QUEUE_DRIVER_LO, (uint32_t)avail);
        mmio_write32(m + MMIO_QUEUE_DRIVER_HI, (uint32_t)(avail >> 32));
        mmio_write32(m + MMIO_QUEUE_DEVICE_LO, (uint32_t)used);
        mmio_write32(m + MMIO_QUEUE_DEVICE_HI, (uint32_t)(used >> 32));
        mmio_write32(m + MMIO_QUEUE_READY, 1);
        break;
    }
}

void virtio_queue_init(struct virtio_dev *v, struct virtq *q, uint16_t index, uint16_t max_size)
{
    uint16_t size = select_queue(v, index, max_size);
    if (!size)
        panic("%s: queue %u does not exist", v->name, index);

    /* The legacy layout (descriptors, avail ring, then the used ring on the next 4 KiB boundary)
     * also satisfies the modern alignment rules, so every transport shares it. */
    uint64_t used_off = align_up(16ull * size + 6 + 2ull * size, LEGACY_VRING_ALIGN);
    uint64_t bytes = used_off + align_up(6 + 8ull * size, LEGACY_VRING_ALIGN);
    uint8_t *ring = page_alloc(bytes / PAGE_SIZE);

    *q = (struct virtq){
        .dev = v,
        .index = index,
        .size = size,
        .desc = (struct virtq_desc *)ring,
        .avail = (struct virtq_avail *)(ring + 16ull * size),
        .used = (struct virtq_used *)(ring + used_off),
        .num_free = size,
    };
    for (uint16_t i = 0; i + 1 < size; i++)
        q->desc[i].next = (uint16_t)(i + 1);
    /* We poll the used ring, so interrupts would only cost the device work. */
    q->avail->flags = VIRTQ_AVAIL_F_NO_INTERRUPT;
    register_queue(v, q, ring);
}

void virtio_driver_ok(struct virtio_dev *v)
{
    uint8_t s = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_DRIVER_OK;
    if (is_modern(v))
        s |= VIRTIO_STATUS_FEATURES_OK;
    memory_fence();
    set_status(v, s);
}

uint8_t virtio_config_read8(struct virtio_dev *v, unsigned off)
{
    switch (v->transport) {
    case VIRTIO_PCI_LEGACY:
        return inb((uint16_t)(v->io + LEGACY_CONFIG + off));
    case VIRTIO_PCI_MODERN:
        return mmio_read8(v->device + off);
    case VIRTIO_MMIO:
        return mmio_read8(v->mmio + MMIO_CONFIG + off);
    }
    return 0;
}

/* ---- virtqueues ---- */

int virtq_add(struct virtq *q, const void *buf, uint32_t len, bool device_writes)
{
    if (!q->num_free)
        return -1;
    uint16_t id = q->free_head;
    struct virtq_desc *d = &q->desc[id];
    q->free_head = d->next;
    q->num_free--;
    d->addr = (uintptr_t)buf;
    d->len = len;
    d->flags = device_writes ? VIRTQ_DESC_F_WRITE : 0;
    d->next = 0;
    q->avail->ring[q->avail_idx % q->size] = id;
    q->avail_idx++;
    return id;
}

void virtq_kick(struct virtq *q)
{
    /* Descriptors and ring slots must be visible before the index that publishes them, and the
     * index before the notification that makes the device look. */
    memory_fence();
    *(volatile uint16_t *)&q->avail->idx = q->avail_idx;
    memory_fence();
    struct virtio_dev *v = q->dev;
    switch (v->transport) {
    case VIRTIO_PCI_LEGACY:
        outw((uint16_t)(v->io + LEGACY_QUEUE_NOTIFY), q->index);
        break;
    case VIRTIO_PCI_MODERN:
        mmio_write16(q->notify_addr, q->index);
        break;
    case VIRTIO_MMIO:
        mmio_write32(v->mmio + MMIO_QUEUE_NOTIFY, q->index);
        break;
    }
}

int virtq_pop(struct virtq *q, uint32_t *len)
{
    if (q->last_used == *(volatile uint16_t *)&q->used->idx)
        return -1;
    /* Read the element only after seeing the index that covers it. */
    memory_fence();
    struct virtq_used_elem e = q->used->ring[q->last_used % q->size];
    q->last_used++;
    if (e.id >= q->size)
        panic("%s: device returned bad descriptor id %u on queue %u", q->dev->name, e.id, q->index);
    q->desc[e.id].next = q->free_head;
    q->free_head = (uint16_t)e.id;
    q->num_free++;
    if (len)
        *len = e.len;
    return (int)e.id;
}

int virtq_wait(struct virtq *q, uint32_t *len, unsigned timeout_ms)
{
    uint64_t start = clock_uptime_ms();
    for (;;) {
        int id = virtq_pop(q, len);
        if (id >= 0)
            return id;
        if (clock_uptime_ms() - start > timeout_ms)
            panic("%s: no answer on queue %u after %u ms", q->dev->name, q->index, timeout_ms);
        cpu_relax();
    }
}
