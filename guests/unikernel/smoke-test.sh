#!/usr/bin/env bash
# Boots build/unikernel.elf under TCG with the seed paper's devices on pc, q35 and microvm, checks
# the ready line (MAC as configured, fresh rng bytes every boot) and that the milestone lines came
# in boot order (RAM, platform up, clock, devices up, ready), and prints the time from launching
# QEMU to reading the ready line and the TSC rate the clock measured. The guest is told to "exit"
# through isa-debug-exit after the ready line, so each run ends on its own; QEMU then exits with
# status 1.
#   usage: ./smoke-test.sh [runs per case, default 3]
set -euo pipefail
cd "$(dirname "$0")"
RUNS="${1:-3}"
KERNEL="${OUT:-$PWD/build}/unikernel.elf"
QEMU="${QEMU:-qemu-system-x86_64}"
NETDEV='user,id=un0,net=192.168.122.0/24,host=192.168.122.1,restrict=on'
READY='^unikernel: ready mac=([0-9a-f]{2}:){5}[0-9a-f]{2} rng=[0-9a-f]{16}$'
CLOCK='^unikernel: clock tsc=([0-9]+\.[0-9]{3}) MHz rtc=[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}$'
# The milestones guest.json marks, in the order they must appear before the ready line.
ORDER="kernel platform clock devices"
[[ -f "$KERNEL" ]] || ./build.sh

failures=0
declare -A seen_rng=()

# boot MACHINE MAC: prints "<ms> <tsc MHz> <ready line>" or fails.
boot() {
  local machine="$1" mac="$2" bus=pci
  [[ "$machine" == microvm ]] && bus=device
  local dev_mac=""
  [[ -n "$mac" ]] && dev_mac=",mac=$mac"
  local start line ms="" ready="" mhz="" seen=""
  start=$(date +%s%N)
  exec {fd}< <(timeout 20 "$QEMU" -nographic -M "$machine" -accel tcg -cpu max -m 50 \
    -netdev "$NETDEV" -device "virtio-net-$bus,netdev=un0$dev_mac" -device "virtio-rng-$bus" \
    -device isa-debug-exit,iobase=0xf4,iosize=4 -kernel "$KERNEL" -append exit </dev/null 2>&1)
  while IFS= read -r -u "$fd" line; do
    line="${line%$'\r'}"
    if [[ -z "$ready" ]]; then
      case "$line" in
        "unikernel: "[0-9]*" KiB of RAM"*) seen+="kernel " ;;
        "unikernel: platform up"*) seen+="platform " ;;
        "unikernel: clock "*) seen+="clock "; [[ "$line" =~ $CLOCK ]] && mhz="${BASH_REMATCH[1]}" ;;
        "unikernel: devices up"*) seen+="devices " ;;
      esac
    fi
    if [[ -z "$ready" && "$line" =~ $READY ]]; then
      ms=$(( ($(date +%s%N) - start) / 1000000 ))
      ready="$line"
    fi
    [[ "$line" == "unikernel: error:"* ]] && echo "$line" >&2
  done
  exec {fd}<&-
  [[ -n "$ready" ]] || return 1
  if [[ "$seen" != "$ORDER " || -z "$mhz" ]]; then
    echo "milestones before the ready line: ${seen:-none}; clock line ${mhz:+ok}${mhz:-missing or malformed}" >&2
    return 1
  fi
  echo "$ms $mhz $ready"
}

printf '%-8s %-18s %-28s %s\n' machine mac "ms to ready (runs)" "TSC MHz"
for machine in pc q35 microvm; do
  for mac in "" 52:54:00:ab:cd:ef; do
    want="${mac:-52:54:00:12:34:56}"
    times=() rates=()
    for ((i = 0; i < RUNS; i++)); do
      if ! out=$(boot "$machine" "$mac"); then
        echo "FAIL $machine mac=$want: no ready line, or milestones out of order" >&2
        failures=$((failures + 1))
        continue
      fi
      ms="${out%% *}"
      out="${out#* }"
      rates+=("${out%% *}")
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
    printf '%-8s %-18s %-28s %s\n' "$machine" "$want" "${times[*]:-}" "${rates[*]:-}"
  done
done
echo "distinct rng values: ${#seen_rng[@]}"
((failures == 0)) && echo "all passed" || { echo "$failures failure(s)"; exit 1; }
