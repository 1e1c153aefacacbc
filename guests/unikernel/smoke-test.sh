#!/usr/bin/env bash
# Boots build/unikernel.elf under TCG with the seed paper's devices on pc, q35 and microvm, checks
# the ready line (MAC as configured, fresh rng bytes every boot) and prints the time from launching
# QEMU to reading the ready line. The guest is told to "exit" through isa-debug-exit after the ready
# line, so each run ends on its own; QEMU then exits with status 1.
#   usage: ./smoke-test.sh [runs per case, default 3]
set -euo pipefail
cd "$(dirname "$0")"
RUNS="${1:-3}"
KERNEL="${OUT:-$PWD/build}/unikernel.elf"
QEMU="${QEMU:-qemu-system-x86_64}"
NETDEV='user,id=un0,net=192.168.122.0/24,host=192.168.122.1,restrict=on'
READY='^unikernel: ready mac=([0-9a-f]{2}:){5}[0-9a-f]{2} rng=[0-9a-f]{16}$'
[[ -f "$KERNEL" ]] || ./build.sh

failures=0
declare -A seen_rng=()

# boot MACHINE MAC: prints "<ms> <ready line>" or fails.
boot() {
  local machine="$1" mac="$2" bus=pci
  [[ "$machine" == microvm ]] && bus=device
  local dev_mac=""
  [[ -n "$mac" ]] && dev_mac=",mac=$mac"
  local start line ms="" ready=""
  start=$(date +%s%N)
  exec {fd}< <(timeout 20 "$QEMU" -nographic -M "$machine" -accel tcg -cpu max -m 50 \
    -netdev "$NETDEV" -device "virtio-net-$bus,netdev=un0$dev_mac" -device "virtio-rng-$bus" \
    -device isa-debug-exit,iobase=0xf4,iosize=4 -kernel "$KERNEL" -append exit </dev/null 2>&1)
  while IFS= read -r -u "$fd" line; do
    line="${line%$'\r'}"
    if [[ -z "$ready" && "$line" =~ $READY ]]; then
      ms=$(( ($(date +%s%N) - start) / 1000000 ))
      ready="$line"
    fi
    [[ "$line" == "unikernel: error:"* ]] && echo "$line" >&2
  done
  exec {fd}<&-
  [[ -n "$ready" ]] || return 1
  echo "$ms $ready"
}

printf '%-8s %-18s %s\n' machine mac "ms to ready (runs)"
for machine in pc q35 microvm; do
  for mac in "" 52:54:00:ab:cd:ef; do
    want="${mac:-52:54:00:12:34:56}"
    times=()
    for ((i = 0; i < RUNS; i++)); do
      if ! out=$(boot "$machine" "$mac"); then
        echo "FAIL $machine mac=$want: no ready line" >&2
        failures=$((failures + 1))
        continue
      fi
      ms="${out%% *}"
      line="${out#* }"
      rng="${line##*rng=}"
      if [[ "$line" != *"mac=$want "* ]]; then
        echo "FAIL $machine: expected mac=$want in: $line" >&2
        failures=$((failures + 1))
      fi
      if [[ -n "${seen_rng[$rng]:-}" ]]; then
        echo "FAIL $machine: rng=$rng repeated" >&2
        failures=$((failures + 1))
      fi
      seen_rng[$rng]=1
      times+=("$ms")
    done
    printf '%-8s %-18s %s\n' "$machine" "$want" "${times[*]:-}"
  done
done
echo "distinct rng values: ${#seen_rng[@]}"
((failures == 0)) && echo "all passed" || { echo "$failures failure(s)"; exit 1; }
