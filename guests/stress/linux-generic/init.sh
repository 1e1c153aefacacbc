#!/bin/sh
# PID 1 of the linux-generic stress guest (busybox sh): mount the pseudo file systems, say ready,
# idle forever (PID 1 must never exit).
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
exec </dev/console >/dev/console 2>&1
printf '\nrunning /init from the initramfs\n'
echo "system ready"
while :; do sleep 3600; done
