#!/usr/bin/env bash
# Build the "linux" guest: Debian's cloud kernel + a busybox initramfs whose /init is our init.sh.
# Inputs are Debian packages only (downloaded with apt-get into the shared cache ../.cache/, never
# installed on the host) and the files of this folder. Outputs: $OUT/vmlinuz, $OUT/initramfs.cpio.gz.
set -euo pipefail

OUT="${OUT:-$PWD/build}"
HERE="$PWD"
CACHE="$(cd .. && pwd)/.cache"
mkdir -p "$OUT" "$CACHE"

# Epoch of the fixed mtimes inside the cpio (2000-01-01 00:00:00 UTC).
SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-946684800}"

log() { printf 'linux/build.sh: %s\n' "$*" >&2; }

# fetch_deb PKG -> prints the path of PKG's candidate .deb in the cache, downloading it if needed.
# A cached file is reused only when its sha256 matches the archive index; without apt lists (no
# `apt-get update` yet) the newest cached file of that package is used as is.
fetch_deb() {
  local pkg="$1" ver file sha
  ver="$(apt-cache policy "$pkg" 2>/dev/null | awk '/Candidate:/ {print $2; exit}')"
  if [[ -z "$ver" || "$ver" == "(none)" ]]; then
    file="$(ls -1 "$CACHE/${pkg}_"*_amd64.deb 2>/dev/null | sort -V | tail -n 1 || true)"
    [[ -n "$file" ]] || { log "no candidate for $pkg (run apt-get update)"; return 1; }
    log "apt lists lack $pkg; using cached $(basename "$file")"
    printf '%s\n' "$file"
    return 0
  fi
  file="$CACHE/${pkg}_${ver//:/%3a}_amd64.deb"
  sha="$(apt-cache show "$pkg=$ver" 2>/dev/null | awk '/^SHA256:/ {print $2; exit}')"
  if [[ -f "$file" ]] && [[ -z "$sha" || "$(sha256sum "$file" | cut -d' ' -f1)" == "$sha" ]]; then
    printf '%s\n' "$file"
    return 0
  fi
  log "downloading $pkg=$ver"
  local tmp
  tmp="$(mktemp -d "$CACHE/.dl.XXXXXX")"
  (cd "$tmp" && apt-get download -q -o APT::Sandbox::User=root "$pkg=$ver" >&2)
  mv -f "$tmp"/*.deb "$file"
  rmdir "$tmp"
  printf '%s\n' "$file"
}

# The cloud kernel: resolve the metapackage to the real image package (linux-image-<abi>-cloud-amd64).
KPKG="${BOOTLAB_KERNEL_PACKAGE:-}"
if [[ -z "$KPKG" ]]; then
  KPKG="$(apt-cache depends linux-image-cloud-amd64 2>/dev/null \
    | awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9].*-cloud-amd64$/ {print $2; exit}')"
fi
if [[ -z "$KPKG" ]]; then
  KPKG="$(ls -1 "$CACHE"/linux-image-*-cloud-amd64_*_amd64.deb 2>/dev/null | sort -V | tail -n 1 \
    | xargs -r basename | cut -d_ -f1)"
fi
[[ -n "$KPKG" ]] || { log "cannot resolve linux-image-cloud-amd64 (run apt-get update)"; exit 1; }

KDEB="$(fetch_deb "$KPKG")"
BBDEB="$(fetch_deb busybox-static)"
log "kernel package: $(basename "$KDEB")"
log "busybox package: $(basename "$BBDEB")"

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# vmlinuz: extract the package (no install), take the one image in /boot.
mkdir "$WORK/kernel"
dpkg-deb --fsys-tarfile "$KDEB" | tar -x -C "$WORK/kernel" --wildcards './boot/vmlinuz-*'
install -m 0644 "$WORK"/kernel/boot/vmlinuz-* "$OUT/vmlinuz.tmp"
mv -f "$OUT/vmlinuz.tmp" "$OUT/vmlinuz"

# initramfs: /bin/busybox, one symlink per applet, our /init.
mkdir "$WORK/bb"
dpkg-deb -x "$BBDEB" "$WORK/bb"
ROOT="$WORK/root"
mkdir -p "$ROOT"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,root}
install -m 0755 "$WORK/bb/bin/busybox" "$ROOT/bin/busybox"
"$ROOT/bin/busybox" --list-full | while read -r applet; do
  [[ -e "$ROOT/$applet" || -L "$ROOT/$applet" ]] || ln -s /bin/busybox "$ROOT/$applet"
done
install -m 0755 "$HERE/init.sh" "$ROOT/init"
chmod 1777 "$ROOT/tmp"
chmod 0700 "$ROOT/root"

find "$ROOT" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
(cd "$ROOT" && find . -mindepth 1 -printf '%P\n' | LC_ALL=C sort \
  | cpio --quiet -o -H newc -R 0:0 --reproducible) | gzip -9 -n > "$OUT/initramfs.cpio.gz.tmp"
mv -f "$OUT/initramfs.cpio.gz.tmp" "$OUT/initramfs.cpio.gz"

printf '%s\n' "$(basename "$KDEB")" > "$OUT/kernel-package.txt"
log "done: $OUT/vmlinuz ($(stat -c %s "$OUT/vmlinuz") B), $OUT/initramfs.cpio.gz ($(stat -c %s "$OUT/initramfs.cpio.gz") B)"
