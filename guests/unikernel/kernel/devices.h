/* Device discovery: finds the virtio devices and hands each to its driver. */
#ifndef UK_DEVICES_H
#define UK_DEVICES_H

#include <stdbool.h>

/* Attaches the virtio-net and virtio-rng devices it finds; prints which are missing (no error: the
 * bare profile has neither). */
void devices_attach(bool prefer_modern);

#endif
