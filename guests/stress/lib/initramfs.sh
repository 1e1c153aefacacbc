# Shared by the stress guests' build.sh scripts (sourced, not run), after ../../lib/debian-packages.sh.
# The caller sets CACHE and defines log().

# Epoch of the fixed mtimes inside the cpio (2000-01-01 00:00:00 UTC): reproducible archives.
SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-946684800}"

# busybox_root ROOT WORK -> ROOT holds /bin/busybox from Debian's busybox-static and one symlink per
# applet, plus the usual empty directories.
busybox_root() {
  local root="$1" work="$2" deb
  deb="$(fetch_deb busybox-static)"
  log "busybox package: $(basename "$deb")"
  mkdir -p "$work/bb" "$root"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,root,etc,var/log,run}
  dpkg-deb -x "$deb" "$work/bb"
  install -m 0755 "$work/bb/bin/busybox" "$root/bin/busybox"
  "$root/bin/busybox" --list-full | while read -r applet; do
    [[ -e "$root/$applet" || -L "$root/$applet" ]] || ln -s /bin/busybox "$root/$applet"
  done
  chmod 1777 "$root/tmp"
  chmod 0700 "$root/root"
}

# pack_cpio ROOT OUT.cpio.gz -> a newc archive owned by root with fixed mtimes, gzip -9.
pack_cpio() {
  local root="$1" out="$2"
  find "$root" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
  (cd "$root" && find . -mindepth 1 -printf '%P\n' | LC_ALL=C sort \
    | cpio --quiet -o -H newc -R 0:0 --reproducible) | gzip -9 -n > "$out.tmp"
  mv -f "$out.tmp" "$out"
}

# kernel_image PKG OUT -> extracts /boot/vmlinuz-* of Debian package PKG (downloaded, never installed).
kernel_image() {
  local pkg="$1" out="$2" deb tmp
  deb="$(fetch_deb "$pkg")"
  log "kernel package: $(basename "$deb")"
  tmp="$(mktemp -d)"
  dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" --wildcards './boot/vmlinuz-*'
  install -m 0644 "$tmp"/boot/vmlinuz-* "$out.tmp"
  mv -f "$out.tmp" "$out"
  rm -rf "$tmp"
  printf '%s\n' "$(basename "$deb")" > "$(dirname "$out")/kernel-package.txt"
}
