/*
 * bootlab-engine — the recorder's launch engine: it starts every VMM on an absolute schedule, reads every
 * console, and stamps each of those moments on CLOCK_MONOTONIC (the clock of Node's process.hrtime.bigint),
 * so that Node's own speed no longer moves any timestamp. Node plans, matches regexes, samples and writes;
 * this process only launches, reads and stamps (recorder/src/launch/engine.ts is its other half).
 *
 *   bootlab-engine RECORDER_PID [--priority on|off] [--memory-floor-kb N] [--dense] [--merge-any] [--sample-ms N]
 *
 * Three threads, so that launching never waits for reading and neither waits for Node:
 *   launch  sleeps with clock_nanosleep(TIMER_ABSTIME) until each planned instant, stamps Ts, and starts
 *           the VMM with clone(CLONE_VM) + execve (no copy of the address space, and no wait for the
 *           child's exec: see launch_one);
 *   reader  epoll over the commands pipe, every VMM's stdout and stderr and a pidfd per VMM; stamps every
 *           read and exit;
 *   writer  hands the queued events to Node; if Node is slow the queue grows, nobody waits. Console bytes
 *           are handed over at most every COALESCE_NS (their stamps are taken already, Node only reads
 *           them): QEMU writes a serial console one byte per write(2), and a hand-over per byte woke Node
 *           ~150 times per minkernel boot, on the cores the guest needs. Every other event goes at once.
 *
 * Death: the engine asks for SIGKILL when the recorder dies (and checks the recorder is still its parent),
 * each VMM asks for SIGKILL when the engine dies (and checks the engine is still its parent) before exec,
 * so a SIGKILL of either leaves no VMM. EOF on the commands pipe kills every VMM and ends the engine.
 * A child reports its exec failure and its PR_SET_MEMORY_MERGE result in memory it shares with the engine;
 * note that it shares the launch thread's errno too, which the launch thread reads only after its own calls.
 * Kills go through a pidfd: a reaped pid can never be signalled by mistake.
 *
 * Dense (--dense, for density runs on measurement hosts): transparent huge pages off for every VMM, and
 * address-space randomization off in each. THP off is prctl(PR_SET_THP_DISABLE), a flag of the mm: it is set
 * once, here, on the engine's own mm, which every clone(CLONE_VM) child shares, and the kernel copies it into
 * the new mm at execve — so it is a property of the whole run, like merge-any (whose prctl in a child sets it
 * on the shared mm too). ASLR off is personality(ADDR_NO_RANDOMIZE), a per-task flag, set in each child
 * before exec; never through /proc/sys/kernel/randomize_va_space, which would change the whole host. Guest RAM
 * and the TCG buffer then stop rounding up to 2 MB pages, and with KSM merge-any relocated library pages and
 * much of the heap become identical across VMMs (issue 20: 24.7 -> 3.1 MB host memory per idle minkernel).
 *
 * Merge-any (--merge-any, with --ksm): prctl(PR_SET_MEMORY_MERGE) once, here, on the engine's mm, for the
 * same reason: the flag is the mm's, and the kernel carries it into each VMM at exec. Asked in each child
 * (the 'L' flag, kept for engines started without it) it takes the shared mm's mmap lock for writing from a
 * child that, on a host busy booting a thousand guests, waits long for a CPU while holding or queueing for
 * that lock — and the launch thread's own allocations queue behind it: Figure 2 launches stalled 30-42 s
 * after ~1000 VMMs that way.
 *
 * Priority (--priority on, the default): the launch thread asks for SCHED_FIFO 20 and the reader 10, with
 * SCHED_RESET_ON_FORK so no VMM inherits it; failing that, nice -10 (reset in the child before exec).
 * The reader holds SCHED_FIFO only while two or more VMMs are alive (a multi launch, where hundreds of
 * booting guests would starve it and every stamp would come late). With one VMM — single mode — a
 * real-time reader woken by each console byte preempted that VMM on its own core every time (the kernel
 * wakes a real-time task where it last ran if a normal task runs there), ~500 times per minkernel boot;
 * as a normal task it is woken on the idle core instead, as the paper's C recorder's reader is.
 *
 * Protocol, little-endian frames [u32 length of what follows][u8 type][payload]:
 *   Node -> engine  'A' u32 argv_id, u32 argc, argc NUL-terminated strings   (define a command line)
 *                   'L' u32 id, u32 argv_id, i64 at_ns (0: now), u32 flags (1: PR_SET_MEMORY_MERGE)
 *                   'K' u32 id, i32 signal          'C' cancel every launch not yet started
 *   engine -> Node  [u32 len][u8 type][u32 id][i64 t_ns] + payload:
 *                   'H' hello: text "pid=…;priority=…"
 *                   'S' spawned: t = Ts; i64 spawned_ns, i32 pid, i32 errno (pipe/clone), u32 running
 *                   'O' stdout bytes   'E' stderr bytes   'Z' cancelled
 *                   'X' exit: i32 wait status, i32 exec errno (0: it exec'd), i32 merge (0 done, -1 not
 *                       asked, else the errno of PR_SET_MEMORY_MERGE), i32 dense (0 done, -1 not asked,
 *                       else the errno of personality(ADDR_NO_RANDOMIZE))
 *                   'W' warning text
 *                   'M' sample tick (--sample-ms): i64 MemAvailable KiB (-1 unreadable), u32 VMMs alive
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef PR_SET_MEMORY_MERGE
#define PR_SET_MEMORY_MERGE 67
#endif
#ifndef SCHED_RESET_ON_FORK
#define SCHED_RESET_ON_FORK 0x40000000
#endif
#ifndef P_PIDFD
#define P_PIDFD 3
#endif

extern char **environ;

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void die(const char *what) {
  fprintf(stderr, "bootlab-engine: %s: %s\n", what, strerror(errno));
  exit(3);
}

static void *xmalloc(size_t n) {
  void *p = malloc(n);
  if (!p) die("malloc");
  return p;
}

/* ---- event queue (any thread appends; the writer thread drains) ---- */

static pthread_mutex_t out_lock; /* priority-inheriting, like the others below: see init_locks */
static pthread_cond_t out_cond;  /* on CLOCK_MONOTONIC: see init_locks */
static char *out_buf;
static size_t out_len, out_cap;
static int out_closing;
static int out_urgent;     /* the queue holds an event other than console bytes: hand it over now */
static int out_coalescing; /* the writer is letting console bytes gather (until COALESCE_NS) */
#define COALESCE_NS 5000000

static void put(const void *p, size_t n) {
  if (out_len + n > out_cap) {
    size_t cap = out_cap ? out_cap : 65536;
    while (cap < out_len + n) cap *= 2;
    char *b = realloc(out_buf, cap);
    if (!b) die("realloc");
    out_buf = b;
    out_cap = cap;
  }
  memcpy(out_buf + out_len, p, n);
  out_len += n;
}

/* One event: header fields, then up to two payload parts. */
static void emit(char type, uint32_t id, int64_t t, const void *a, size_t an, const void *b, size_t bn) {
  uint32_t len = (uint32_t)(1 + 4 + 8 + an + bn);
  pthread_mutex_lock(&out_lock);
  int was_empty = out_len == 0;
  put(&len, 4);
  put(&type, 1);
  put(&id, 4);
  put(&t, 8);
  if (an) put(a, an);
  if (bn) put(b, bn);
  int urgent = type != 'O' && type != 'E';
  out_urgent |= urgent;
  /* Wake the writer only when it has nothing yet, or to cut its gathering short: not once per byte. */
  if (was_empty || (urgent && out_coalescing)) pthread_cond_signal(&out_cond);
  pthread_mutex_unlock(&out_lock);
}

static void emit_text(char type, const char *fmt, ...) {
  char text[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  if ((size_t)n >= sizeof text) n = sizeof text - 1;
  emit(type, 0, now_ns(), text, (size_t)n, NULL, 0);
}

static void *writer_main(void *unused) {
  (void)unused;
  pthread_setname_np(pthread_self(), "engine-writer");
  sigset_t pipe_only;
  sigemptyset(&pipe_only);
  sigaddset(&pipe_only, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_only, NULL); /* a gone Node is EPIPE here, not a signal */
  char *mine = NULL;
  size_t mine_cap = 0;
  int broken = 0;
  for (;;) {
    pthread_mutex_lock(&out_lock);
    while (out_len == 0 && !out_closing) pthread_cond_wait(&out_cond, &out_lock);
    if (out_len == 0 && out_closing) {
      pthread_mutex_unlock(&out_lock);
      return NULL;
    }
    if (!out_urgent && !out_closing) {
      int64_t until = now_ns() + COALESCE_NS;
      struct timespec deadline = {.tv_sec = until / 1000000000, .tv_nsec = until % 1000000000};
      out_coalescing = 1;
      while (!out_urgent && !out_closing && pthread_cond_timedwait(&out_cond, &out_lock, &deadline) != ETIMEDOUT) {
      }
      out_coalescing = 0;
    }
    out_urgent = 0;
    /* swap buffers so appenders never wait for a write */
    char *b = out_buf;
    size_t n = out_len, c = out_cap;
    out_buf = mine;
    out_cap = mine_cap;
    out_len = 0;
    pthread_mutex_unlock(&out_lock);
    for (size_t off = 0; off < n && !broken;) {
      ssize_t w = write(1, b + off, n - off);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) broken = 1;
      else off += (size_t)w;
    }
    mine = b;
    mine_cap = c;
  }
}

/* ---- children ---- */

struct child;
struct watch {
  struct child *child;
  char kind; /* 'O' stdout, 'E' stderr, 'P' pidfd */
  int fd;
};
struct child {
  uint32_t id;
  pid_t pid;
  int reaped;
  volatile int exec_errno; /* set by the child when it could not exec */
  volatile int merge;      /* PR_SET_MEMORY_MERGE: 0 done, -1 not asked, else errno */
  volatile int dense;      /* personality(ADDR_NO_RANDOMIZE): 0 done, -1 not asked, else errno */
  struct watch out, err, pidfd;
};

static pid_t self_pid;
static int epfd, devnull;
static int raised_nice; /* the engine runs at a negative nice: children reset it before exec */
static int dense;       /* --dense: THP off on the shared mm (set in main), ASLR off in each child */
static int merge_any;   /* --merge-any: PR_SET_MEMORY_MERGE on the shared mm, set in main; 0 done, else errno */
static int merge_any_asked;

static pthread_mutex_t table_lock;
static struct child **table; /* by instance id */
static size_t table_cap;
static unsigned live_children;

static void table_put(uint32_t id, struct child *c) {
  pthread_mutex_lock(&table_lock);
  if (id >= table_cap) {
    size_t cap = table_cap ? table_cap : 1024;
    while (cap <= id) cap *= 2;
    struct child **t = realloc(table, cap * sizeof *t);
    if (!t) die("realloc");
    memset(t + table_cap, 0, (cap - table_cap) * sizeof *t);
    table = t;
    table_cap = cap;
  }
  table[id] = c;
  live_children++;
  pthread_mutex_unlock(&table_lock);
}

static struct child *table_get(uint32_t id) {
  pthread_mutex_lock(&table_lock);
  struct child *c = id < table_cap ? table[id] : NULL;
  pthread_mutex_unlock(&table_lock);
  return c;
}

/* ---- argv table and launch queue (reader thread fills, launch thread consumes) ---- */

static char ***argvs;
static size_t argvs_cap;

struct launch {
  uint32_t id, argv_id, flags;
  int64_t at;
  int cancelled;
  struct launch *next;
};
static pthread_mutex_t queue_lock;
static pthread_cond_t queue_cond = PTHREAD_COND_INITIALIZER;
static struct launch *queue_head, *queue_tail;
static int shutting_down;
static pthread_t launch_thread;

/* A command without '/' is looked up in PATH once, here, so the child only calls execve. */
static char *resolve(const char *cmd) {
  if (strchr(cmd, '/')) return strdup(cmd);
  const char *path = getenv("PATH");
  if (!path) path = "/usr/local/bin:/usr/bin:/bin";
  for (const char *p = path; *p;) {
    const char *colon = strchr(p, ':');
    size_t n = colon ? (size_t)(colon - p) : strlen(p);
    char *full = xmalloc(n + strlen(cmd) + 2);
    memcpy(full, p, n);
    full[n] = '/';
    strcpy(full + n + 1, cmd);
    if (access(full, X_OK) == 0) return full;
    free(full);
    p += n + (colon ? 1 : 0);
  }
  return strdup(cmd);
}

/* ---- the timed path ---- */

/*
 * The spawn: clone(CLONE_VM) + execve. Like vfork it copies no page table, so its cost does not grow with
 * the engine's size or the number of live VMMs; unlike vfork the launch thread does not wait until the
 * child has exec'd — on a host whose CPUs are busy with booting guests that wait is the child's wait for a
 * CPU, and it would hold every later launch back. The child runs on a stack of its own from a small pool;
 * CLONE_CHILD_CLEARTID has the kernel zero the slot's word (and wake us) when the child's exec releases the
 * shared memory, so the slot can then be reused. The child only makes system calls, and reports through
 * its `struct child`, which is never freed.
 */
#define CHILD_STACK (64 * 1024)
struct stack_slot {
  volatile pid_t busy; /* cleared by the kernel on the child's exec or exit: its address must never move */
  char *stack;
};
static struct stack_slot **slots;
static size_t slot_count;

struct child_args {
  char **argv;
  int out_w, err_w, merge;
  struct child *c;
};

static int child_main(void *p) {
  const struct child_args *a = p;
  if (raised_nice) setpriority(PRIO_PROCESS, 0, 0);
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) {
    a->c->exec_errno = errno;
    _exit(126);
  }
  if (getppid() != self_pid) _exit(125); /* engine already gone: nobody would stop this VMM */
  if (a->merge && !merge_any_asked && prctl(PR_SET_MEMORY_MERGE, 1, 0, 0, 0) != 0) a->c->merge = errno;
  if (dense) {
    int now = personality(0xffffffff);
    if (now == -1 || personality((unsigned long)now | ADDR_NO_RANDOMIZE) == -1) a->c->dense = errno;
  }
  dup2(devnull, 0);
  dup2(a->out_w, 1);
  dup2(a->err_w, 2);
  execve(a->argv[0], a->argv, environ);
  a->c->exec_errno = errno;
  _exit(127);
}

static struct stack_slot *free_slot(void) {
  for (size_t i = 0; i < slot_count; i++)
    if (!slots[i]->busy) return slots[i];
  struct stack_slot **grown = realloc(slots, (slot_count + 1) * sizeof *slots);
  if (!grown) die("realloc");
  slots = grown;
  struct stack_slot *slot = xmalloc(sizeof *slot);
  slot->busy = 0;
  slot->stack = xmalloc(CHILD_STACK);
  slots[slot_count++] = slot;
  return slot;
}

/*
 * What a launch needs besides the clone itself — its record, two pipes and a stack slot — is made before the
 * launch thread sleeps until the planned instant, not after it wakes: at load ~800 (Figure 2's thousand booting
 * guests) an allocation or a pipe2 right before Ts was what made single launches 1-3 ms late.
 */
struct prepared {
  struct child *c;
  int out[2], err[2];
  int failure;
  struct stack_slot *slot;
};

static void prepare_launch(const struct launch *l, struct prepared *p) {
  char **argv = l->argv_id < argvs_cap ? argvs[l->argv_id] : NULL;
  p->c = calloc(1, sizeof *p->c);
  if (!p->c) die("calloc");
  p->c->id = l->id;
  p->c->merge = (l->flags & 1) ? (merge_any_asked ? merge_any : 0) : -1;
  p->c->dense = dense ? 0 : -1;
  p->out[0] = p->out[1] = p->err[0] = p->err[1] = -1;
  p->failure = 0;
  if (!argv) p->failure = EINVAL;
  else if (pipe2(p->out, O_CLOEXEC) != 0 || pipe2(p->err, O_CLOEXEC) != 0) p->failure = errno;
  p->slot = free_slot();
  /* Must outlive the launch until the child has exec'd: it lives in the slot's own stack. */
  struct child_args *args = (struct child_args *)(void *)p->slot->stack;
  *args = (struct child_args){argv, p->out[1], p->err[1], (l->flags & 1) != 0, p->c};
  p->slot->busy = 1;
}

/* A prepared launch that was cancelled before its instant. */
static void unprepare_launch(struct prepared *p) {
  for (int i = 0; i < 2; i++) {
    if (p->out[i] >= 0) close(p->out[i]);
    if (p->err[i] >= 0) close(p->err[i]);
  }
  p->slot->busy = 0;
  free(p->c);
}

static void launch_one(const struct launch *l, struct prepared *p) {
  struct child *c = p->c;
  int *out = p->out, *err = p->err;
  int failure = p->failure;
  struct stack_slot *slot = p->slot;
  struct child_args *args = (struct child_args *)(void *)slot->stack;
  pthread_mutex_lock(&table_lock);
  uint32_t running = live_children;
  pthread_mutex_unlock(&table_lock);

  /* Ts: immediately before the spawn, as in the paper (just before fork). */
  int64_t ts = now_ns();
  pid_t pid = -1;
  if (!failure) {
    pid = clone(child_main, slot->stack + CHILD_STACK, CLONE_VM | CLONE_CHILD_CLEARTID | SIGCHLD, args, NULL, NULL,
                (pid_t *)&slot->busy);
    if (pid < 0) failure = errno;
  }
  int64_t spawned = now_ns();
  if (pid < 0) slot->busy = 0;
  if (out[1] >= 0) close(out[1]);
  if (err[1] >= 0) close(err[1]);

  int pidfd = pid > 0 ? (int)syscall(SYS_pidfd_open, pid, 0) : -1;
  if (pid > 0 && pidfd < 0) {
    /* Cannot watch it: do not leave it running unwatched. */
    failure = errno;
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    pid = -1;
  }
  int32_t pid32 = pid, err32 = failure;
  char payload[8 + 4 + 4 + 4];
  memcpy(payload, &spawned, 8);
  memcpy(payload + 8, &pid32, 4);
  memcpy(payload + 12, &err32, 4);
  memcpy(payload + 16, &running, 4);
  if (pid > 0) {
    c->pid = pid;
    c->out = (struct watch){c, 'O', out[0]};
    c->err = (struct watch){c, 'E', err[0]};
    c->pidfd = (struct watch){c, 'P', pidfd};
    table_put(l->id, c); /* before Node can hear of it: a kill it sends at once finds the child */
  }
  /* The spawn event goes out before the child's pipes are watched, so Node sees it before any output. */
  emit('S', l->id, ts, payload, sizeof payload, NULL, 0);
  if (pid <= 0) {
    if (out[0] >= 0) close(out[0]);
    if (err[0] >= 0) close(err[0]);
    int32_t x[4] = {127 << 8, 0, c->merge, c->dense};
    emit('X', l->id, now_ns(), x, sizeof x, NULL, 0);
    free(c);
    return;
  }
  fcntl(out[0], F_SETFL, O_NONBLOCK);
  fcntl(err[0], F_SETFL, O_NONBLOCK);
  struct watch *ws[3] = {&c->out, &c->err, &c->pidfd};
  for (int i = 0; i < 3; i++) {
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = ws[i]};
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, ws[i]->fd, &ev) != 0) die("epoll_ctl");
  }
}

static void on_wake(int sig) { (void)sig; } /* interrupts clock_nanosleep when launches are cancelled */

static void *launch_main(void *unused) {
  (void)unused;
  for (;;) {
    pthread_mutex_lock(&queue_lock);
    while (!queue_head && !shutting_down) pthread_cond_wait(&queue_cond, &queue_lock);
    if (!queue_head) {
      pthread_mutex_unlock(&queue_lock);
      return NULL;
    }
    struct launch *l = queue_head;
    int64_t at = l->at;
    int cancelled = l->cancelled;
    pthread_mutex_unlock(&queue_lock);
    struct prepared prep;
    int prepared = !cancelled;
    if (prepared) prepare_launch(l, &prep);
    if (!cancelled && at > 0) {
      struct timespec when = {.tv_sec = at / 1000000000, .tv_nsec = at % 1000000000};
      while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &when, NULL) == EINTR) {
        pthread_mutex_lock(&queue_lock);
        cancelled = l->cancelled;
        pthread_mutex_unlock(&queue_lock);
        if (cancelled) break;
      }
    }
    pthread_mutex_lock(&queue_lock);
    cancelled = l->cancelled;
    queue_head = l->next;
    if (!queue_head) queue_tail = NULL;
    pthread_mutex_unlock(&queue_lock);
    if (cancelled) {
      if (prepared) unprepare_launch(&prep);
      emit('Z', l->id, now_ns(), NULL, 0, NULL, 0);
    } else {
      launch_one(l, &prep);
    }
    free(l);
  }
}

static void cancel_all(void) {
  pthread_mutex_lock(&queue_lock);
  for (struct launch *l = queue_head; l; l = l->next) l->cancelled = 1;
  pthread_mutex_unlock(&queue_lock);
  pthread_kill(launch_thread, SIGUSR1);
}

/* ---- reader ---- */

static char readbuf[65536];

/* Read what the pipe holds now; returns 0 at EOF (the watch is then closed), 1 otherwise. */
static int drain(struct watch *w) {
  for (;;) {
    ssize_t n = read(w->fd, readbuf, sizeof readbuf);
    int64_t t = now_ns();
    if (n > 0) {
      emit(w->kind, w->child->id, t, readbuf, (size_t)n, NULL, 0);
      if ((size_t)n < sizeof readbuf) return 1; /* one read per wake-up: others get their turn */
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return 1;
    epoll_ctl(epfd, EPOLL_CTL_DEL, w->fd, NULL);
    close(w->fd);
    w->fd = -1;
    return 0;
  }
}

static void reap(struct child *c) {
  siginfo_t info;
  memset(&info, 0, sizeof info);
  if (waitid((idtype_t)P_PIDFD, (id_t)c->pidfd.fd, &info, WEXITED | WNOHANG) != 0 || info.si_pid == 0) return;
  int64_t t = now_ns();
  int32_t status = info.si_code == CLD_EXITED ? (info.si_status & 0xff) << 8 : (info.si_status & 0x7f);
  /* What the VMM wrote before it died comes before its exit. A grandchild holding the pipe open must not
   * hold back the exit, so read only what is there now. */
  if (c->out.fd >= 0) drain(&c->out);
  if (c->err.fd >= 0) drain(&c->err);
  struct watch *ws[3] = {&c->out, &c->err, &c->pidfd};
  for (int i = 0; i < 3; i++)
    if (ws[i]->fd >= 0) {
      epoll_ctl(epfd, EPOLL_CTL_DEL, ws[i]->fd, NULL);
      close(ws[i]->fd);
      ws[i]->fd = -1;
    }
  pthread_mutex_lock(&table_lock);
  c->reaped = 1;
  live_children--;
  pthread_mutex_unlock(&table_lock);
  int32_t x[4] = {status, c->exec_errno, c->merge, c->dense};
  emit('X', c->id, t, x, sizeof x, NULL, 0);
}

static void kill_child(uint32_t id, int sig) {
  struct child *c = table_get(id);
  /* Only the reader thread reaps, and this is the reader thread: an unreaped pidfd is our process. */
  if (c && !c->reaped && c->pidfd.fd >= 0) syscall(SYS_pidfd_send_signal, c->pidfd.fd, sig, NULL, 0);
}

static void kill_all(void) {
  pthread_mutex_lock(&table_lock);
  size_t cap = table_cap;
  pthread_mutex_unlock(&table_lock);
  for (size_t i = 0; i < cap; i++) kill_child((uint32_t)i, SIGKILL);
}

static int braked; /* the memory brake fired (see mem_available_kb) */

static char *cmd_buf;
static size_t cmd_len, cmd_cap;

static uint32_t rd32(const char *p) {
  uint32_t v;
  memcpy(&v, p, 4);
  return v;
}

static void command(char type, const char *p, uint32_t n) {
  if (type == 'A' && n >= 8) {
    uint32_t argv_id = rd32(p), argc = rd32(p + 4);
    if (argc == 0 || argc > 1u << 20) return;
    char **argv = xmalloc((argc + 1) * sizeof *argv);
    const char *s = p + 8, *end = p + n;
    for (uint32_t i = 0; i < argc; i++) {
      const char *z = memchr(s, 0, (size_t)(end - s));
      if (!z) {
        emit_text('W', "argv %u: truncated", argv_id);
        free(argv);
        return;
      }
      argv[i] = i == 0 ? resolve(s) : strdup(s);
      s = z + 1;
    }
    argv[argc] = NULL;
    if (argv_id >= argvs_cap) {
      size_t cap = argvs_cap ? argvs_cap : 16;
      while (cap <= argv_id) cap *= 2;
      char ***a = realloc(argvs, cap * sizeof *a);
      if (!a) die("realloc");
      memset(a + argvs_cap, 0, (cap - argvs_cap) * sizeof *a);
      argvs = a;
      argvs_cap = cap;
    }
    argvs[argv_id] = argv; /* never freed: a launch may still refer to it; a run defines a handful */
  } else if (type == 'L' && n >= 20) {
    struct launch *l = calloc(1, sizeof *l);
    if (!l) die("calloc");
    l->id = rd32(p);
    l->argv_id = rd32(p + 4);
    memcpy(&l->at, p + 8, 8);
    l->flags = rd32(p + 16);
    l->cancelled = braked; /* after the memory brake nothing more is launched */
    pthread_mutex_lock(&queue_lock);
    if (queue_tail) queue_tail->next = l;
    else queue_head = l;
    queue_tail = l;
    pthread_cond_signal(&queue_cond);
    pthread_mutex_unlock(&queue_lock);
  } else if (type == 'K' && n >= 8) {
    int32_t sig;
    memcpy(&sig, p + 4, 4);
    kill_child(rd32(p), sig);
  } else if (type == 'C') {
    cancel_all();
  } else {
    emit_text('W', "unknown command '%c' (%u bytes)", type, n);
  }
}

/* Returns 0 at EOF of the commands pipe. */
static int read_commands(void) {
  if (cmd_cap - cmd_len < 65536) {
    cmd_cap = cmd_cap ? cmd_cap * 2 : 131072;
    cmd_buf = realloc(cmd_buf, cmd_cap);
    if (!cmd_buf) die("realloc");
  }
  ssize_t n = read(0, cmd_buf + cmd_len, cmd_cap - cmd_len);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return 1;
  if (n <= 0) return 0;
  cmd_len += (size_t)n;
  size_t off = 0;
  while (cmd_len - off >= 5) {
    uint32_t len = rd32(cmd_buf + off);
    if (cmd_len - off - 4 < len) break;
    command(cmd_buf[off + 4], cmd_buf + off + 5, len - 1);
    off += 4 + len;
  }
  memmove(cmd_buf, cmd_buf + off, cmd_len - off);
  cmd_len -= off;
  return 1;
}

/* ---- priority ---- */

static void raise_thread_priority(int fifo_priority, char *said, size_t said_n) {
  struct sched_param sp = {.sched_priority = fifo_priority};
  if (sched_setscheduler((pid_t)syscall(SYS_gettid), SCHED_FIFO | SCHED_RESET_ON_FORK, &sp) == 0) {
    snprintf(said, said_n, "fifo:%d", fifo_priority);
    return;
  }
  int fifo_errno = errno;
  if (setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), -10) == 0) {
    raised_nice = 1;
    snprintf(said, said_n, "nice:-10 (SCHED_FIFO: %s)", strerror(fifo_errno));
    return;
  }
  snprintf(said, said_n, "none (SCHED_FIFO: %s; nice: %s)", strerror(fifo_errno), strerror(errno));
}

static char launch_priority[160] = "off";
static int want_priority = 1;
static int reader_fifo;   /* the reader got SCHED_FIFO at start, so it may take it again */
static int reader_raised; /* the reader holds SCHED_FIFO now */

/* SCHED_FIFO for the reader only while `many` VMMs are alive (see Priority above). */
static void reader_priority_for(int many) {
  if (!reader_fifo || many == reader_raised) return;
  struct sched_param sp = {.sched_priority = many ? 10 : 0};
  if (sched_setscheduler(0, (many ? SCHED_FIFO : SCHED_OTHER) | SCHED_RESET_ON_FORK, &sp) == 0) reader_raised = many;
}

/*
 * Memory emergency brake (--memory-floor-kb N): with hundreds of booting VMMs on few cores the recorder
 * (Node, not prioritized) gets almost no CPU and its memory guard reacts too late — 1460 booting minkernels
 * took a 24 GiB host from 8.6 GiB available to the OOM killer in under a minute. The reader thread runs at
 * raised priority, so it checks MemAvailable itself every 50 ms and, under the floor, cancels every launch
 * not made and kills every VMM, then tells the recorder.
 */
static long long memory_floor_kb;

static long long mem_available_kb(void) {
  char buf[4096];
  int fd = open("/proc/meminfo", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return -1;
  buf[n] = 0;
  const char *p = strstr(buf, "MemAvailable:");
  return p ? strtoll(p + 13, NULL, 10) : -1;
}

/*
 * Sample ticks (--sample-ms N): the reader stamps the timeline's samples. Node's own timer, at load 100-800
 * (thousands of VMMs on 2 cores), fired up to 3.5 s apart; the reader, at its raised priority with many VMMs,
 * wakes on time. Every N ms it emits 'M' with MemAvailable and the VMMs alive at that instant; Node adds
 * what only it knows (booting, RSS/PSS sums) when it gets there.
 */
static int64_t sample_ns;
static int64_t next_sample_ns;

static void sample_tick(int64_t now) {
  if (!sample_ns || now < next_sample_ns) return;
  long long avail = mem_available_kb();
  pthread_mutex_lock(&table_lock);
  uint32_t live = live_children;
  pthread_mutex_unlock(&table_lock);
  int64_t avail64 = avail;
  emit('M', 0, now, &avail64, sizeof avail64, &live, sizeof live);
  next_sample_ns += sample_ns;
  if (next_sample_ns <= now) next_sample_ns = now + sample_ns; /* fell behind: no burst of catch-up ticks */
}

/* epoll_wait's timeout in ms: until the next sample tick, and at most `cap` (-1: none). */
static int wait_ms(int cap) {
  if (!sample_ns) return cap;
  int64_t left = next_sample_ns - now_ns();
  int until_tick = left <= 0 ? 0 : (int)((left + 999999) / 1000000);
  return cap < 0 || until_tick < cap ? until_tick : cap;
}

static pthread_mutex_t prio_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t prio_cond = PTHREAD_COND_INITIALIZER;
static int prio_done;

static void *launch_entry(void *unused) {
  pthread_setname_np(pthread_self(), "engine-launch");
  if (want_priority) raise_thread_priority(20, launch_priority, sizeof launch_priority);
  pthread_mutex_lock(&prio_lock);
  prio_done = 1;
  pthread_cond_signal(&prio_cond);
  pthread_mutex_unlock(&prio_lock);
  return launch_main(unused);
}

/*
 * The launch thread (SCHED_FIFO) shares these locks with the writer thread (normal priority): a writer
 * preempted while holding one, on a host whose CPUs are busy, held launches back 10-18 ms. With priority
 * inheritance the holder runs at the waiter's priority until it lets go.
 */
static void init_locks(void) {
  pthread_mutexattr_t attr;
  pthread_mutexattr_init(&attr);
  pthread_mutexattr_setprotocol(&attr, PTHREAD_PRIO_INHERIT);
  pthread_mutex_t *locks[] = {&out_lock, &table_lock, &queue_lock};
  for (size_t i = 0; i < sizeof locks / sizeof *locks; i++)
    if (pthread_mutex_init(locks[i], &attr) != 0) die("pthread_mutex_init");
  pthread_mutexattr_destroy(&attr);
  pthread_condattr_t cattr;
  pthread_condattr_init(&cattr);
  pthread_condattr_setclock(&cattr, CLOCK_MONOTONIC);
  if (pthread_cond_init(&out_cond, &cattr) != 0) die("pthread_cond_init");
  pthread_condattr_destroy(&cattr);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fputs("usage: bootlab-engine RECORDER_PID [--priority on|off] [--memory-floor-kb N] [--dense] [--merge-any] [--sample-ms N]\n", stderr);
    return 2;
  }
  long recorder = strtol(argv[1], NULL, 10);
  for (int i = 2; i < argc; i++)
    if (strcmp(argv[i], "--dense") == 0) dense = 1;
    else if (strcmp(argv[i], "--merge-any") == 0) merge_any_asked = 1;
    else if (i + 1 < argc && strcmp(argv[i], "--priority") == 0) want_priority = strcmp(argv[++i], "off") != 0;
    else if (i + 1 < argc && strcmp(argv[i], "--memory-floor-kb") == 0) memory_floor_kb = strtoll(argv[++i], NULL, 10);
    else if (i + 1 < argc && strcmp(argv[i], "--sample-ms") == 0) sample_ns = strtoll(argv[++i], NULL, 10) * 1000000;
  if (recorder <= 1) return 2;
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) die("prctl(PR_SET_PDEATHSIG)");
  if ((long)getppid() != recorder) return 125;
  self_pid = getpid();
  init_locks();
  /* THP off before any child exists: the flag lives on the mm every child shares until its exec copies it. */
  char dense_said[128] = "off";
  if (dense) {
    if (prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0) == 0) snprintf(dense_said, sizeof dense_said, "thp-off,aslr-off");
    else snprintf(dense_said, sizeof dense_said, "error:PR_SET_THP_DISABLE:%s", strerror(errno));
  }
  if (merge_any_asked && prctl(PR_SET_MEMORY_MERGE, 1, 0, 0, 0) != 0) merge_any = errno;

  /* 3 descriptors per VMM: take what the hard limit allows. */
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  /* Grow the descriptor table now, while single-threaded. Grown later, in a process with threads, each
   * doubling waits for an RCU grace period (synchronize_rcu in expand_fdtable): launches stalled 10-18 ms at
   * ~85, 170, 340, 680 and 1360 VMMs (3 descriptors each). The table never shrinks; a child copies only up
   * to the highest descriptor open, so this costs no spawn anything. */
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
    int high = (int)(rl.rlim_cur > 32768 ? 32768 : rl.rlim_cur) - 1;
    if (high > 1024 && dup2(2, high) == high) close(high);
  }
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_wake; /* no SA_RESTART: the sleep returns EINTR */
  sigaction(SIGUSR1, &sa, NULL);
  devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
  epfd = epoll_create1(EPOLL_CLOEXEC);
  if (devnull < 0 || epfd < 0) die("setup");
  fcntl(0, F_SETFD, FD_CLOEXEC);
  fcntl(1, F_SETFD, FD_CLOEXEC);

  pthread_t writer;
  if (pthread_create(&writer, NULL, writer_main, NULL) != 0) die("pthread_create");
  if (pthread_create(&launch_thread, NULL, launch_entry, NULL) != 0) die("pthread_create");
  pthread_mutex_lock(&prio_lock);
  while (!prio_done) pthread_cond_wait(&prio_cond, &prio_lock);
  pthread_mutex_unlock(&prio_lock);
  char reader_priority[160] = "off";
  if (want_priority) raise_thread_priority(10, reader_priority, sizeof reader_priority);
  reader_fifo = reader_raised = strncmp(reader_priority, "fifo:", 5) == 0;
  if (reader_fifo) strcat(reader_priority, " with 2+ VMMs");
  reader_priority_for(0);
  emit_text('H', "pid=%d;priority=%s;reader=%s;dense=%s", (int)self_pid, launch_priority, reader_priority, dense_said);

  next_sample_ns = now_ns() + sample_ns;
  static struct watch commands = {NULL, 'C', 0};
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &commands};
  if (epoll_ctl(epfd, EPOLL_CTL_ADD, 0, &ev) != 0) die("epoll_ctl");
  int open_commands = 1;
  struct epoll_event events[256];
  for (;;) {
    pthread_mutex_lock(&table_lock);
    int many = live_children >= 2;
    pthread_mutex_unlock(&table_lock);
    reader_priority_for(many);
    if (!open_commands) {
      pthread_mutex_lock(&table_lock);
      unsigned live = live_children;
      pthread_mutex_unlock(&table_lock);
      pthread_mutex_lock(&queue_lock);
      int pending = queue_head != NULL;
      pthread_mutex_unlock(&queue_lock);
      if (!live && !pending) break;
      kill_all(); /* also any launched since the last pass */
    }
    if (memory_floor_kb > 0 && !braked) {
      static int64_t last_check;
      int64_t now = now_ns();
      if (now - last_check >= 50000000) {
        last_check = now;
        long long avail = mem_available_kb();
        if (avail >= 0 && avail < memory_floor_kb) {
          braked = 1;
          cancel_all();
          kill_all();
          emit_text('W', "memory emergency: MemAvailable %lld KiB under the %lld KiB floor; every launch cancelled and every VMM killed", avail, memory_floor_kb);
        }
      }
    }
    /* The brake's own 50 ms wake-ups only while several VMMs are alive: one VMM (single mode) is Node's
     * memory guard's to watch, and the check still runs whenever the reader wakes for its output. */
    sample_tick(now_ns());
    int n = epoll_wait(epfd, events, 256, wait_ms(open_commands ? (memory_floor_kb > 0 && !braked && many ? 50 : -1) : 100));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) die("epoll_wait");
    for (int i = 0; i < n; i++) {
      struct watch *w = events[i].data.ptr;
      if (w == &commands) {
        if (!read_commands()) {
          /* Node is gone or done: nothing more will be launched, and no VMM outlives the run. */
          open_commands = 0;
          epoll_ctl(epfd, EPOLL_CTL_DEL, 0, NULL);
          pthread_mutex_lock(&queue_lock);
          shutting_down = 1;
          pthread_cond_signal(&queue_cond);
          pthread_mutex_unlock(&queue_lock);
          cancel_all();
          kill_all();
        }
      } else if (w->kind == 'P') {
        reap(w->child);
      } else if (w->fd >= 0) {
        drain(w);
      }
    }
  }
  pthread_join(launch_thread, NULL);
  kill_all(); /* a launch that was under way when the loop ended */
  pthread_mutex_lock(&out_lock);
  out_closing = 1;
  pthread_cond_signal(&out_cond);
  pthread_mutex_unlock(&out_lock);
  pthread_join(writer, NULL);
  return 0;
}
