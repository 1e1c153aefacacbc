/* A one-shot ARP request: proves frames leave through the TX queue and replies arrive through the
 * posted RX buffers. */
#ifndef UK_APP_ARP_H
#define UK_APP_ARP_H

#include <stdint.h>

#include "../kernel/uk.h"

/* Asks who has `ip` (dotted quad) and prints the answer or "no reply"; never fails the boot. */
void arp_probe(const char *ip, const uint8_t mac[UK_MAC_LEN]);

#endif
