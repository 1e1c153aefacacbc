#include "virtio_net.h"

#include "../kernel/console.h"
#include "../kernel/memory.h"
#include "../kernel/panic.h"
#include "../lib/string.h"
#include "virtio.h"

#define RX_QUEUE          0
#define TX_QUEUE          1
#define QUEUE_MAX         256
#define RX_BUFFERS        32
#define RX_BUFFER_SIZE    2048 /* header + 1514-byte frame, rounded to pack two per page */
#define VIRTIO_NET_F_MAC  (1ull << 5)
/* virtio_net_hdr: 10 bytes for legacy without MRG_RXBUF; VERSION_1 always adds num_buffers. */
#define HDR_LEN_LEGACY    10
#define HDR_LEN_MODERN    12
#define TX_WAIT_MS        5000

static struct virtio_dev dev;
static struct virtq rxq, txq;
static uint8_t **rx_by_desc; /* descriptor id -> its buffer, to repost after receive */
static uint8_t *tx_buf;
static size_t hdr_len;
static uint8_t mac[ETH_ALEN];
static bool attached;

static void post_rx(uint8_t *buf)
{
    int id = virtq_add(&rxq, buf, RX_BUFFER_SIZE, true);
    if (id < 0)
        panic("virtio-net: receive queue full");
    rx_by_desc[id] = buf;
}

void virtio_net_attach(const struct virtio_dev *opened)
{
    dev = *opened;
    /* MAC is the only feature we ask for: no offloads, no mergeable buffers, no control queue. */
    virtio_negotiate(&dev, VIRTIO_NET_F_MAC, VIRTIO_NET_F_MAC);
    hdr_len = dev.features & VIRTIO_F_VERSION_1 ? HDR_LEN_MODERN : HDR_LEN_LEGACY;

    virtio_queue_init(&dev, &rxq, RX_QUEUE, QUEUE_MAX);
    virtio_queue_init(&dev, &txq, TX_QUEUE, QUEUE_MAX);

    rx_by_desc = mem_alloc(rxq.size * sizeof(*rx_by_desc), sizeof(*rx_by_desc));
    uint8_t *rx_pool = page_alloc(RX_BUFFERS * RX_BUFFER_SIZE / PAGE_SIZE);
    unsigned n = RX_BUFFERS < rxq.size ? RX_BUFFERS : rxq.size;
    for (unsigned i = 0; i < n; i++)
        post_rx(rx_pool + i * RX_BUFFER_SIZE);
    tx_buf = page_alloc(1);

    for (int i = 0; i < ETH_ALEN; i++)
        mac[i] = virtio_config_read8(&dev, (unsigned)i);

    virtio_driver_ok(&dev);
    /* Buffers may be queued before DRIVER_OK, but the device is only told after it. */
    virtq_kick(&rxq);
    attached = true;
    char how[40];
    kprintf("unikernel: virtio-net (%s), rx %u/%u buffers posted, tx %u entries\n",
            virtio_describe(&dev, how, sizeof(how)), n, rxq.size, txq.size);
}

bool virtio_net_present(void)
{
    return attached;
}

void virtio_net_mac(uint8_t out[ETH_ALEN])
{
    memcpy(out, mac, ETH_ALEN);
}

void virtio_net_send(const void *frame, size_t len)
{
    if (!attached)
        panic("virtio-net: send before attach");
    if (len > ETH_FRAME_MAX)
        panic("virtio-net: frame of %zu bytes is too long", len);
    /* A zeroed header: no checksum offload, no segmentation. */
    memset(tx_buf, 0, hdr_len);
    memcpy(tx_buf + hdr_len, frame, len);
    if (virtq_add(&txq, tx_buf, (uint32_t)(hdr_len + len), false) < 0)
        panic("virtio-net: transmit queue full");
    virtq_kick(&txq);
    virtq_wait(&txq, NULL, TX_WAIT_MS);
}

size_t virtio_net_poll(void *out, size_t cap)
{
    uint32_t used_len;
    int id = attached ? virtq_pop(&rxq, &used_len) : -1;
    if (id < 0)
        return 0;
    uint8_t *buf = rx_by_desc[id];
    size_t len = used_len > hdr_len ? used_len - hdr_len : 0;
    if (len > cap)
        len = cap;
    memcpy(out, buf + hdr_len, len);
    post_rx(buf);
    virtq_kick(&rxq);
    return len;
}
