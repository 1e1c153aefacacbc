#!/bin/sh
# bootlab "linux" guest: PID 1 of the initramfs (busybox sh).
# Mounts the pseudo file systems, prints the init marker and the ready line on the console, then idles
# forever — or powers off at once when the kernel command line carries `bootlab.poweroff`.
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
exec </dev/console >/dev/console 2>&1
# Start on a fresh line: firmware text (SeaBIOS mirrors the real-mode setup code's output to serial)
# or a kernel message may still be unterminated when the console is quiet.
printf '\nbootlab-init: start\n'
echo "bootlab: ready"
case " $(cat /proc/cmdline) " in
  *" bootlab.poweroff "* | *" bootlab.poweroff="*) poweroff -f ;;
esac
# PID 1 must never exit (the kernel would panic).
while :; do sleep 3600; done
