/* virtio-net: receive queue 0 and transmit queue 1, receive buffers posted up front, the MAC read
 * from device config. Frames are whole Ethernet frames without FCS. */
#ifndef UK_VIRTIO_NET_H
#define UK_VIRTIO_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "virtio.h"

#define ETH_ALEN      6
#define ETH_FRAME_MAX 1514

/* Takes over a device that virtio_open_* has opened. */
void virtio_net_attach(const struct virtio_dev *opened);
bool virtio_net_present(void);
void virtio_net_mac(uint8_t mac[ETH_ALEN]);
/* Blocks until the device has consumed the frame. */
void virtio_net_send(const void *frame, size_t len);
/* Copies one received frame into `out` (truncated to `cap`) and returns its length, or returns 0
 * at once if nothing has arrived. */
size_t virtio_net_poll(void *out, size_t cap);

#endif
