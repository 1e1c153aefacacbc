# Shared by the guests' build.sh scripts (sourced, not run): Debian packages as build inputs, fetched with
# apt-get into the shared cache and never installed on the host. A guest's inputs hash covers this file
# too (recorder/src/guests/guest-build.ts), so editing it rebuilds the guests.
#
# The caller sets CACHE (the download cache) and defines log().

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

# cloud_kernel_package -> prints the real image package behind linux-image-cloud-amd64
# (linux-image-<abi>-cloud-amd64), or BOOTLAB_KERNEL_PACKAGE when set; without apt lists, the newest
# cached one. Fails when none can be found.
cloud_kernel_package() {
  local pkg="${BOOTLAB_KERNEL_PACKAGE:-}"
  if [[ -z "$pkg" ]]; then
    pkg="$(apt-cache depends linux-image-cloud-amd64 2>/dev/null \
      | awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9].*-cloud-amd64$/ {print $2; exit}')"
  fi
  if [[ -z "$pkg" ]]; then
    pkg="$(ls -1 "$CACHE"/linux-image-*-cloud-amd64_*_amd64.deb 2>/dev/null | sort -V | tail -n 1 \
      | xargs -r basename | cut -d_ -f1)"
  fi
  [[ -n "$pkg" ]] || { log "cannot resolve linux-image-cloud-amd64 (run apt-get update)"; return 1; }
  printf '%s\n' "$pkg"
}
