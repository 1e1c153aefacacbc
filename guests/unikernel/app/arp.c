#include "arp.h"
#include "ipv4.h"

#include <stdbool.h>

#define ETHERTYPE_ARP   0x0806
#define ARP_HTYPE_ETHER 1
#define ARP_PTYPE_IPV4  0x0800
#define ARP_REQUEST     1
#define ARP_REPLY       2
#define ETH_MIN_FRAME   60 /* without FCS; shorter frames must be padded */
#define REPLY_WAIT_MS   2000

struct __attribute__((packed)) arp_frame {
    uint8_t dst[6], src[6];
    uint8_t type[2];
    uint8_t htype[2], ptype[2];
    uint8_t hlen, plen;
    uint8_t op[2];
    uint8_t sha[6], spa[4];
    uint8_t tha[6], tpa[4];
    uint8_t pad[ETH_MIN_FRAME - 42];
};

static void put16(uint8_t p[2], uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static uint16_t get16(const uint8_t p[2])
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static bool same(const uint8_t *a, const uint8_t *b, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        if (a[i] != b[i])
            return false;
    return true;
}

void arp_probe(const char *ip, const uint8_t mac[UK_MAC_LEN])
{
    uint8_t target[4];
    if (!parse_ipv4(ip, target)) {
        uk_printf("unikernel: arp: '%s' is not an IPv4 address\n", ip);
        return;
    }
    /* Any unused address on the target's /24 will do as ours: user-mode networking answers ARP
     * for its gateway whatever the sender claims to be. */
    uint8_t self[4] = { target[0], target[1], target[2], target[3] == 15 ? 16 : 15 };

    struct arp_frame req = { 0 };
    for (int i = 0; i < 6; i++) {
        req.dst[i] = 0xFF;
        req.src[i] = req.sha[i] = mac[i];
    }
    put16(req.type, ETHERTYPE_ARP);
    put16(req.htype, ARP_HTYPE_ETHER);
    put16(req.ptype, ARP_PTYPE_IPV4);
    req.hlen = 6;
    req.plen = 4;
    put16(req.op, ARP_REQUEST);
    for (int i = 0; i < 4; i++) {
        req.spa[i] = self[i];
        req.tpa[i] = target[i];
    }
    uk_net_send(&req, sizeof(req));

    uint64_t start = uk_uptime_ms();
    unsigned frames = 0;
    while (uk_uptime_ms() - start < REPLY_WAIT_MS) {
        struct arp_frame rep;
        size_t len = uk_net_poll(&rep, sizeof(rep));
        if (!len)
            continue;
        frames++;
        if (len < 42 || get16(rep.type) != ETHERTYPE_ARP || get16(rep.op) != ARP_REPLY ||
            !same(rep.spa, target, 4))
            continue;
        uk_printf("unikernel: arp %s is-at %02x:%02x:%02x:%02x:%02x:%02x\n", ip, rep.sha[0],
                  rep.sha[1], rep.sha[2], rep.sha[3], rep.sha[4], rep.sha[5]);
        return;
    }
    uk_printf("unikernel: arp %s: no reply in %u ms (%u other frames)\n", ip, REPLY_WAIT_MS, frames);
}
