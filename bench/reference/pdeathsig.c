/*
 * bench/reference/pdeathsig.c — what `setpriv --pdeathsig KILL --` does for bootlab's launcher, and only
 * that: ask the kernel to SIGKILL us when our parent dies, then exec the command.
 *
 * Used by bench/spawn.ts to price the launcher: setpriv is dynamically linked (libc + libcap-ng) and
 * parses options before its exec; this static binary makes one prctl and one execvp. The difference is
 * what a leaner launcher would save on every ΔT.
 */
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc < 2) {
    fputs("usage: pdeathsig COMMAND [ARGS...]\n", stderr);
    return 2;
  }
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  /* The parent may already be gone between fork and prctl: then nobody will kill us later. */
  if (getppid() == 1) return 1;
  execvp(argv[1], &argv[1]);
  perror(argv[1]);
  return 127;
}
