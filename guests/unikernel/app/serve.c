#include "serve.h"
#include "ipv4.h"

#include <stdbool.h>
#include <stddef.h>

#include "../lib/string.h"

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_ARP  0x0806
#define IPPROTO_TCP    6
#define TCP_FIN        0x01
#define TCP_SYN        0x02
#define TCP_RST        0x04
#define TCP_PSH        0x08
#define TCP_ACK        0x10
#define ETH_HDR        14
#define IP_HDR         20
#define TCP_HDR        20
#define FRAME_MAX      1514
/* Our initial sequence number; fixed, since every connection is answered statelessly. */
#define ISS            0x10000000u

static const char BANNER[] = "bootlab-unikernel\r\n";
static const char PAGE[] = "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 18\r\n"
                           "Connection: close\r\n\r\nbootlab-unikernel\n";

static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t get32(const uint8_t *p) { return (uint32_t)get16(p) << 16 | get16(p + 2); }
static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t)(v >> 16)); put16(p + 2, (uint16_t)v); }

static uint32_t sum16(const uint8_t *p, size_t len, uint32_t acc)
{
    for (size_t i = 0; i + 1 < len; i += 2)
        acc += get16(p + i);
    if (len & 1)
        acc += (uint32_t)p[len - 1] << 8;
    return acc;
}

static uint16_t fold(uint32_t acc)
{
    while (acc >> 16)
        acc = (acc & 0xFFFF) + (acc >> 16);
    return (uint16_t)~acc;
}

static struct {
    uint8_t ip[4];
    uint8_t mac[UK_MAC_LEN];
} self;

static void answer_arp(const uint8_t *f, size_t len)
{
    /* htype 1, ptype IPv4, request, for our address */
    if (len < ETH_HDR + 28 || get16(f + 16) != ETHERTYPE_IPV4 || get16(f + 20) != 1 ||
        memcmp(f + 38, self.ip, 4) != 0)
        return;
    uint8_t r[60] = { 0 };
    memcpy(r, f + 6, 6);
    memcpy(r + 6, self.mac, 6);
    put16(r + 12, ETHERTYPE_ARP);
    memcpy(r + 14, f + 14, 6); /* htype, ptype, hlen, plen */
    put16(r + 20, 2);
    memcpy(r + 22, self.mac, 6);
    memcpy(r + 28, self.ip, 4);
    memcpy(r + 32, f + 22, 10); /* their MAC and IP */
    uk_net_send(r, sizeof(r));
}

/* Sends one TCP segment back to the sender of frame `f` (whose IP header is at `ip`, TCP at `tcp`). */
static void reply(const uint8_t *f, const uint8_t *ip, const uint8_t *tcp, uint32_t seq, uint32_t ack,
                  uint8_t flags, const char *data, size_t dlen)
{
    uint8_t r[FRAME_MAX] = { 0 };
    size_t tlen = TCP_HDR + dlen, total = IP_HDR + tlen;
    memcpy(r, f + 6, 6);
    memcpy(r + 6, self.mac, 6);
    put16(r + 12, ETHERTYPE_IPV4);
    uint8_t *rip = r + ETH_HDR, *rt = rip + IP_HDR;
    rip[0] = 0x45;
    put16(rip + 2, (uint16_t)total);
    rip[8] = 64;
    rip[9] = IPPROTO_TCP;
    memcpy(rip + 12, self.ip, 4);
    memcpy(rip + 16, ip + 12, 4);
    put16(rip + 10, fold(sum16(rip, IP_HDR, 0)));
    memcpy(rt, tcp + 2, 2); /* our port = their destination */
    memcpy(rt + 2, tcp, 2);
    put32(rt + 4, seq);
    put32(rt + 8, ack);
    rt[12] = (TCP_HDR / 4) << 4;
    rt[13] = flags;
    put16(rt + 14, 8192);
    memcpy(rt + TCP_HDR, data, dlen);
    uint32_t pseudo = sum16(rip + 12, 8, 0) + IPPROTO_TCP + (uint32_t)tlen;
    put16(rt + 16, fold(sum16(rt, tlen, pseudo)));
    size_t flen = ETH_HDR + total;
    uk_net_send(r, flen < 60 ? 60 : flen);
}

static bool has_blank_line(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i + 3 < n; i++)
        if (p[i] == '\r' && p[i + 1] == '\n' && p[i + 2] == '\r' && p[i + 3] == '\n')
            return true;
    return false;
}

/* Announces our address (gratuitous ARP) so the user network can deliver connections at once: without
 * it, a SYN forwarded before the guest was up waits for the network's own ARP retry, seconds later. */
static void announce(void)
{
    uint8_t r[60] = { 0 };
    memset(r, 0xFF, 6);
    memcpy(r + 6, self.mac, 6);
    put16(r + 12, ETHERTYPE_ARP);
    put16(r + 14, 1);
    put16(r + 16, ETHERTYPE_IPV4);
    r[18] = 6;
    r[19] = 4;
    put16(r + 20, 1);
    memcpy(r + 22, self.mac, 6);
    memcpy(r + 28, self.ip, 4);
    memcpy(r + 38, self.ip, 4);
    uk_net_send(r, sizeof(r));
}

enum sent { SENT_NOTHING, SENT_BANNER, SENT_PAGE };

/* What went out in answer to one frame. */
static enum sent answer_tcp(const uint8_t *f, size_t len)
{
    const uint8_t *ip = f + ETH_HDR;
    if (len < ETH_HDR + IP_HDR + TCP_HDR || (ip[0] >> 4) != 4 || ip[9] != IPPROTO_TCP ||
        memcmp(ip + 16, self.ip, 4) != 0)
        return SENT_NOTHING;
    size_t ihl = (size_t)(ip[0] & 0xF) * 4, total = get16(ip + 2);
    if (total > len - ETH_HDR || total < ihl + TCP_HDR)
        return SENT_NOTHING;
    const uint8_t *tcp = ip + ihl;
    size_t thl = (size_t)(tcp[12] >> 4) * 4;
    if (total < ihl + thl)
        return SENT_NOTHING;
    const uint8_t *payload = tcp + thl;
    size_t plen = total - ihl - thl;
    uint16_t port = get16(tcp + 2);
    uint32_t seq = get32(tcp + 4), ack = get32(tcp + 8);
    uint8_t flags = tcp[13];

    if (flags & TCP_RST)
        return SENT_NOTHING;
    if (port != SERVE_BANNER_PORT && port != SERVE_HTTP_PORT) {
        reply(f, ip, tcp, 0, seq + (uint32_t)plen + ((flags & TCP_SYN) ? 1 : 0), TCP_RST | TCP_ACK, NULL, 0);
        return SENT_NOTHING;
    }
    if (flags & TCP_SYN) {
        reply(f, ip, tcp, ISS, seq + 1, TCP_SYN | TCP_ACK, NULL, 0);
        return SENT_NOTHING;
    }
    if (!(flags & TCP_ACK))
        return SENT_NOTHING;
    /* The handshake's last ACK: the banner port speaks first. */
    if (port == SERVE_BANNER_PORT && ack == ISS + 1 && plen == 0 && !(flags & TCP_FIN)) {
        reply(f, ip, tcp, ISS + 1, seq, TCP_ACK | TCP_PSH | TCP_FIN, BANNER, sizeof(BANNER) - 1);
        return SENT_BANNER;
    }
    if (port == SERVE_HTTP_PORT && plen > 0 && ack == ISS + 1) {
        if (!has_blank_line(payload, plen)) {
            reply(f, ip, tcp, ack, seq + (uint32_t)plen, TCP_ACK, NULL, 0);
            return SENT_NOTHING;
        }
        reply(f, ip, tcp, ack, seq + (uint32_t)plen, TCP_ACK | TCP_PSH | TCP_FIN, PAGE, sizeof(PAGE) - 1);
        return SENT_PAGE;
    }
    if (flags & TCP_FIN)
        reply(f, ip, tcp, ack, seq + (uint32_t)plen + 1, TCP_ACK, NULL, 0);
    return SENT_NOTHING;
}

void serve(const char *ip, const uint8_t mac[UK_MAC_LEN], unsigned responses)
{
    if (!parse_ipv4(ip, self.ip)) {
        uk_printf("unikernel: serve: '%s' is not an IPv4 address\n", ip);
        return;
    }
    memcpy(self.mac, mac, UK_MAC_LEN);
    uk_printf("unikernel: serving on %s tcp/%d (banner) tcp/%d (http)\n", ip, SERVE_BANNER_PORT,
              SERVE_HTTP_PORT);
    announce();
    unsigned banners = 0, pages = 0;
    static uint8_t frame[FRAME_MAX];
    while (responses == 0 || banners < responses || pages < responses) {
        size_t len = uk_net_poll(frame, sizeof(frame));
        if (len < ETH_HDR)
            continue;
        uint16_t type = get16(frame + 12);
        if (type == ETHERTYPE_ARP)
            answer_arp(frame, len);
        else if (type == ETHERTYPE_IPV4) {
            enum sent what = answer_tcp(frame, len);
            banners += what == SENT_BANNER;
            pages += what == SENT_PAGE;
        }
    }
    /* Keep answering briefly: the network hands our last segments to the host socket on its own schedule,
     * and an exit right now could take them down with the VM. */
    uint64_t until = uk_uptime_ms() + 50;
    while (uk_uptime_ms() < until) {
        size_t len = uk_net_poll(frame, sizeof(frame));
        if (len >= ETH_HDR && get16(frame + 12) == ETHERTYPE_IPV4)
            answer_tcp(frame, len);
        else if (len >= ETH_HDR && get16(frame + 12) == ETHERTYPE_ARP)
            answer_arp(frame, len);
    }
    uk_printf("unikernel: served %u banner(s), %u page(s)\n", banners, pages);
}
