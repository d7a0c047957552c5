/**
 * Linux capabilities by name and number (linux/capability.h). Only the names tsbuild refers to
 * are listed; numbers are needed to compute the masks the kernel shows in /proc/<pid>/status.
 */
export const CAPABILITY_NUMBERS = {
  CHOWN: 0,
  DAC_OVERRIDE: 1,
  DAC_READ_SEARCH: 2,
  FOWNER: 3,
  FSETID: 4,
  KILL: 5,
  SETGID: 6,
  SETUID: 7,
  SETPCAP: 8,
  NET_BIND_SERVICE: 10,
  NET_ADMIN: 12,
  NET_RAW: 13,
  SYS_MODULE: 16,
  SYS_RAWIO: 17,
  SYS_CHROOT: 18,
  SYS_PTRACE: 19,
  SYS_PACCT: 20,
  SYS_ADMIN: 21,
  SYS_BOOT: 22,
  SYS_NICE: 23,
  SYS_RESOURCE: 24,
  SYS_TIME: 25,
  SYS_TTY_CONFIG: 26,
  MKNOD: 27,
  AUDIT_WRITE: 29,
  SETFCAP: 31,
  SYSLOG: 34,
  PERFMON: 38,
  BPF: 39,
} as const;

/** Capability is a capability name without the `CAP_` prefix. */
export type Capability = keyof typeof CAPABILITY_NUMBERS;

/**
 * DEFAULT_CAPABILITIES is Docker's default set (moby's caps.DefaultCapabilities, containerd's
 * defaultUnixCaps): the 14 capabilities a root process in a container keeps. Their mask is
 * 0xa80425fb.
 */
export const DEFAULT_CAPABILITIES: readonly Capability[] = [
  "CHOWN",
  "DAC_OVERRIDE",
  "FSETID",
  "FOWNER",
  "MKNOD",
  "NET_RAW",
  "SETGID",
  "SETUID",
  "SETFCAP",
  "SETPCAP",
  "NET_BIND_SERVICE",
  "SYS_CHROOT",
  "KILL",
  "AUDIT_WRITE",
];

/** capabilityMask returns the 64-bit mask of `caps` as /proc/<pid>/status prints it (16 hex digits). */
export function capabilityMask(caps: readonly Capability[]): string {
  let mask = 0n;
  for (const cap of caps) mask |= 1n << BigInt(CAPABILITY_NUMBERS[cap]);
  return mask.toString(16).padStart(16, "0");
}

/** ociCapabilityNames returns `caps` in the runtime-spec spelling (`CAP_CHOWN`). */
export function ociCapabilityNames(caps: readonly Capability[]): string[] {
  return caps.map((c) => `CAP_${c}`);
}
