#!/bin/sh
# bootlab "debian" guest: PID 1 of the small busybox initramfs.
# The cloud kernel builds virtio (pci and mmio) and virtio_blk as modules, so this loads them (plus
# overlay), waits for the root device, mounts it read-only as the lower layer of an overlay whose upper
# layer is a tmpfs (the same result as systemd.volatile=overlay, which needs systemd in the initrd), and
# switch_roots to systemd. The shared disk is never written: QEMU attaches it readonly=on.
# Kernel command line: root=/dev/vdX | LABEL=… | UUID=…, rootfstype= (ext4), init= (/sbin/init),
# bootlab.overlay=0 (mount the root read-only without the overlay).
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
exec </dev/console >/dev/console 2>&1

fail() {
  printf '\nbootlab-initramfs: error: %s\n' "$*"
  # Power off so the recorder sees the guest exit at once instead of waiting for its timeout.
  poweroff -f
  while :; do sleep 3600; done
}

printf '\nbootlab-initramfs: start\n'

root=/dev/vda fstype=ext4 init=/sbin/init overlay=1
for arg in $(cat /proc/cmdline); do
  case "$arg" in
    root=*) root="${arg#root=}" ;;
    rootfstype=*) fstype="${arg#rootfstype=}" ;;
    init=*) init="${arg#init=}" ;;
    bootlab.overlay=0) overlay=0 ;;
  esac
done

# Load order written by build.sh (dependencies first).
while read -r mod; do
  insmod "/lib/modules/$mod" || fail "insmod $mod"
done </lib/modules/load-order

# Wait up to 10 s for the root device (virtio_blk probes asynchronously of this script).
i=0
while :; do
  case "$root" in
    LABEL=* | UUID=*) dev="$(findfs "$root" 2>/dev/null)" ;;
    *) dev="$root" ;;
  esac
  [ -n "$dev" ] && [ -b "$dev" ] && break
  i=$((i + 1))
  [ "$i" -le 1000 ] || fail "root device $root not found"
  usleep 10000
done

mkdir -p /lower /rw /newroot
mount -t "$fstype" -o ro "$dev" /lower || fail "cannot mount $dev ($fstype) read-only"
if [ "$overlay" = 1 ]; then
  mount -t tmpfs -o mode=0755 tmpfs /rw || fail "cannot mount tmpfs"
  mkdir -p /rw/upper /rw/work
  mount -t overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work overlay /newroot \
    || fail "cannot mount the overlay"
  # Keep both layers reachable from the new root (as overlayroot does).
  mkdir -p /newroot/media/root-ro /newroot/media/root-rw
  mount --move /lower /newroot/media/root-ro
  mount --move /rw /newroot/media/root-rw
else
  mount --move /lower /newroot
fi
[ -x "/newroot$init" ] || [ -L "/newroot$init" ] || fail "no $init on the root file system"

mount --move /dev /newroot/dev
umount /sys /proc
exec switch_root /newroot "$init"
