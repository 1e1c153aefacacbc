// From what a guest printed to a proposed ready regex and markers. Pure: tested without QEMU.
import type { ConsoleLine } from './boot-once.ts';

/** Lines printed by firmware and boot loaders, not by the guest: never a `kernel` marker or ready line. */
export const LOADER_NOISE =
  /^\s*(SeaBIOS|iPXE|Press Ctrl-B|Booting from|Boot failed|Machine UUID|BdsDxe|Welcome to GRUB|GNU GRUB|GRUB|ISOLINUX|SYSLINUX|Loading|Booting `|UEFI|No bootable device|Shell>|Press ESC|Probing EDD|Decompressing Linux|Parsing ELF|Booting the kernel|early console|FS\d+:|Mapping table|Use the .* keys|Press enter|error: no such|>>|Start PXE|Start HTTP Boot|PXE-|Station IP|Checking Media|Downloading NBP|NBP file|Boot Failed|EFI stub:)/i;
/** Lines that say the guest failed wherever they appear after its first line (a guest may print after failing). */
export const FAILURE_LINE =
  /kernel panic|\bpanic\b(?!=)|\babort(ing|ed)?\b|_abort\(\)|\bfatal\b|no bootable device|boot failed|not in manifest|unhandled exception|triple fault|guest-error|^qemu-system-/i;
/** A last line that says so ("error" alone is harmless on the way: GRUB under UEFI, "no suitable video mode found"). */
const FAILURE_LAST_LINE = /\berror\b/i;
/** Firmware printing its banner or boot message again after the guest has printed: the machine was reset. */
export const RESET_BANNER = /^\s*(SeaBIOS \(version|Booting from (ROM|Hard Disk|DVD|CD|Floppy)|iPXE \(|BdsDxe: )/;

const MAX_REGEX_TEXT = 48;
/** Lines that announce readiness in so many words. */
export const READYISH = /\bready\b|\blogin: *$|\blistening on\b|\bserving on\b/i;
/** A kernel log line ("[    1.234567] …"): a general-purpose kernel keeps logging after user space is up. */
const KERNEL_LOG = /^\[\s*\d+\.\d+\]/;

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

const MAC = /((?:[0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2})/;
const MAC_REGEX = '[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}';

/** Runs of hex digits with a decimal digit become [0-9a-f]+ (\d+ when all decimal); the rest is literal. */
function numbersOf(text: string): string {
  return text
    .split(/([0-9A-Fa-f]*\d[0-9A-Fa-f]*)/)
    .map((piece, i) => {
      if (i % 2 === 0) return escapeRegex(piece);
      // Only whole tokens: "x86_64" keeps its digits attached to letters outside hex.
      return /^\d+$/.test(piece) ? '\\d+' : '[0-9A-Fa-f]+';
    })
    .join('');
}

/**
 * A regex for a console line that still matches when numbers change from boot to boot: runs of hex digits
 * that contain a decimal digit become [0-9a-f]+ (\d+ when all decimal), a MAC address any MAC, runs of spaces " +"; a leading kernel timestamp
 * "[    1.234567]" is dropped (the regex is then not anchored); long lines keep their first words.
 */
export function lineRegex(text: string, full = false): string {
  let body = text;
  let anchored = true;
  const stamp = /^\[\s*\d+\.\d+\]\s*/.exec(body);
  if (stamp) {
    body = body.slice(stamp[0].length);
    anchored = false;
  }
  // Leading blanks are part of the line as the recorder sees it ("   poppy"): kept exactly.
  const lead = /^[ \t]*/.exec(body)?.[0] ?? '';
  body = body.slice(lead.length);
  if (!full && body.length > MAX_REGEX_TEXT) {
    const cut = body.lastIndexOf(' ', MAX_REGEX_TEXT);
    body = body.slice(0, cut > 8 ? cut : MAX_REGEX_TEXT);
  }
  const tokens = body.split(/(\s+)/).map((part) => {
    if (/^\s+$/.test(part)) return part === ' ' ? ' ' : '[ \\t]+';
    // A MAC address is one token: QEMU's default 52:54:00:12:34:56 is all decimal, another VM's has letters.
    return part
      .split(MAC)
      .map((chunk, m) => (m % 2 === 1 ? MAC_REGEX : numbersOf(chunk)))
      .join('');
  });
  // A number or hex run at the end must be seen whole: the console arrives in reads of any size (the launch
  // engine stamps each as it comes), and "mac=…:34:5" of a read cut mid-line would match "\d+" already.
  const tail = /(\\d\+|\[0-9A-Fa-f\]\+|\{5\})$/.test(tokens.join('')) ? '(?=\\s)' : '';
  return `${anchored ? '^' : ''}${lead}${tokens.join('')}${tail}`;
}

/** Index of the first line the regex matches, or -1. */
function firstMatch(lines: readonly ConsoleLine[], source: string): number {
  const re = new RegExp(source, 'm');
  // Lines as they were on the console, ended by their newline.
  return lines.findIndex((l) => re.test(`${l.text}\n`));
}

export interface Proposal {
  ready: string;
  readyLine: ConsoleLine;
  markers: Record<string, string>;
  /** Caveats for the user (e.g. "the console never went quiet"). */
  notes: string[];
}

/**
 * The ready line: the last line that announces readiness ("ready", "login:", "listening on"), else the
 * last line that is not kernel log, else the last line before the console went quiet (a guest that is up
 * stops printing). The
 * `kernel` marker: the first line that is not firmware or boot loader output, if it is not the ready
 * line. `firmware`: SeaBIOS's banner when present.
 */
export function propose(lines: readonly ConsoleLine[]): Proposal | null {
  const guestLines = lines.filter((l) => !LOADER_NOISE.test(l.text));
  const readyish = guestLines.filter((l) => READYISH.test(l.text));
  const userSpace = guestLines.filter((l) => !KERNEL_LOG.test(l.text));
  const readyLine = readyish[readyish.length - 1] ?? userSpace[userSpace.length - 1] ?? guestLines[guestLines.length - 1];
  if (!readyLine) return null;
  let ready = lineRegex(readyLine.text);
  // The regex must first match the ready line itself, not an earlier line sharing its prefix.
  if (lines[firstMatch(lines, ready)] !== readyLine) ready = lineRegex(readyLine.text, true);
  const markers: Record<string, string> = {};
  if (lines.some((l) => /SeaBIOS \(version/.test(l.text))) markers.firmware = 'SeaBIOS \\(version';
  const first = guestLines[0];
  if (first && first !== readyLine) {
    const kernel = lineRegex(first.text);
    if (lines[firstMatch(lines, kernel)] === first) markers.kernel = kernel;
  }
  return { ready, readyLine, markers, notes: [] };
}

/** The first line after the guest's first line (that one included) that says the guest failed, or null. */
export function failureLine(lines: readonly ConsoleLine[]): ConsoleLine | null {
  const first = lines.findIndex((l) => !LOADER_NOISE.test(l.text));
  if (first < 0) return null;
  return lines.slice(first).find((l) => FAILURE_LINE.test(l.text)) ?? null;
}

/** Whether a capture looks like a failed boot: nothing printed, a failure line anywhere after the guest's first line, or a last line that says so. */
export function looksFailed(lines: readonly ConsoleLine[], stderr: string, exitCode: number | null): string | null {
  if (lines.length === 0) return stderr ? `no console output; QEMU: ${stderr.split('\n').pop()}` : 'no console output before the time limit';
  const failed = failureLine(lines);
  if (failed) return `the console says "${failed.text.trim()}" (${(failed.atMs / 1000).toFixed(2)} s after spawn)`;
  // "error" alone only on the very last line: boot loaders print harmless errors on the way (GRUB under
  // UEFI: "no suitable video mode found") and the guest's own lines follow.
  const last = lines[lines.length - 1]?.text ?? '';
  if (FAILURE_LAST_LINE.test(last)) return `the console ends with "${last.trim()}"`;
  if (!lines.some((l) => !LOADER_NOISE.test(l.text))) return `only firmware/boot loader output (last: "${last.trim()}")`;
  if (exitCode !== null && exitCode !== 0 && /qemu-system|error/i.test(stderr)) return `QEMU exited with ${exitCode}: ${stderr.split('\n').pop()}`;
  return null;
}

/** Failure vocabulary for the proposed `fail` regex: what kernels and LibOSes print when they give up. */
const FAIL_PARTS = [
  'Kernel panic - not syncing',
  '^[A-Za-z0-9_.-]+: (error|fatal|panic):',
  '\\bpanic\\(\\)',
  '_abort\\(\\) called',
  '[Aa]borting\\.',
  'not in manifest',
  'No bootable device',
  'Boot failed',
  'Start PXE over',
];

/**
 * A `fail` regex from what the probe saw: the failure lines of attempts that failed (as they were printed),
 * then the general vocabulary; any part that matches a line of the good boot up to its ready line is dropped.
 */
export function proposeFail(good: readonly ConsoleLine[], readyLine: ConsoleLine, failedLines: readonly string[]): string | null {
  const upToReady = good.slice(0, good.indexOf(readyLine) + 1);
  const seen = failedLines.map((t) => lineRegex(t));
  const parts = [...new Set([...seen, ...FAIL_PARTS])].filter((part) => {
    const re = new RegExp(part, 'm');
    return !upToReady.some((l) => re.test(`${l.text}\n`));
  });
  return parts.length ? parts.join('|') : null;
}

/** A console that never went quiet: the ready line is one that says so, or the probe refuses to guess (the reason). */
export function floodRefusal(lines: readonly ConsoleLine[]): string | null {
  const p = propose(lines);
  if (p && READYISH.test(p.readyLine.text)) return null;
  return `the console never went quiet (${lines.length} lines, still printing) and no line says it is ready: refusing to guess a ready line (pass one by hand)`;
}
