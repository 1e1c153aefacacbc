/*
 * bench/reference/trivial.c — a "trivial process guest": the smallest thing a boot recorder can launch.
 *
 * Passed to a recorder in place of QEMU, it ignores its arguments (the recorder still builds a full QEMU
 * command line), prints the ready line at once with a single write(2), then waits to be killed, as a
 * halted VM would (keep-alive), or exits at once when TRIVIAL_EXIT is set in its environment. Its ΔT is
 * therefore almost nothing but the recorder's own cost: fork/exec, pipe, wake-up and matching.
 *
 * `--version` is answered (bootlab probes its --qemu binary with it before recording).
 * Built statically (no dynamic loader), so exec is as cheap as exec gets.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "--version") == 0) {
    static const char version[] = "trivial version 1.0 (bootlab bench process guest)\n";
    write(STDOUT_FILENO, version, sizeof version - 1);
    return 0;
  }
  static const char ready[] = "ready\n";
  if (write(STDOUT_FILENO, ready, sizeof ready - 1) < 0) return 1;
  if (getenv("TRIVIAL_EXIT")) return 0;
  for (;;) pause();
}
