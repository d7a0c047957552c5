/*
 * tsbuild's native spawn: starts a program with posix_spawnp (glibc's clone(CLONE_VM|CLONE_VFORK):
 * no copy of the caller's page tables, so its cost does not grow with Node's heap the way
 * libuv's fork() does: ~5 ms for a container start's launcher here, against ~0.3 ms) and reports
 * its exit through a pidfd watched on Node's own event loop.
 *
 *   spawn(file, argv, env, stdin, onExit) -> { pid, stdin?, stdout, stderr, control }
 *
 * The child gets, as fds 0-3: the read end of a new pipe (`stdin` true) or /dev/null, the write
 * ends of two new pipes, and one end of a new socket pair; it leads a session of its own
 * (setsid, as child_process's `detached`), with every signal at its default disposition and none
 * blocked (as libuv does: Node ignores SIGPIPE). The other ends come back as fds for net.Socket.
 * `onExit(code, signal)` is called once on the event loop when the child has exited and been
 * reaped (code null when a signal ended it, the signal's number then). Nothing else waits for
 * this child: libuv reaps only the pids it spawned. src/runtime/native-spawn.ts wraps it as a
 * ChildProcess-like object; without the addon child_process.spawn is used.
 */
#define _GNU_SOURCE
#define NAPI_VERSION 8
#include <errno.h>
#include <fcntl.h>
#include <node_api.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uv.h>

/* LOW_FD: every fd given to the child is first moved to at least this number, so that no dup2
 * onto 0-3 has the same fd as source and target (a no-op that would keep FD_CLOEXEC). */
#define LOW_FD 10

typedef struct {
  uv_poll_t poll;
  napi_env env;
  napi_ref on_exit;
  napi_async_context context;
  pid_t pid;
  int pidfd;
} Watch;

/* throw_error throws `what: strerror(err)`, with code `code` (NULL: none). */
static napi_value throw_error(napi_env env, const char *code, const char *what, int err) {
  char msg[512];
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(err));
  napi_throw_error(env, code, msg);
  return NULL;
}

static int high_cloexec(int fd) {
  if (fd < 0) return fd;
  int moved = fcntl(fd, F_DUPFD_CLOEXEC, LOW_FD);
  int saved = errno;
  close(fd);
  errno = saved;
  return moved;
}

/* closed frees a watch once libuv is done with its handle; the pidfd is closed only then. */
static void closed(uv_handle_t *handle) {
  Watch *w = (Watch *)handle;
  if (w->pidfd >= 0) close(w->pidfd);
  free(w);
}

static void on_readable(uv_poll_t *poll, int status, int events) {
  (void)status;
  (void)events;
  Watch *w = (Watch *)poll;
  siginfo_t info;
  memset(&info, 0, sizeof info);
  int r;
  do r = waitid(P_PID, (id_t)w->pid, &info, WEXITED | WNOHANG);
  while (r < 0 && errno == EINTR);
  if (r == 0 && info.si_pid == 0) return; /* not exited yet (a spurious wake-up) */
  uv_poll_stop(poll);
  napi_env env = w->env;
  napi_handle_scope scope;
  napi_open_handle_scope(env, &scope);
  napi_value fn, recv, args[2], result;
  napi_get_reference_value(env, w->on_exit, &fn);
  napi_get_global(env, &recv);
  if (r < 0) {
    /* Reaped by someone else: the status is lost. */
    napi_get_null(env, &args[0]);
    napi_get_null(env, &args[1]);
  } else if (info.si_code == CLD_EXITED) {
    napi_create_int32(env, info.si_status, &args[0]);
    napi_get_null(env, &args[1]);
  } else {
    napi_get_null(env, &args[0]);
    napi_create_int32(env, info.si_status, &args[1]);
  }
  if (napi_make_callback(env, w->context, recv, fn, 2, args, &result) == napi_pending_exception) {
    /* The callback threw: that is the process's uncaught exception, as from any other callback. */
    napi_value error;
    napi_get_and_clear_last_exception(env, &error);
    napi_fatal_exception(env, error);
  }
  napi_delete_reference(env, w->on_exit);
  napi_async_destroy(env, w->context);
  napi_close_handle_scope(env, scope);
  uv_close((uv_handle_t *)poll, closed);
}

static char *string_of(napi_env env, napi_value v) {
  size_t n;
  if (napi_get_value_string_utf8(env, v, NULL, 0, &n) != napi_ok) return NULL;
  char *s = malloc(n + 1);
  if (s == NULL) return NULL;
  napi_get_value_string_utf8(env, v, s, n + 1, &n);
  return s;
}

/* strings_of turns a JS array of strings into a NULL-terminated C array (NULL on a bad element). */
static char **strings_of(napi_env env, napi_value array) {
  uint32_t n;
  if (napi_get_array_length(env, array, &n) != napi_ok) return NULL;
  char **out = calloc(n + 1, sizeof(char *));
  if (out == NULL) return NULL;
  for (uint32_t i = 0; i < n; i++) {
    napi_value e;
    napi_get_element(env, array, i, &e);
    if ((out[i] = string_of(env, e)) == NULL) {
      for (uint32_t j = 0; j < i; j++) free(out[j]);
      free(out);
      return NULL;
    }
  }
  return out;
}

static void free_strings(char **s) {
  if (s == NULL) return;
  for (char **p = s; *p != NULL; p++) free(*p);
  free(s);
}

static void set_fd(napi_env env, napi_value obj, const char *name, int fd) {
  napi_value v;
  napi_create_int32(env, fd, &v);
  napi_set_named_property(env, obj, name, v);
}

static napi_value spawn_child(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  napi_valuetype fn_type;
  if (argc < 5 || napi_typeof(env, argv[4], &fn_type) != napi_ok || fn_type != napi_function) {
    napi_throw_type_error(env, NULL, "spawn(file, argv, env, stdin, onExit)");
    return NULL;
  }
  bool want_stdin;
  if (napi_get_value_bool(env, argv[3], &want_stdin) != napi_ok) {
    napi_throw_type_error(env, NULL, "spawn: stdin must be a boolean");
    return NULL;
  }
  char *file = string_of(env, argv[0]);
  char **args = strings_of(env, argv[1]);
  char **envp = strings_of(env, argv[2]);
  if (file == NULL || args == NULL || envp == NULL || args[0] == NULL) {
    free(file);
    free_strings(args);
    free_strings(envp);
    napi_throw_type_error(env, NULL, "spawn: file, argv (not empty) and env must be strings");
    return NULL;
  }

  /* Parent and child ends: in[0]/in[1] stdin, out, err pipes, ctl socket pair (ctl[1] is the child's). */
  int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1}, ctl[2] = {-1, -1};
  int failure = 0;
  const char *what = NULL;
  if (want_stdin ? pipe2(in, O_CLOEXEC) != 0 : (in[0] = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0) what = "stdin";
  else if (pipe2(out, O_CLOEXEC) != 0) what = "stdout pipe";
  else if (pipe2(err, O_CLOEXEC) != 0) what = "stderr pipe";
  else if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ctl) != 0) what = "control socket";
  if (what == NULL) {
    in[0] = high_cloexec(in[0]);
    out[1] = high_cloexec(out[1]);
    err[1] = high_cloexec(err[1]);
    ctl[1] = high_cloexec(ctl[1]);
    if (in[0] < 0 || out[1] < 0 || err[1] < 0 || ctl[1] < 0) what = "moving fds";
  }
  if (what != NULL) failure = errno;

  pid_t pid = -1;
  int pidfd = -1;
  if (what == NULL) {
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attr;
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attr);
    posix_spawn_file_actions_adddup2(&actions, in[0], 0);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_adddup2(&actions, err[1], 2);
    posix_spawn_file_actions_adddup2(&actions, ctl[1], 3);
    sigset_t all, none;
    sigfillset(&all);
    sigemptyset(&none);
    posix_spawnattr_setsigdefault(&attr, &all);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
    int r = posix_spawnp(&pid, file, &actions, &attr, args, envp);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    if (r != 0) {
      what = "posix_spawn";
      failure = r;
      pid = -1;
    } else {
      pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
      if (pidfd < 0) {
        /* Cannot watch it: end it and reap it, and report why. */
        failure = errno;
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        what = "pidfd_open";
        pid = -1;
      }
    }
  }
  /* The child's ends are the child's alone now. */
  if (in[0] >= 0) close(in[0]);
  if (out[1] >= 0) close(out[1]);
  if (err[1] >= 0) close(err[1]);
  if (ctl[1] >= 0) close(ctl[1]);
  free(file);
  free_strings(args);
  free_strings(envp);
  if (what != NULL) {
    if (in[1] >= 0) close(in[1]);
    if (out[0] >= 0) close(out[0]);
    if (err[0] >= 0) close(err[0]);
    if (ctl[0] >= 0) close(ctl[0]);
    /* Without pidfds (Linux before 5.3) the caller falls back to child_process. */
    return throw_error(env, strcmp(what, "pidfd_open") == 0 ? "TSBUILD_NO_PIDFD" : NULL, what, failure);
  }

  uv_loop_t *loop;
  Watch *w = calloc(1, sizeof(Watch));
  napi_value name;
  if (w == NULL || napi_get_uv_event_loop(env, &loop) != napi_ok || uv_poll_init(loop, &w->poll, pidfd) != 0) {
    /* The child runs but cannot be watched: end it, so that nothing runs unsupervised. */
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    close(pidfd);
    free(w);
    if (in[1] >= 0) close(in[1]);
    close(out[0]);
    close(err[0]);
    close(ctl[0]);
    return throw_error(env, NULL, "watching the child", ENOMEM);
  }
  w->env = env;
  w->pid = pid;
  w->pidfd = pidfd;
  napi_create_reference(env, argv[4], 1, &w->on_exit);
  napi_create_string_utf8(env, "tsbuild:spawn", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, NULL, name, &w->context);
  int started = uv_poll_start(&w->poll, UV_READABLE, on_readable);
  if (started != 0) {
    /* Cannot be watched after all: ended and reaped, the handle closed (its close frees w). */
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    napi_delete_reference(env, w->on_exit);
    napi_async_destroy(env, w->context);
    uv_close((uv_handle_t *)&w->poll, closed);
    if (in[1] >= 0) close(in[1]);
    close(out[0]);
    close(err[0]);
    close(ctl[0]);
    return throw_error(env, NULL, "watching the child", -started);
  }

  napi_value result;
  napi_create_object(env, &result);
  set_fd(env, result, "pid", pid);
  if (want_stdin) set_fd(env, result, "stdin", in[1]);
  set_fd(env, result, "stdout", out[0]);
  set_fd(env, result, "stderr", err[0]);
  set_fd(env, result, "control", ctl[0]);
  return result;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "spawn", NAPI_AUTO_LENGTH, spawn_child, NULL, &fn);
  napi_set_named_property(env, exports, "spawn", fn);
  return exports;
}
