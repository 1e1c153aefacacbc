/* Device discovery: finds the virtio devices and hands each to its driver. */
#ifndef UK_DEVICES_H
#define UK_DEVICES_H

#include <stdbool.h>

/* Panics, naming what is missing, unless both a virtio-net and a virtio-rng device are attached. */
void devices_attach(bool prefer_modern);

#endif
