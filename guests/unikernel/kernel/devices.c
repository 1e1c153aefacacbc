#include "devices.h"

#include <stdint.h>

#include "../drivers/pci.h"
#include "../drivers/virtio.h"
#include "../drivers/virtio_net.h"
#include "../drivers/virtio_rng.h"
#include "console.h"
#include "panic.h"

/* QEMU's microvm has no PCI bus; it creates 24 virtio-mmio transports of 512 bytes from this
 * address (hw/i386/microvm.h) and describes them only in ACPI or on a Linux command line. Probing
 * the fixed window is far less code than an AML interpreter, and a register block without a device
 * answers with device ID 0. */
#define MICROVM_VIRTIO_MMIO_BASE  0xFEB00000u
#define MICROVM_VIRTIO_MMIO_SLOTS 24
#define MICROVM_VIRTIO_MMIO_SIZE  0x200

static void attach(const struct virtio_dev *v)
{
    switch (v->type) {
    case VIRTIO_ID_NET:
        if (!virtio_net_present())
            virtio_net_attach(v);
        break;
    case VIRTIO_ID_RNG:
        if (!virtio_rng_present())
            virtio_rng_attach(v);
        break;
    }
}

static bool wanted(uint16_t type)
{
    return (type == VIRTIO_ID_NET && !virtio_net_present()) ||
           (type == VIRTIO_ID_RNG && !virtio_rng_present());
}

void devices_attach(bool prefer_modern)
{
    struct virtio_dev v;
    unsigned n = pci_scan();
    for (unsigned i = 0; i < n; i++) {
        struct pci_dev *p = pci_get(i);
        /* Opening resets the device, so only open what a driver will take. */
        if (wanted(virtio_pci_device_type(p))) {
            virtio_open_pci(&v, p, prefer_modern);
            attach(&v);
        }
    }

    unsigned mmio_found = 0;
    if (n == 0) {
        for (unsigned i = 0; i < MICROVM_VIRTIO_MMIO_SLOTS; i++) {
            uintptr_t base = MICROVM_VIRTIO_MMIO_BASE + i * MICROVM_VIRTIO_MMIO_SIZE;
            uint16_t type = virtio_mmio_device_type(base);
            if (type)
                mmio_found++;
            if (wanted(type)) {
                virtio_open_mmio(&v, base);
                attach(&v);
            }
        }
    }

    /* A VMM without these devices (the bare profile: console only) is a platform to run on, not an
     * error: the application is told what is missing and the ready line names what was found. */
    if (!virtio_net_present() || !virtio_rng_present())
        kprintf("unikernel: devices: %s%s%s (%u PCI functions, %u virtio-mmio devices probed)\n",
                virtio_net_present() ? "" : "no virtio-net",
                !virtio_net_present() && !virtio_rng_present() ? ", " : "",
                virtio_rng_present() ? "" : "no virtio-rng", n, mmio_found);
}
