import type { OciDeviceRule, OciMount, OciRlimit } from "./oci-types.js";

/**
 * DEFAULT_MASKED_PATHS are hidden from the container (Docker's list in moby
 * daemon/pkg/oci/defaults.go; each entry leaked host state or allowed host changes). moby adds
 * per-CPU thermal_throttle directories found on the host at start; a pure spec cannot see the
 * host, so /sys/devices/system/cpu is instead covered by the read-only /sys mount.
 */
export const DEFAULT_MASKED_PATHS: readonly string[] = [
  "/proc/acpi",
  "/proc/asound",
  "/proc/interrupts",
  "/proc/kcore",
  "/proc/keys",
  "/proc/latency_stats",
  "/proc/sched_debug",
  "/proc/scsi",
  "/proc/timer_list",
  "/proc/timer_stats",
  "/sys/devices/virtual/powercap",
  "/sys/firmware",
];

/** DEFAULT_READONLY_PATHS are remounted read-only inside /proc (Docker's list). */
export const DEFAULT_READONLY_PATHS: readonly string[] = [
  "/proc/bus",
  "/proc/fs",
  "/proc/irq",
  "/proc/sys",
  "/proc/sysrq-trigger",
];

/**
 * defaultMounts returns Docker's default filesystem set: /proc, /dev as a 64 MiB tmpfs, a private
 * devpts instance, /dev/shm, /dev/mqueue, a read-only /sys and a read-only /sys/fs/cgroup.
 */
export function defaultMounts(): OciMount[] {
  return [
    { destination: "/proc", type: "proc", source: "proc", options: ["nosuid", "noexec", "nodev"] },
    { destination: "/dev", type: "tmpfs", source: "tmpfs", options: ["nosuid", "strictatime", "mode=755", "size=65536k"] },
    {
      destination: "/dev/pts",
      type: "devpts",
      source: "devpts",
      options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"],
    },
    { destination: "/dev/shm", type: "tmpfs", source: "shm", options: ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"] },
    { destination: "/dev/mqueue", type: "mqueue", source: "mqueue", options: ["nosuid", "noexec", "nodev"] },
    { destination: "/sys", type: "sysfs", source: "sysfs", options: ["nosuid", "noexec", "nodev", "ro"] },
    { destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup", options: ["nosuid", "noexec", "nodev", "relatime", "ro"] },
  ];
}

/**
 * defaultDeviceRules is Docker's device cgroup allowlist: deny everything, allow the character
 * devices null (1:3), zero (1:5), random (1:8), urandom (1:9), tty (5:0) and console (5:1), and
 * deny /dev/fuse (10:229) explicitly. The runtimes add the runtime-spec default devices (full,
 * ptmx, devpts slaves) to the allowlist themselves.
 */
export function defaultDeviceRules(): OciDeviceRule[] {
  const allow = (major: number, minor: number): OciDeviceRule => ({ allow: true, type: "c", major, minor, access: "rwm" });
  return [
    { allow: false, access: "rwm" },
    allow(1, 5),
    allow(1, 3),
    allow(1, 9),
    allow(1, 8),
    allow(5, 0),
    allow(5, 1),
    { allow: false, type: "c", major: 10, minor: 229, access: "rwm" },
  ];
}

/**
 * defaultRlimits returns the limits a Docker container gets from a stock dockerd (no LimitNOFILE
 * override since Docker 25): 1024 open files soft, 524288 hard.
 */
export function defaultRlimits(): OciRlimit[] {
  return [{ type: "RLIMIT_NOFILE", soft: 1024, hard: 524288 }];
}

/** DEFAULT_PATH is the PATH a container gets when neither the image nor the caller sets one. */
export const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** CPU_PERIOD_US is the CFS period Docker uses for `--cpus` (100 ms); quota = cpus * period. */
export const CPU_PERIOD_US = 100_000;
