#!/usr/bin/env bash
# Build the "debian" guest: a debootstrapped Debian 12 (minbase + systemd) in an ext4 image, booted with
# Debian's cloud kernel through a small busybox initramfs (virtio_blk is a module in that kernel).
# Inputs: Debian packages only (apt-get download / debootstrap, cached in ../.cache/, nothing installed
# on the host) and the files of this folder. Needs root (debootstrap, chroot).
# Outputs: $OUT/vmlinuz, $OUT/initramfs.cpio.gz, $OUT/rootfs.ext4.
set -euo pipefail

OUT="${OUT:-$PWD/build}"
HERE="$PWD"
CACHE="$(cd .. && pwd)/.cache"
mkdir -p "$OUT" "$CACHE/debootstrap"

SUITE=bookworm
# systemd + systemd-sysv: the init system; udev: device units and module autoloading (without it
# systemd would wait 90 s for device units); kmod: modprobe for udev's peers (modprobe@.service,
# kmod-static-nodes.service).
INCLUDE=systemd,systemd-sysv,udev,kmod
# Modules the initramfs loads, with their dependencies (resolved by modprobe --show-depends).
INITRAMFS_MODULES="virtio_pci virtio_mmio virtio_blk overlay"
HOSTNAME_=bootlab-debian
SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-946684800}"

log() { printf 'debian/build.sh: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }
[[ $EUID -eq 0 ]] || die "needs root (debootstrap and chroot)"
for tool in apt-get apt-cache dpkg-deb debootstrap mkfs.ext4 depmod modprobe cpio gzip chroot; do
  command -v "$tool" >/dev/null || die "missing $tool (see apt-packages.txt)"
done

# fetch_deb and cloud_kernel_package.
source "$HERE/../lib/debian-packages.sh"

# The mirror apt already uses for bookworm main (falls back to Debian's own).
MIRROR="${BOOTLAB_DEBIAN_MIRROR:-}"
if [[ -z "$MIRROR" ]]; then
  MIRROR="$(apt-get indextargets --format '$(REPO_URI) $(RELEASE) $(COMPONENT)' 2>/dev/null \
    | awk -v s="$SUITE" '$2 == s && $3 == "main" {print $1; exit}')"
fi
MIRROR="${MIRROR:-http://deb.debian.org/debian/}"

# The cloud kernel: the real image package behind the metapackage.
KPKG="$(cloud_kernel_package)"
KDEB="$(fetch_deb "$KPKG")"
BBDEB="$(fetch_deb busybox-static)"
log "kernel package: $(basename "$KDEB")"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/bootlab-debian.XXXXXX")"
cleanup() {
  # Unmount anything debootstrap or chroot left mounted below WORK before deleting it.
  local m
  findmnt -rn -o TARGET 2>/dev/null | awk -v w="$WORK/" 'index($0, w) == 1' | sort -r | while read -r m; do
    umount -l "$m" || true
  done
  rm -rf --one-file-system "$WORK"
}
trap cleanup EXIT

# ---- kernel: vmlinuz and the module tree, extracted (never installed) -------------------------------
T0=$SECONDS
KROOT="$WORK/kernel"
mkdir "$KROOT"
dpkg-deb -x "$KDEB" "$KROOT"
KVER="$(basename "$(ls -d "$KROOT"/lib/modules/*/ | head -n 1)")"
grep -q '^CONFIG_EXT4_FS=y' "$KROOT/boot/config-$KVER" || die "ext4 is not built into $KVER: add it to INITRAMFS_MODULES"
depmod -b "$KROOT" "$KVER"
install -m 0644 "$KROOT/boot/vmlinuz-$KVER" "$OUT/vmlinuz.tmp"
mv -f "$OUT/vmlinuz.tmp" "$OUT/vmlinuz"

# ---- initramfs: busybox, the modules the root device needs, our /init -----------------------------
IROOT="$WORK/initramfs"
mkdir -p "$WORK/bb" "$IROOT"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,lib/modules}
dpkg-deb -x "$BBDEB" "$WORK/bb"
install -m 0755 "$WORK/bb/bin/busybox" "$IROOT/bin/busybox"
"$IROOT/bin/busybox" --list-full | while read -r applet; do
  [[ -e "$IROOT/$applet" || -L "$IROOT/$applet" ]] || ln -s /bin/busybox "$IROOT/$applet"
done
: >"$IROOT/lib/modules/load-order"
for m in $INITRAMFS_MODULES; do
  modprobe -d "$KROOT" -S "$KVER" --show-depends "$m" | awk '$1 == "insmod" {print $2}'
done | awk '!seen[$0]++' | while read -r ko; do
  install -m 0644 "$ko" "$IROOT/lib/modules/$(basename "$ko")"
  basename "$ko" >>"$IROOT/lib/modules/load-order"
done
log "initramfs modules: $(tr '\n' ' ' <"$IROOT/lib/modules/load-order")"
install -m 0755 "$HERE/initramfs-init.sh" "$IROOT/init"
chmod 1777 "$IROOT/tmp"
find "$IROOT" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
(cd "$IROOT" && find . -mindepth 1 -printf '%P\n' | LC_ALL=C sort \
  | cpio --quiet -o -H newc -R 0:0 --reproducible) | gzip -9 -n >"$OUT/initramfs.cpio.gz.tmp"
mv -f "$OUT/initramfs.cpio.gz.tmp" "$OUT/initramfs.cpio.gz"
log "kernel + initramfs: $((SECONDS - T0)) s"

# ---- root file system: debootstrap minbase + systemd ---------------------------------------------
T0=$SECONDS
R="$WORK/rootfs"
log "debootstrap $SUITE ($INCLUDE) from $MIRROR"
debootstrap --variant=minbase --include="$INCLUDE" --cache-dir="$CACHE/debootstrap" \
  "$SUITE" "$R" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 || { tail -n 30 "$WORK/debootstrap.log" >&2; die "debootstrap failed"; }
log "debootstrap: $((SECONDS - T0)) s"

T0=$SECONDS
# The kernel's modules, so udev loads drivers (virtio_net, virtio-rng, …) as on any Debian system.
mkdir -p "$R/usr/lib/modules"
cp -a "$KROOT/lib/modules/$KVER" "$R/usr/lib/modules/"
depmod -b "$R" "$KVER"

# Our units.
install -m 0644 "$HERE"/bootlab-ready.service "$HERE"/bootlab-poweroff.service "$HERE"/bootlab-debug.service \
  "$R/etc/systemd/system/"
chroot "$R" systemctl enable bootlab-ready.service bootlab-poweroff.service bootlab-debug.service >/dev/null 2>&1
# Nothing to log in on: no getty (the VGA console is unused under -nographic; the serial console carries
# the measured output and a login prompt would only race with it).
chroot "$R" systemctl mask getty@.service serial-getty@.service getty-static.service >/dev/null 2>&1
# Units that only cost boot time in a throw-away measurement guest (under TCG every extra process
# costs ~0.1-1 s of the single vCPU; these together cost ~1.5 s of an ~8.5 s boot): maintenance
# timers and scrubbers, pstore, the debug/tracing/config/fuse pseudo file systems, module preloads
# that udev or mount would do on demand anyway, utmp records (nobody logs in) and the journal flush
# (no persistent journal: /var/log/journal does not exist).
chroot "$R" systemctl mask e2scrub_reap.service systemd-pstore.service \
  apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer e2scrub_all.timer fstrim.timer \
  sys-kernel-debug.mount sys-kernel-tracing.mount sys-kernel-config.mount sys-fs-fuse-connections.mount \
  modprobe@dm_mod.service modprobe@fuse.service modprobe@loop.service modprobe@configfs.service \
  systemd-update-utmp.service systemd-update-utmp-runlevel.service systemd-journal-flush.service >/dev/null 2>&1

printf '%s\n' "$HOSTNAME_" >"$R/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\t%s\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' "$HOSTNAME_" >"$R/etc/hosts"
printf '# / is an overlay (tmpfs over the read-only disk) set up by the initramfs.\n' >"$R/etc/fstab"
# Empty machine-id: every instance gets a fresh transient one (not "first boot", so no firstboot prompts).
: >"$R/etc/machine-id"
rm -f "$R/var/lib/dbus/machine-id"
# Package caches and indexes: not needed at run time.
rm -rf "$R"/var/cache/apt/*.bin "$R"/var/cache/apt/archives/*.deb "$R"/var/lib/apt/lists/* \
  "$R"/var/log/*.log "$R"/var/cache/debconf/*-old "$R"/var/lib/dpkg/*-old
mkdir -p "$R/var/lib/apt/lists/partial" "$R/var/cache/apt/archives/partial"

# ---- ext4 image, made without loop mounts --------------------------------------------------------
used_mb="$(du -s --block-size=1M "$R" | cut -f1)"
files="$(find "$R" -xdev | wc -l)"
size_mb=$((used_mb + used_mb / 5 + 32))
inodes=$((files + files / 5 + 1024))
rm -f "$OUT/rootfs.ext4.tmp"
truncate -s "${size_mb}M" "$OUT/rootfs.ext4.tmp"
mkfs.ext4 -q -F -L bootlab-root -b 4096 -N "$inodes" -O ^has_journal -m 0 \
  -E root_owner=0:0 -d "$R" "$OUT/rootfs.ext4.tmp"
mv -f "$OUT/rootfs.ext4.tmp" "$OUT/rootfs.ext4"
log "rootfs: ${used_mb} MB of files, $files inodes, image ${size_mb} MB: $((SECONDS - T0)) s"

printf '%s\n' "$(basename "$KDEB")" >"$OUT/kernel-package.txt"
chroot "$R" dpkg-query -W -f '${Package} ${Version}\n' >"$OUT/packages.txt"
log "done: $OUT/vmlinuz, $OUT/initramfs.cpio.gz, $OUT/rootfs.ext4"
