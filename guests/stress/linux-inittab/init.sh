#!/bin/sh
# /init of the linux-inittab stress guest: give busybox init a console, then become it (PID 1 stays).
mount -t devtmpfs devtmpfs /dev 2>/dev/null
exec </dev/console >/dev/console 2>&1
exec /sbin/init
