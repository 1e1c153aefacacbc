#include "virtio_rng.h"

#include "../kernel/console.h"
#include "../kernel/memory.h"
#include "../kernel/panic.h"
#include "../lib/string.h"
#include "virtio.h"

#define REQUEST_QUEUE 0
#define QUEUE_MAX     64
#define WAIT_MS       5000
/* A device may legitimately hand back fewer bytes than asked (even none); this bounds a device that
 * never makes progress. */
#define MAX_EMPTY_REPLIES 16

static struct virtio_dev dev;
static struct virtq queue;
static uint8_t *dma_buf; /* one page, device-writable; copied out so callers may use any memory */
static bool attached;

void virtio_rng_attach(const struct virtio_dev *opened)
{
    dev = *opened;
    virtio_negotiate(&dev, 0, 0);
    virtio_queue_init(&dev, &queue, REQUEST_QUEUE, QUEUE_MAX);
    dma_buf = page_alloc(1);
    virtio_driver_ok(&dev);
    attached = true;
    char how[40];
    kprintf("unikernel: virtio-rng (%s), queue %u entries\n", virtio_describe(&dev, how, sizeof(how)),
            queue.size);
}

bool virtio_rng_present(void)
{
    return attached;
}

void virtio_rng_read(void *out, size_t len)
{
    uint8_t *dst = out;
    int empty = 0;
    if (!attached)
        panic("virtio-rng: read before attach");
    while (len) {
        uint32_t want = len > PAGE_SIZE ? PAGE_SIZE : (uint32_t)len;
        if (virtq_add(&queue, dma_buf, want, true) < 0)
            panic("virtio-rng: request queue full");
        virtq_kick(&queue);
        uint32_t got = 0;
        virtq_wait(&queue, &got, WAIT_MS);
        if (got > want)
            got = want;
        if (!got && ++empty > MAX_EMPTY_REPLIES)
            panic("virtio-rng: device keeps returning no data");
        memcpy(dst, dma_buf, got);
        dst += got;
        len -= got;
    }
}
