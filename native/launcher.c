/*
 * tsbuild-launcher: the launcher of an OCI runtime (src/runtime/drivers/launcher.ts) as one small
 * program instead of unshare + sh + mount. It does what the shell launcher does, in the same
 * order and with the same protocol on fd 3, without executing anything before the runtime:
 *
 *   tsbuild-launcher [-p] [-C DIR] [-o DATA -t TARGET] [-j CGROUP_DIR]... [-d HIDE] -- RUNTIME...
 *
 *   -p   a mount namespace of its own, every mount private (unshare --mount --propagation private)
 *   -o/-t  mount an overlay with options DATA at TARGET (run in DIR, given with -C: its relative
 *        lower dir names are resolved there)
 *   -j   join the cgroup dir (writes this process's pid to its cgroup.procs); the joins run on a
 *        thread while the mounts are made (the first may wait for an RCU grace period)
 *   -d   hide the mount at HIDE under an empty read-only tmpfs (the cgroup2 mount on hybrid
 *        hosts, which crun must not see); cgroup.procs files under it are opened before
 *
 * Every signal is set to its default disposition and unblocked first.
 *
 * fd 3 is a socket to tsbuild: the launcher writes `m` when the mounts are made, then reads
 * `go` (anything else, or end of file, and it exits with status 1, starting nothing), writes `x`,
 * closes fd 3 and execs RUNTIME, so that only fds 0-2 reach it. Until then its error messages go
 * to fd 3, never to the container's stderr.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#define CONTROL_FD 3
#define MAX_JOINS 64

static void report(const char *fmt, ...) {
  char line[4096];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(line, sizeof line - 1, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  if ((size_t)n > sizeof line - 2) n = sizeof line - 2;
  line[n++] = '\n';
  ssize_t w = write(CONTROL_FD, line, (size_t)n);
  (void)w;
}

static void fail(const char *fmt, ...) {
  char msg[4000];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  report("tsbuild-launcher: %s", msg);
  _exit(1);
}

static const char *join_dirs[MAX_JOINS];
static int join_fds[MAX_JOINS];
static int join_count;
static int join_errno;
static const char *join_failed;

/* joiner writes this process's pid to every cgroup.procs opened, in order (a move of the whole process). */
static void *joiner(void *arg) {
  (void)arg;
  char pid[32];
  int n = snprintf(pid, sizeof pid, "%d\n", (int)getpid());
  for (int i = 0; i < join_count; i++) {
    if (write(join_fds[i], pid, (size_t)n) != n) {
      join_errno = errno;
      join_failed = join_dirs[i];
      break;
    }
  }
  return NULL;
}

/* kernel_sigaction is the kernel's struct for rt_sigaction (glibc's sigaction refuses its own
 * internal signals 32 and 33, which glibc's posix_spawn leaves ignored in a child). */
struct kernel_sigaction {
  void (*handler)(int);
  unsigned long flags;
  void (*restorer)(void);
  unsigned long mask;
};

/* default_signals puts every signal at its default disposition and blocks none, so that the
 * runtime and the container start as from a fresh exec (tsbuild's native spawn leaves glibc's
 * internal signals ignored; Node ignores SIGPIPE). */
static void default_signals(void) {
  struct kernel_sigaction dfl = {SIG_DFL, 0, NULL, 0};
  for (int sig = 1; sig <= 64; sig++) {
    if (sig == SIGKILL || sig == SIGSTOP) continue;
    syscall(SYS_rt_sigaction, sig, &dfl, NULL, sizeof dfl.mask);
  }
  unsigned long none = 0;
  syscall(SYS_rt_sigprocmask, SIG_SETMASK, &none, NULL, sizeof none);
}

int main(int argc, char **argv) {
  default_signals();
  int private_mounts = 0;
  const char *cwd = NULL, *data = NULL, *target = NULL, *hide = NULL;
  int i = 1;
  for (; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--") == 0) {
      i++;
      break;
    }
    if (strcmp(a, "-p") == 0) {
      private_mounts = 1;
      continue;
    }
    if (i + 1 >= argc) fail("option %s needs a value", a);
    const char *v = argv[++i];
    if (strcmp(a, "-C") == 0) cwd = v;
    else if (strcmp(a, "-o") == 0) data = v;
    else if (strcmp(a, "-t") == 0) target = v;
    else if (strcmp(a, "-d") == 0) hide = v;
    else if (strcmp(a, "-j") == 0) {
      if (join_count == MAX_JOINS) fail("more than %d cgroups to join", MAX_JOINS);
      join_dirs[join_count++] = v;
    } else fail("unknown option %s", a);
  }
  if (i >= argc) fail("no runtime to run after --");
  if ((data == NULL) != (target == NULL)) fail("-o and -t go together");
  if ((data != NULL || hide != NULL) && !private_mounts) fail("mounts need -p (a mount namespace of the launcher's own)");

  if (private_mounts) {
    if (unshare(CLONE_NEWNS) != 0) fail("unshare of the mount namespace failed: %s", strerror(errno));
    if (mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) fail("making the mounts private failed: %s", strerror(errno));
  }
  /* Every cgroup.procs opened first: those under the mount that is hidden below cannot be reached after. */
  for (int j = 0; j < join_count; j++) {
    char path[4096];
    if (snprintf(path, sizeof path, "%s/cgroup.procs", join_dirs[j]) >= (int)sizeof path) fail("cgroup path too long: %s", join_dirs[j]);
    join_fds[j] = open(path, O_WRONLY | O_CLOEXEC);
    if (join_fds[j] < 0) fail("cannot open %s: %s", path, strerror(errno));
  }
  pthread_t thread;
  int joining = join_count > 0;
  if (joining && pthread_create(&thread, NULL, joiner, NULL) != 0) fail("cannot start the cgroup joins");

  if (data != NULL) {
    if (cwd != NULL && chdir(cwd) != 0) fail("cannot enter %s: %s", cwd, strerror(errno));
    if (mount("overlay", target, "overlay", 0, data) != 0) fail("mount of the overlay at %s failed: %s", target, strerror(errno));
    if (chdir("/") != 0) fail("cannot enter /: %s", strerror(errno));
  }
  if (hide != NULL && mount("tsbuild-hidden", hide, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0555,size=4k") != 0) fail("hiding %s failed: %s", hide, strerror(errno));
  report("m");

  if (joining) {
    pthread_join(thread, NULL);
    if (join_failed != NULL) fail("joining the cgroup %s failed: %s", join_failed, strerror(join_errno));
    for (int j = 0; j < join_count; j++) close(join_fds[j]);
  }

  char go[4];
  size_t got = 0;
  while (got < sizeof go) {
    ssize_t r = read(CONTROL_FD, go + got, sizeof go - got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    got += (size_t)r;
    if (memchr(go, '\n', got) != NULL) break;
  }
  if (got != 3 || memcmp(go, "go\n", 3) != 0) _exit(1);
  report("x");
  close(CONTROL_FD);
  execvp(argv[i], argv + i);
  fprintf(stderr, "tsbuild-launcher: cannot run %s: %s\n", argv[i], strerror(errno));
  return 127;
}
