/*
 * bench/reference/recorder.c — the seed paper's boot-time recorder, re-implemented as a reference.
 *
 * The method, exactly as the paper describes it:
 *   - one POSIX thread per instance;
 *   - the thread takes Ts (CLOCK_MONOTONIC) immediately before fork(), then fork() + execvp() of the VMM;
 *   - Te is taken when the ready marker appears on the child's stdout, read through a pipe;
 *   - ΔT = Te − Ts;
 *   - single mode: one instance after another (the next starts once the previous is gone);
 *     multi mode: instance i is launched at t0 + i·interval (clock_nanosleep with TIMER_ABSTIME, so a
 *     late wake-up does not push every later launch back).
 *
 * It exists so that bench/fidelity.ts can run it and bootlab on the same guests and say how far bootlab's
 * ΔT is from the paper's. It therefore does nothing the method does not need, and nothing that would add
 * work between Ts and the exec: no allocation, no I/O, no logging on the timed path. Records are kept in
 * memory and written once the run is over.
 *
 * Output: JSON Lines, a subset of bootlab's boot-record fields with the same names and units
 * (ts_ns, te_ns, dt_ms, launch_lag_ms, spawn_ms, scheduled_ns, status, …), all *_ns relative to the
 * run's origin (a CLOCK_MONOTONIC reading, the same clock as Node's process.hrtime). First line a header
 * (schema "bootlab-reference/1"), last line an end record with the recorder's own rusage.
 *
 * Usage: recorder [--mode single|multi] [-n N] [--interval MS] [--keep-alive] [--ready REGEX]
 *                 [--guest NAME] [--timeout S] [--lead MS] [--ballast MB] [--spawn fork|vfork]
 *                 [-o FILE] -- COMMAND [ARGS...]
 *
 * --spawn vfork replaces fork() by vfork() (not the paper's method; off by default). vfork shares the
 * parent's memory until the child execs, so its cost does not grow with the parent's size, thread count
 * or resident memory, and the parent's pages are not write-protected for copy-on-write after each launch.
 * bench/scale.ts uses it to show what a launcher built that way (e.g. a small helper process that bootlab
 * could delegate launches to) achieves at 1500 instances.
 *
 * --ballast MB allocates and touches MB of memory before the run. It is not part of the method: it lets
 * bench/spawn.ts show that fork() cost grows with resident memory in C just as in Node (fork copies the
 * page tables of, and write-protects, every private page), i.e. that bootlab's spawn cost comes from its
 * size, not from JavaScript.
 *
 * Build: gcc -O2 -pthread -o recorder recorder.c  (bench/fidelity.ts does this at run time).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <regex.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/*
 * A per-instance thread only reads a pipe and matches lines: a small stack keeps 1500 threads cheap.
 * All stacks are carved out of ONE mapping (pthread_attr_setstack) instead of glibc's default of one
 * mapping plus a guard page per thread: fork() copies every VMA of the parent, and with 1500 default
 * stacks (3000 VMAs) each fork took ~10 ms here, serialised on the mm lock — longer than the 3 ms
 * launch interval, so ΔT (Ts is before fork) absorbed seconds of queueing. The method is unchanged.
 */
#define THREAD_STACK (128 * 1024)
/* The ready marker must appear within one line; longer lines are cut (as bootlab's 4 KiB window). */
#define LINE_MAX_CHARS 4096

enum status { ST_PENDING, ST_OK, ST_TIMEOUT, ST_EXITED, ST_SPAWN_ERROR, ST_INTERRUPTED };
static const char *const STATUS_NAMES[] = {"pending", "ok", "timeout", "exited", "spawn_error", "interrupted"};

/* Console cleaner state: ANSI escapes and CRs are dropped before matching, as bootlab does. */
enum esc_state { ESC_NONE, ESC_START, ESC_CSI, ESC_OSC, ESC_CHARSET };

struct instance {
  int index;
  int64_t scheduled;   /* planned launch (multi), or when the thread started (single) */
  int64_t ts;          /* Ts: just before fork() */
  int64_t spawned;     /* when fork() returned in the parent (the child may not have exec'd yet) */
  int64_t first_out;   /* first byte on stdout, -1 if none */
  int64_t te;          /* Te: the read that completed the ready match, -1 if none */
  int64_t end;         /* when the thread stopped watching */
  pid_t pid;
  bool reaped;         /* guarded by state_lock: the pid may be reused once reaped */
  int running_at_launch;
  enum status status;
  int exit_code;       /* -1 unless the child exited by itself */
  int term_signal;     /* 0 unless killed by a signal */
  pthread_t thread;
  /* console matching */
  enum esc_state esc;
  size_t line_len;
  char line[LINE_MAX_CHARS + 1];
};

/* ---- options ---- */
static bool opt_multi = false;
static int opt_n = 1;
static double opt_interval_ms = 3;
static bool opt_keep_alive = false;
static const char *opt_ready = "^ready";
static const char *opt_guest = "guest";
static double opt_timeout_s = 60;
static double opt_lead_ms = 20;
static const char *opt_output = NULL;
static long opt_ballast_mb = 0;
static bool opt_vfork = false;
static char **child_argv = NULL;

/* ---- shared state ---- */
static regex_t ready_re;
static struct instance *instances;
static int64_t origin;
static int64_t t0;              /* multi: launch time of instance 0 */
static bool go = false;         /* multi: set once every thread exists and t0 is known */
static int concluded = 0;       /* instances whose outcome is known */
static int alive = 0;           /* children forked and not yet reaped */
static pthread_mutex_t state_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t state_cond = PTHREAD_COND_INITIALIZER;
static int devnull = -1;

static int64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void sleep_until(int64_t target) {
  struct timespec t = {.tv_sec = target / 1000000000LL, .tv_nsec = target % 1000000000LL};
  /* TIMER_ABSTIME: the schedule is absolute, so lateness does not accumulate across launches. */
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL) == EINTR) {
  }
}

static void die(const char *what) {
  perror(what);
  exit(2);
}

/* Mark an instance's outcome as known; the main thread waits on this in keep-alive mode. */
static void conclude(struct instance *in, enum status st) {
  pthread_mutex_lock(&state_lock);
  if (in->status == ST_PENDING) {
    in->status = st;
    concluded++;
    pthread_cond_broadcast(&state_cond);
  }
  pthread_mutex_unlock(&state_lock);
}

/* Test the cleaned current line against the ready regex; REG_NEWLINE makes ^ mean "line start". */
static bool line_matches(struct instance *in) {
  in->line[in->line_len] = '\0';
  return regexec(&ready_re, in->line, 0, NULL, 0) == 0;
}

/*
 * Feed raw console bytes through the ANSI/CR cleaner into the line buffer. Returns true when the ready
 * regex matched a line completed in this chunk, or the partial line at its end (bootlab matches without
 * waiting for the newline too, so both recorders time Te on the same read).
 */
static bool feed(struct instance *in, const char *buf, size_t len) {
  bool hit = false;
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)buf[i];
    switch (in->esc) {
      case ESC_START:
        in->esc = c == '[' ? ESC_CSI : c == ']' ? ESC_OSC : (c == '(' || c == ')') ? ESC_CHARSET : ESC_NONE;
        continue;
      case ESC_CSI:
        if (c >= 0x40 && c <= 0x7e) in->esc = ESC_NONE; /* final byte */
        continue;
      case ESC_OSC:
        if (c == 0x07) in->esc = ESC_NONE;
        else if (c == 0x1b) in->esc = ESC_START; /* ST = ESC \, consumed as a two-byte escape */
        continue;
      case ESC_CHARSET:
        in->esc = ESC_NONE;
        continue;
      case ESC_NONE:
        break;
    }
    if (c == 0x1b) {
      in->esc = ESC_START;
    } else if (c == '\r') {
      /* dropped: CRLF consoles */
    } else if (c == '\n') {
      if (!hit && in->line_len > 0) hit = line_matches(in);
      in->line_len = 0;
    } else if (in->line_len < LINE_MAX_CHARS) {
      in->line[in->line_len++] = (char)c;
    }
  }
  if (!hit && in->line_len > 0) hit = line_matches(in);
  return hit;
}

static void kill_instance(struct instance *in) {
  pthread_mutex_lock(&state_lock);
  if (in->pid > 0 && !in->reaped) kill(in->pid, SIGKILL);
  pthread_mutex_unlock(&state_lock);
}

static void *instance_thread(void *arg) {
  struct instance *in = arg;

  if (opt_multi) {
    /* Every thread is created before t0 is fixed, so thread creation never counts as launch lag. */
    pthread_mutex_lock(&state_lock);
    while (!go) pthread_cond_wait(&state_cond, &state_lock);
    pthread_mutex_unlock(&state_lock);
    in->scheduled = t0 + (int64_t)(opt_interval_ms * 1e6) * in->index;
    sleep_until(in->scheduled);
  } else {
    in->scheduled = now_ns();
  }

  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0) die("pipe2");
  pthread_mutex_lock(&state_lock);
  in->running_at_launch = alive;
  pthread_mutex_unlock(&state_lock);

  /* ---- the timed path: Ts, fork, exec ---- */
  in->ts = now_ns();
  pid_t pid = opt_vfork ? vfork() : fork();
  if (pid == 0) {
    /* Child: only async-signal-safe calls between fork and exec (the parent is multi-threaded); with
     * vfork the child borrows this thread's stack, and these calls touch nothing of the parent's state. */
    prctl(PR_SET_PDEATHSIG, SIGKILL); /* die with the recorder, without an extra exec of setpriv */
    dup2(devnull, STDIN_FILENO);
    dup2(out[1], STDOUT_FILENO);
    dup2(devnull, STDERR_FILENO);
    execvp(child_argv[0], child_argv);
    _exit(127);
  }
  in->spawned = now_ns();
  close(out[1]);
  if (pid < 0) {
    in->end = in->spawned;
    close(out[0]);
    conclude(in, ST_SPAWN_ERROR);
    return NULL;
  }
  pthread_mutex_lock(&state_lock);
  in->pid = pid;
  alive++;
  pthread_mutex_unlock(&state_lock);

  /* ---- watch stdout until EOF; Te is the read that completes the ready match ---- */
  int64_t deadline = in->ts + (int64_t)(opt_timeout_s * 1e9);
  char buf[4096];
  for (;;) {
    int wait_ms = -1; /* once the outcome is known, just drain until EOF */
    if (in->status == ST_PENDING) {
      int64_t left = deadline - now_ns();
      if (left <= 0) {
        in->end = now_ns();
        conclude(in, ST_TIMEOUT);
        kill_instance(in);
        continue;
      }
      wait_ms = (int)(left / 1000000) + 1;
    }
    struct pollfd p = {.fd = out[0], .events = POLLIN};
    int r = poll(&p, 1, wait_ms);
    if (r < 0 && errno == EINTR) continue;
    if (r == 0) continue; /* deadline check above */
    ssize_t got = read(out[0], buf, sizeof buf);
    int64_t t = now_ns();
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break; /* EOF: the child (or whatever holds its stdout) is gone */
    if (in->first_out < 0) in->first_out = t;
    if (in->status == ST_PENDING && feed(in, buf, (size_t)got)) {
      in->te = t;
      in->end = t;
      conclude(in, ST_OK);
      /* Not keep-alive: the instance has done its job. Keep-alive: the main thread kills it later. */
      if (!opt_keep_alive) kill_instance(in);
    }
  }
  close(out[0]);
  /* EOF before the ready line: the child exited, or closed its stdout and can never be seen ready. */
  if (in->status == ST_PENDING) kill_instance(in);

  int wstatus = 0;
  while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {
  }
  pthread_mutex_lock(&state_lock);
  in->reaped = true;
  alive--;
  pthread_mutex_unlock(&state_lock);
  if (in->status == ST_PENDING) {
    in->end = now_ns();
    if (WIFEXITED(wstatus)) in->exit_code = WEXITSTATUS(wstatus);
    if (WIFSIGNALED(wstatus)) in->term_signal = WTERMSIG(wstatus);
    conclude(in, ST_EXITED);
  }
  return NULL;
}

/* ---- output ---- */

static void json_string(FILE *f, const char *s) {
  fputc('"', f);
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
    else if (c < 0x20) fprintf(f, "\\u%04x", c);
    else fputc(c, f);
  }
  fputc('"', f);
}

static void json_ns(FILE *f, const char *name, int64_t t) {
  if (t < 0) fprintf(f, ",\"%s\":null", name);
  else fprintf(f, ",\"%s\":%" PRId64, name, t - origin);
}

static void write_header(FILE *f) {
  fprintf(f, "{\"type\":\"header\",\"schema\":\"bootlab-reference/1\",\"origin\":\"%" PRId64 "\"", origin);
  fprintf(f, ",\"mode\":\"%s\",\"n\":%d,\"keep_alive\":%s,\"spawn\":\"%s\"", opt_multi ? "multi" : "single", opt_n,
          opt_keep_alive ? "true" : "false", opt_vfork ? "vfork" : "fork");
  if (opt_multi) fprintf(f, ",\"interval_ms\":%g", opt_interval_ms);
  else fputs(",\"interval_ms\":null", f);
  fputs(",\"guest\":", f);
  json_string(f, opt_guest);
  fputs(",\"ready\":", f);
  json_string(f, opt_ready);
  fputs(",\"argv\":[", f);
  for (char **a = child_argv; *a; a++) {
    if (a != child_argv) fputc(',', f);
    json_string(f, *a);
  }
  fputs("]}\n", f);
}

static void write_boot(FILE *f, const struct instance *in) {
  fputs("{\"type\":\"boot\",\"guest\":", f);
  json_string(f, opt_guest);
  fprintf(f, ",\"mode\":\"%s\",\"n\":%d,\"index\":%d,\"keep_alive\":%s", opt_multi ? "multi" : "single", opt_n,
          in->index, opt_keep_alive && opt_multi ? "true" : "false");
  if (opt_multi) fprintf(f, ",\"interval_ms\":%g", opt_interval_ms);
  else fputs(",\"interval_ms\":null", f);
  json_ns(f, "scheduled_ns", in->scheduled);
  json_ns(f, "ts_ns", in->ts);
  json_ns(f, "spawned_ns", in->spawned);
  json_ns(f, "first_output_ns", in->first_out);
  json_ns(f, "te_ns", in->te);
  json_ns(f, "end_ns", in->end);
  if (in->status == ST_OK) fprintf(f, ",\"dt_ms\":%.6f", (double)(in->te - in->ts) / 1e6);
  else fputs(",\"dt_ms\":null", f);
  fprintf(f, ",\"launch_lag_ms\":%.6f", (double)(in->ts - in->scheduled) / 1e6);
  fprintf(f, ",\"spawn_ms\":%.6f", (double)(in->spawned - in->ts) / 1e6);
  fprintf(f, ",\"status\":\"%s\",\"running_at_launch\":%d,\"pid\":%d", STATUS_NAMES[in->status],
          in->running_at_launch, (int)in->pid);
  if (in->exit_code >= 0) fprintf(f, ",\"exit_code\":%d", in->exit_code);
  else fputs(",\"exit_code\":null", f);
  fprintf(f, ",\"signal\":%d}\n", in->term_signal);
}

static void write_end(FILE *f, int64_t end) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  int counts[6] = {0};
  for (int i = 0; i < opt_n; i++) counts[instances[i].status]++;
  fprintf(f, "{\"type\":\"end\",\"t_ns\":%" PRId64 ",\"boots\":%d,\"counts\":{", end - origin, opt_n);
  for (int s = 1; s < 6; s++) fprintf(f, "%s\"%s\":%d", s > 1 ? "," : "", STATUS_NAMES[s], counts[s]);
  /* The recorder's own CPU time (children excluded) and ru_maxrss. Caution: Linux carries ru_maxrss over
   * execve, so when this recorder is started by a large process (e.g. Node) it reports that process's RSS
   * at fork time; bench/scale.ts reads VmHWM from /proc instead, which belongs to this image alone. */
  /* nvcsw/nivcsw: how often its threads slept and were woken again, or were preempted (all threads, the
   * exited ones included): bench/recorder-cost.ts prices bootlab's wake-ups against these. */
  fprintf(f, "},\"maxrss_kb\":%ld,\"utime_ms\":%.3f,\"stime_ms\":%.3f,\"nvcsw\":%ld,\"nivcsw\":%ld}\n", ru.ru_maxrss,
          ru.ru_utime.tv_sec * 1e3 + ru.ru_utime.tv_usec / 1e3, ru.ru_stime.tv_sec * 1e3 + ru.ru_stime.tv_usec / 1e3,
          ru.ru_nvcsw, ru.ru_nivcsw);
}

static void usage(void) {
  fputs("usage: recorder [--mode single|multi] [-n N] [--interval MS] [--keep-alive] [--ready REGEX]\n"
        "                [--guest NAME] [--timeout S] [--lead MS] [--ballast MB] [--spawn fork|vfork]\n"
        "                [-o FILE] -- COMMAND [ARGS...]\n",
        stderr);
  exit(2);
}

static void parse_args(int argc, char **argv) {
  int i = 1;
  for (; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(a, "--") == 0) {
      i++;
      break;
    } else if (strcmp(a, "--keep-alive") == 0) {
      opt_keep_alive = true;
    } else if (!v) {
      usage();
    } else if (strcmp(a, "--mode") == 0) {
      if (strcmp(v, "multi") == 0) opt_multi = true;
      else if (strcmp(v, "single") != 0) usage();
      i++;
    } else if (strcmp(a, "-n") == 0) {
      opt_n = atoi(v), i++;
    } else if (strcmp(a, "--interval") == 0) {
      opt_interval_ms = atof(v), i++;
    } else if (strcmp(a, "--ready") == 0) {
      opt_ready = v, i++;
    } else if (strcmp(a, "--guest") == 0) {
      opt_guest = v, i++;
    } else if (strcmp(a, "--timeout") == 0) {
      opt_timeout_s = atof(v), i++;
    } else if (strcmp(a, "--lead") == 0) {
      opt_lead_ms = atof(v), i++;
    } else if (strcmp(a, "--spawn") == 0) {
      if (strcmp(v, "vfork") == 0) opt_vfork = true;
      else if (strcmp(v, "fork") != 0) usage();
      i++;
    } else if (strcmp(a, "--ballast") == 0) {
      opt_ballast_mb = atol(v), i++;
    } else if (strcmp(a, "-o") == 0) {
      opt_output = v, i++;
    } else {
      usage();
    }
  }
  if (i >= argc || opt_n <= 0 || opt_interval_ms < 0 || opt_timeout_s <= 0) usage();
  child_argv = &argv[i];
  /* bootlab-launch checks that its parent is the recorder whose pid it is given: a command line learned from
   * a bootlab trace carries bootlab's pid there, so callers write @RECORDER_PID@ and we put in our own. */
  static char own_pid[24];
  snprintf(own_pid, sizeof own_pid, "%ld", (long)getpid());
  for (char **a = child_argv; *a; a++)
    if (strcmp(*a, "@RECORDER_PID@") == 0) *a = own_pid;
  if (!opt_multi) opt_keep_alive = false; /* as in bootlab: keep-alive is a multi-mode notion */
}

int main(int argc, char **argv) {
  parse_args(argc, argv);
  if (regcomp(&ready_re, opt_ready, REG_EXTENDED | REG_NEWLINE | REG_NOSUB) != 0) {
    fprintf(stderr, "recorder: bad --ready regex: %s\n", opt_ready);
    return 2;
  }
  /* Each instance holds one pipe: 1500 instances need more than the usual 1024 descriptors. */
  struct rlimit nofile;
  if (getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur < nofile.rlim_max) {
    nofile.rlim_cur = nofile.rlim_max;
    setrlimit(RLIMIT_NOFILE, &nofile);
  }
  devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (devnull < 0) die("/dev/null");
  FILE *out = opt_output ? fopen(opt_output, "w") : stdout;
  if (!out) die(opt_output);
  if (opt_ballast_mb > 0) {
    size_t bytes = (size_t)opt_ballast_mb << 20;
    char *ballast = malloc(bytes);
    if (!ballast) die("ballast");
    memset(ballast, 1, bytes); /* touched, so resident: fork() must copy its page-table entries */
  }

  instances = calloc((size_t)opt_n, sizeof *instances);
  if (!instances) die("calloc");
  for (int i = 0; i < opt_n; i++) {
    instances[i].index = i;
    instances[i].first_out = instances[i].te = instances[i].end = -1;
    instances[i].exit_code = -1;
  }
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  char *stacks = mmap(NULL, (size_t)opt_n * THREAD_STACK, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
  if (stacks == MAP_FAILED) die("mmap stacks");

  origin = now_ns();
  if (opt_multi) {
    for (int i = 0; i < opt_n; i++) {
      pthread_attr_setstack(&attr, stacks + (size_t)i * THREAD_STACK, THREAD_STACK);
      if (pthread_create(&instances[i].thread, &attr, instance_thread, &instances[i]) != 0) die("pthread_create");
    }
    pthread_mutex_lock(&state_lock);
    t0 = now_ns() + (int64_t)(opt_lead_ms * 1e6);
    go = true;
    pthread_cond_broadcast(&state_cond);
    /* Keep-alive: every instance stays up until the whole batch has booted (the paper's Figure 2). */
    while (opt_keep_alive && concluded < opt_n) pthread_cond_wait(&state_cond, &state_lock);
    pthread_mutex_unlock(&state_lock);
    if (opt_keep_alive) {
      for (int i = 0; i < opt_n; i++) kill_instance(&instances[i]);
    }
    for (int i = 0; i < opt_n; i++) pthread_join(instances[i].thread, NULL);
  } else {
    /* Single mode: one after another; the next instance starts once the previous one is reaped. */
    for (int i = 0; i < opt_n; i++) {
      pthread_attr_setstack(&attr, stacks + (size_t)i * THREAD_STACK, THREAD_STACK);
      if (pthread_create(&instances[i].thread, &attr, instance_thread, &instances[i]) != 0) die("pthread_create");
      pthread_join(instances[i].thread, NULL);
    }
  }
  int64_t end = now_ns();

  write_header(out);
  for (int i = 0; i < opt_n; i++) write_boot(out, &instances[i]);
  write_end(out, end);
  if (fclose(out) != 0) die("write");
  return 0;
}
