import type { Capability } from "./capabilities.js";

/**
 * SeccompArgOp compares one syscall argument: `masked-eq` means `(arg & value) === valueTwo`,
 * which the profile uses with valueTwo 0 ("none of these flag bits set").
 */
export type SeccompArgOp = "eq" | "lt" | "gt" | "masked-eq";

/** SeccompArg restricts a rule to calls whose argument `index` satisfies `op` against `value`. */
export interface SeccompArg {
  readonly index: number;
  readonly value: number;
  readonly op: SeccompArgOp;
}

/**
 * SeccompCondition selects a rule by the container's capabilities (every listed capability held)
 * and by the host architecture (Go's GOARCH names: amd64, arm64, s390x ...).
 */
export interface SeccompCondition {
  readonly caps?: readonly Capability[];
  readonly arches?: readonly string[];
}

/**
 * SeccompRule is one entry of the profile: `when` must hold (if given) and `unless` must not
 * (any of its caps held or its arch matching excludes the rule).
 */
export interface SeccompRule {
  readonly syscalls: readonly string[];
  readonly action: "allow" | "errno";
  readonly errno?: number;
  readonly args?: readonly SeccompArg[];
  readonly when?: SeccompCondition;
  readonly unless?: SeccompCondition;
}

/**
 * DEFAULT_SECCOMP_ERRNO is the errno every syscall not allowed below fails with (EPERM), as in
 * Docker's default profile.
 */
export const DEFAULT_SECCOMP_ERRNO = 1;

/**
 * SECCOMP_ALWAYS_ALLOWED is the unconditional allowlist of Docker's default seccomp profile
 * (moby/profiles seccomp/default.json). Names the host's libseccomp does not know are skipped by
 * the runtimes.
 */
export const SECCOMP_ALWAYS_ALLOWED: readonly string[] = [
  "accept", "accept4", "access", "adjtimex", "alarm", "bind", "brk", "cachestat", "capget",
  "capset", "chdir", "chmod", "chown", "chown32", "clock_adjtime", "clock_adjtime64",
  "clock_getres", "clock_getres_time64", "clock_gettime", "clock_gettime64", "clock_nanosleep",
  "clock_nanosleep_time64", "close", "close_range", "connect", "copy_file_range", "creat", "dup",
  "dup2", "dup3", "epoll_create", "epoll_create1", "epoll_ctl", "epoll_ctl_old", "epoll_pwait",
  "epoll_pwait2", "epoll_wait", "epoll_wait_old", "eventfd", "eventfd2", "execve", "execveat",
  "exit", "exit_group", "faccessat", "faccessat2", "fadvise64", "fadvise64_64", "fallocate",
  "fanotify_mark", "fchdir", "fchmod", "fchmodat", "fchmodat2", "fchown", "fchown32", "fchownat",
  "fcntl", "fcntl64", "fdatasync", "fgetxattr", "flistxattr", "flock", "fork", "fremovexattr",
  "fsetxattr", "fstat", "fstat64", "fstatat64", "fstatfs", "fstatfs64", "fsync", "ftruncate",
  "ftruncate64", "futex", "futex_requeue", "futex_time64", "futex_wait", "futex_waitv",
  "futex_wake", "futimesat", "getcpu", "getcwd", "getdents", "getdents64", "getegid", "getegid32",
  "geteuid", "geteuid32", "getgid", "getgid32", "getgroups", "getgroups32", "getitimer",
  "getpeername", "getpgid", "getpgrp", "getpid", "getppid", "getpriority", "getrandom", "getresgid",
  "getresgid32", "getresuid", "getresuid32", "getrlimit", "get_robust_list", "getrusage", "getsid",
  "getsockname", "getsockopt", "get_thread_area", "gettid", "gettimeofday", "getuid", "getuid32",
  "getxattr", "getxattrat", "inotify_add_watch", "inotify_init", "inotify_init1",
  "inotify_rm_watch", "io_cancel", "ioctl", "io_destroy", "io_getevents", "io_pgetevents",
  "io_pgetevents_time64", "ioprio_get", "ioprio_set", "io_setup", "io_submit", "ipc", "kill",
  "landlock_add_rule", "landlock_create_ruleset", "landlock_restrict_self", "lchown", "lchown32",
  "lgetxattr", "link", "linkat", "listen", "listmount", "listxattr", "listxattrat", "llistxattr",
  "_llseek", "lremovexattr", "lseek", "lsetxattr", "lstat", "lstat64", "madvise",
  "map_shadow_stack", "membarrier", "memfd_create", "memfd_secret", "mincore", "mkdir", "mkdirat",
  "mknod", "mknodat", "mlock", "mlock2", "mlockall", "mmap", "mmap2", "mprotect", "mq_getsetattr",
  "mq_notify", "mq_open", "mq_timedreceive", "mq_timedreceive_time64", "mq_timedsend",
  "mq_timedsend_time64", "mq_unlink", "mremap", "mseal", "msgctl", "msgget", "msgrcv", "msgsnd",
  "msync", "munlock", "munlockall", "munmap", "name_to_handle_at", "nanosleep", "newfstatat",
  "_newselect", "open", "openat", "openat2", "pause", "pidfd_open", "pidfd_send_signal", "pipe",
  "pipe2", "pkey_alloc", "pkey_free", "pkey_mprotect", "poll", "ppoll", "ppoll_time64", "prctl",
  "pread64", "preadv", "preadv2", "prlimit64", "process_mrelease", "pselect6", "pselect6_time64",
  "pwrite64", "pwritev", "pwritev2", "read", "readahead", "readlink", "readlinkat", "readv", "recv",
  "recvfrom", "recvmmsg", "recvmmsg_time64", "recvmsg", "remap_file_pages", "removexattr",
  "removexattrat", "rename", "renameat", "renameat2", "restart_syscall", "riscv_hwprobe", "rmdir",
  "rseq", "rt_sigaction", "rt_sigpending", "rt_sigprocmask", "rt_sigqueueinfo", "rt_sigreturn",
  "rt_sigsuspend", "rt_sigtimedwait", "rt_sigtimedwait_time64", "rt_tgsigqueueinfo",
  "sched_getaffinity", "sched_getattr", "sched_getparam", "sched_get_priority_max",
  "sched_get_priority_min", "sched_getscheduler", "sched_rr_get_interval",
  "sched_rr_get_interval_time64", "sched_setaffinity", "sched_setattr", "sched_setparam",
  "sched_setscheduler", "sched_yield", "seccomp", "select", "semctl", "semget", "semop",
  "semtimedop", "semtimedop_time64", "send", "sendfile", "sendfile64", "sendmmsg", "sendmsg",
  "sendto", "setfsgid", "setfsgid32", "setfsuid", "setfsuid32", "setgid", "setgid32", "setgroups",
  "setgroups32", "setitimer", "setpgid", "setpriority", "setregid", "setregid32", "setresgid",
  "setresgid32", "setresuid", "setresuid32", "setreuid", "setreuid32", "setrlimit",
  "set_robust_list", "setsid", "setsockopt", "set_thread_area", "set_tid_address", "setuid",
  "setuid32", "setxattr", "setxattrat", "shmat", "shmctl", "shmdt", "shmget", "shutdown",
  "sigaltstack", "signalfd", "signalfd4", "sigprocmask", "sigreturn", "socketcall", "socketpair",
  "splice", "stat", "stat64", "statfs", "statfs64", "statmount", "statx", "symlink", "symlinkat",
  "sync", "sync_file_range", "syncfs", "sysinfo", "tee", "tgkill", "time", "timer_create",
  "timer_delete", "timer_getoverrun", "timer_gettime", "timer_gettime64", "timer_settime",
  "timer_settime64", "timerfd_create", "timerfd_gettime", "timerfd_gettime64", "timerfd_settime",
  "timerfd_settime64", "times", "tkill", "truncate", "truncate64", "ugetrlimit", "umask", "uname",
  "unlink", "unlinkat", "uretprobe", "utime", "utimensat", "utimensat_time64", "utimes", "vfork",
  "vmsplice", "wait4", "waitid", "waitpid", "write", "writev",
];

/**
 * SECCOMP_CONDITIONAL_RULES are the profile's rules that depend on arguments, capabilities or the
 * architecture. moby gates ptrace and process_vm_* on kernel >= 4.8 (older kernels let ptrace
 * bypass seccomp); tsbuild needs a newer kernel for overlayfs anyway, so that gate is dropped.
 */
export const SECCOMP_CONDITIONAL_RULES: readonly SeccompRule[] = [
  {
    syscalls: ["process_vm_readv", "process_vm_writev", "ptrace"],
    action: "allow",
  },
  {
    syscalls: ["socket"],
    action: "allow",
    args: [{ index: 0, value: 38, op: "lt" }],
  },
  {
    syscalls: ["socket"],
    action: "allow",
    args: [{ index: 0, value: 39, op: "eq" }],
  },
  {
    syscalls: ["socket"],
    action: "allow",
    args: [{ index: 0, value: 40, op: "gt" }],
  },
  {
    syscalls: ["personality"],
    action: "allow",
    args: [{ index: 0, value: 0, op: "eq" }],
  },
  {
    syscalls: ["personality"],
    action: "allow",
    args: [{ index: 0, value: 8, op: "eq" }],
  },
  {
    syscalls: ["personality"],
    action: "allow",
    args: [{ index: 0, value: 131072, op: "eq" }],
  },
  {
    syscalls: ["personality"],
    action: "allow",
    args: [{ index: 0, value: 131080, op: "eq" }],
  },
  {
    syscalls: ["personality"],
    action: "allow",
    args: [{ index: 0, value: 4294967295, op: "eq" }],
  },
  {
    syscalls: ["sync_file_range2", "swapcontext"],
    action: "allow",
    when: { arches: ["ppc64le"] },
  },
  {
    syscalls: [
      "arm_fadvise64_64", "arm_sync_file_range", "sync_file_range2", "breakpoint", "cacheflush",
      "set_tls",
    ],
    action: "allow",
    when: { arches: ["arm", "arm64"] },
  },
  {
    syscalls: ["arch_prctl"],
    action: "allow",
    when: { arches: ["amd64", "x32"] },
  },
  {
    syscalls: ["modify_ldt"],
    action: "allow",
    when: { arches: ["amd64", "x32", "x86"] },
  },
  {
    syscalls: ["s390_pci_mmio_read", "s390_pci_mmio_write", "s390_runtime_instr"],
    action: "allow",
    when: { arches: ["s390", "s390x"] },
  },
  {
    syscalls: ["riscv_flush_icache"],
    action: "allow",
    when: { arches: ["riscv64"] },
  },
  {
    syscalls: ["open_by_handle_at"],
    action: "allow",
    when: { caps: ["DAC_READ_SEARCH"] },
  },
  {
    syscalls: [
      "bpf", "clone", "clone3", "fanotify_init", "fsconfig", "fsmount", "fsopen", "fspick",
      "lookup_dcookie", "lsm_get_self_attr", "lsm_list_modules", "lsm_set_self_attr", "mount",
      "mount_setattr", "move_mount", "open_tree", "perf_event_open", "quotactl", "quotactl_fd",
      "setdomainname", "sethostname", "setns", "syslog", "umount", "umount2", "unshare",
    ],
    action: "allow",
    when: { caps: ["SYS_ADMIN"] },
  },
  {
    syscalls: ["clone"],
    action: "allow",
    args: [{ index: 0, value: 2114060288, op: "masked-eq" }],
    unless: { caps: ["SYS_ADMIN"], arches: ["s390", "s390x"] },
  },
  {
    syscalls: ["clone"],
    action: "allow",
    args: [{ index: 1, value: 2114060288, op: "masked-eq" }],
    when: { arches: ["s390", "s390x"] },
    unless: { caps: ["SYS_ADMIN"] },
  },
  {
    syscalls: ["clone3"],
    action: "errno",
    errno: 38,
    unless: { caps: ["SYS_ADMIN"] },
  },
  {
    syscalls: ["reboot"],
    action: "allow",
    when: { caps: ["SYS_BOOT"] },
  },
  {
    syscalls: ["chroot"],
    action: "allow",
    when: { caps: ["SYS_CHROOT"] },
  },
  {
    syscalls: ["delete_module", "init_module", "finit_module"],
    action: "allow",
    when: { caps: ["SYS_MODULE"] },
  },
  {
    syscalls: ["acct"],
    action: "allow",
    when: { caps: ["SYS_PACCT"] },
  },
  {
    syscalls: [
      "kcmp", "pidfd_getfd", "process_madvise", "process_vm_readv", "process_vm_writev", "ptrace",
    ],
    action: "allow",
    when: { caps: ["SYS_PTRACE"] },
  },
  {
    syscalls: ["iopl", "ioperm"],
    action: "allow",
    when: { caps: ["SYS_RAWIO"] },
  },
  {
    syscalls: ["settimeofday", "stime", "clock_settime", "clock_settime64"],
    action: "allow",
    when: { caps: ["SYS_TIME"] },
  },
  {
    syscalls: ["vhangup"],
    action: "allow",
    when: { caps: ["SYS_TTY_CONFIG"] },
  },
  {
    syscalls: ["get_mempolicy", "mbind", "set_mempolicy", "set_mempolicy_home_node"],
    action: "allow",
    when: { caps: ["SYS_NICE"] },
  },
  {
    syscalls: ["syslog"],
    action: "allow",
    when: { caps: ["SYSLOG"] },
  },
  {
    syscalls: ["bpf"],
    action: "allow",
    when: { caps: ["BPF"] },
  },
  {
    syscalls: ["perf_event_open"],
    action: "allow",
    when: { caps: ["PERFMON"] },
  },];
