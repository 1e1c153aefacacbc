/* Dotted-quad IPv4 addresses, shared by the ARP probe and the TCP responder. */
#ifndef UK_APP_IPV4_H
#define UK_APP_IPV4_H

#include <stdbool.h>
#include <stdint.h>

/* "192.168.122.1" into four bytes; false for anything that is not exactly four numbers 0–255. */
bool parse_ipv4(const char *s, uint8_t out[4]);

#endif
