/* The application. It is linked into the same image as the library OS and uses it only through
 * kernel/uk.h. Its ready line carries values that only working drivers can produce: the MAC read
 * from virtio-net's config space and bytes that came back through virtio-rng's virtqueue, or "none"
 * for a device the VMM does not offer. */
#include "../kernel/uk.h"
#include "arp.h"
#include "startup.h"
#include "serve.h"

int main(void)
{
    app_startup();

    /* "none" for a device the VMM does not have (the bare profile): the ready line says what was found. */
    uint8_t mac[UK_MAC_LEN] = {0};
    char mac_text[18] = "none", hex[17] = "none";
    if (uk_net_present()) {
        uk_net_mac(mac);
        uk_snprintf(mac_text, sizeof(mac_text), "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2],
                    mac[3], mac[4], mac[5]);
    }
    if (uk_random_present()) {
        uint8_t rnd[8];
        uk_random(rnd, sizeof(rnd));
        for (unsigned i = 0; i < sizeof(rnd); i++)
            uk_snprintf(hex + 2 * i, 3, "%02x", rnd[i]);
    }
    uk_printf("unikernel: ready mac=%s rng=%s\n", mac_text, hex);

    if (!uk_net_present() && (uk_arg("arp") || uk_arg("serve") || uk_arg_value("arp", mac_text, sizeof(mac_text)) ||
                              uk_arg_value("serve", mac_text, sizeof(mac_text))))
        uk_fail("arp and serve need a virtio-net device");

    /* Optional, after the ready line so it never counts towards boot time: a round trip through
     * both virtio-net queues, answered by QEMU's user-mode network. */
    char target[20];
    if (uk_arg("arp"))
        arp_probe("192.168.122.1", mac);
    else if (uk_arg_value("arp", target, sizeof(target)))
        arp_probe(target, mac);

    /* "serve" (forever) or "serve=N" (until N banners and N pages went out, then return, which with "exit"
     * ends the VM): answers on 192.168.122.15, the address QEMU's hostfwd forwards to by default. */
    char count[12];
    if (uk_arg("serve"))
        serve("192.168.122.15", mac, 0);
    else if (uk_arg_value("serve", count, sizeof(count))) {
        unsigned n = 0;
        for (const char *c = count; *c >= '0' && *c <= '9'; c++)
            n = n * 10 + (unsigned)(*c - '0');
        serve("192.168.122.15", mac, n);
    }
    return 0;
}
