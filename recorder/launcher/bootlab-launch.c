/*
 * bootlab-launch — what every VMM the recorder starts runs under.
 *
 *   bootlab-launch RECORDER_PID -- COMMAND [ARGS...]
 *
 * It asks the kernel to SIGKILL it (and so the VMM it becomes) when the recorder dies, then replaces itself
 * with COMMAND. That request only protects us from the moment it is made: if the recorder was killed between
 * its fork and our prctl(), we were re-parented already and the kernel will never send the signal. So after
 * the prctl we check that our parent is still RECORDER_PID and, if not, exit without starting the VMM.
 * Comparing with the pid the recorder passed — not with 1 — is what keeps this right under a subreaper
 * (systemd --user, container init, tini), where an orphan's new parent is not pid 1.
 *
 * `setpriv --pdeathsig KILL --` makes the same request but cannot make the check, so a VMM spawned in the
 * last moments before a SIGKILL of the recorder outlived it (docs/reliability.md). Being static and doing
 * two system calls before execve, this is also cheaper than setpriv on every ΔT (bench/spawn.ts).
 *
 * No stdio is touched before execve: the VMM's console pipes are the recorder's, unbuffered and unread here.
 * Exit codes when COMMAND was not started: 2 usage, 125 recorder already gone, 126 prctl failed, 127 exec failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

static int usage(void) {
  fputs("usage: bootlab-launch RECORDER_PID -- COMMAND [ARGS...]\n", stderr);
  return 2;
}

int main(int argc, char **argv) {
  if (argc < 4 || strcmp(argv[2], "--") != 0) return usage();
  char *end = NULL;
  errno = 0;
  long recorder = strtol(argv[1], &end, 10);
  if (errno != 0 || end == argv[1] || *end != '\0' || recorder <= 1) return usage();

  if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) {
    fprintf(stderr, "bootlab-launch: prctl(PR_SET_PDEATHSIG): %s\n", strerror(errno));
    return 126;
  }
  /* The recorder died before the request was made: nobody would ever stop this VMM, so do not start it. */
  if ((long)getppid() != recorder) return 125;

  execvp(argv[3], &argv[3]);
  fprintf(stderr, "bootlab-launch: cannot execute %s: %s\n", argv[3], strerror(errno));
  return 127;
}
