/* A tiny IPv4/TCP responder so the recorder can time "ready when it serves": the guest answers ARP
 * for its address, completes TCP handshakes, sends a banner on port 7 and answers any HTTP request
 * on port 80 with a short page. Stateless: every reply is computed from the segment it answers, which
 * is enough on QEMU's loss-free user network. */
#ifndef UK_APP_SERVE_H
#define UK_APP_SERVE_H

#include <stdint.h>

#include "../kernel/uk.h"

#define SERVE_BANNER_PORT 7
#define SERVE_HTTP_PORT   80

/* Serves on `ip` (dotted quad) until at least `responses` banners and as many pages went out (0: forever). */
void serve(const char *ip, const uint8_t mac[UK_MAC_LEN], unsigned responses);

#endif
