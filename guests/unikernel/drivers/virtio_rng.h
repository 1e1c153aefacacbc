/* virtio-rng (entropy device): one request queue; we post a buffer, the device fills it with
 * bytes from the host's RNG backend (QEMU's default is /dev/urandom). */
#ifndef UK_VIRTIO_RNG_H
#define UK_VIRTIO_RNG_H

#include <stdbool.h>
#include <stddef.h>

#include "virtio.h"

/* Takes over a device that virtio_open_* has opened. */
void virtio_rng_attach(const struct virtio_dev *opened);
bool virtio_rng_present(void);
void virtio_rng_read(void *out, size_t len);

#endif
