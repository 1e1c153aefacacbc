#!/usr/bin/env bash
# Installs everything bootlab needs on a fresh Debian 12 machine: the system packages the recorder and the
# built-in guests need (apt), and the npm packages (npm ci, registry only). Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

# The recorder's own needs, then each guest's (guests/*/apt-packages.txt, and guests/<set>/*/ for sets such as stress/).
# gcc + libc6-dev build bootlab-launch, the static launcher every VMM runs under (recorder/launcher).
packages=(qemu-system-x86 qemu-utils util-linux git ca-certificates gcc libc6-dev)
for list in guests/*/apt-packages.txt guests/*/*/apt-packages.txt; do
  [ -f "$list" ] || continue
  while read -r pkg _; do
    [ -n "$pkg" ] && [ "${pkg#\#}" = "$pkg" ] && packages+=("$pkg")
  done < "$list"
done
# Extra tools of the analysis side (notebooks, browser test of the report), when listed.
if [ -f scripts/apt-packages.txt ]; then
  while read -r pkg _; do
    [ -n "$pkg" ] && [ "${pkg#\#}" = "$pkg" ] && packages+=("$pkg")
  done < scripts/apt-packages.txt
fi

missing=()
for pkg in $(printf '%s\n' "${packages[@]}" | sort -u); do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "[setup] installing: ${missing[*]}"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  echo "[setup] system packages already installed"
fi

if ! command -v node >/dev/null || [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 20 ]; then
  echo "[setup] Node.js >= 20 is required (found: $(node --version 2>/dev/null || echo none))" >&2
  exit 1
fi
echo "[setup] npm ci"
npm ci --no-audit --no-fund
