/** SpecUser is the identity the container process runs as, already resolved to numbers. */
export interface SpecUser {
  readonly uid: number;
  readonly gid: number;
  readonly additionalGids: readonly number[];
}

/**
 * SpecMount is a mount the caller adds on top of the default set: a bind mount of a host path
 * (recursive, private) or an empty tmpfs. `readonly` applies to both.
 */
export interface SpecMount {
  readonly type: "bind" | "tmpfs";
  readonly source: string;
  readonly destination: string;
  readonly readonly?: boolean;
  /** size caps a tmpfs, in bytes (the kernel's default, half of RAM, when absent). */
  readonly size?: number;
  /** options are a tmpfs's own mount options (Docker's `--tmpfs DIR:OPTIONS`), applied after the defaults. */
  readonly options?: readonly string[];
}

/**
 * EtcFiles are host files bind-mounted over the container's /etc/hosts, /etc/resolv.conf and
 * /etc/hostname (as Docker does; the caller writes them per container).
 */
export interface EtcFiles {
  readonly hosts?: string;
  readonly resolvConf?: string;
  readonly hostname?: string;
}

/** SpecLimits are the cgroup limits; an absent field means unlimited. `cpus` may be fractional. */
export interface SpecLimits {
  readonly memoryBytes?: number;
  readonly pidsLimit?: number;
  readonly cpus?: number;
}

/** NetworkMode is `host` (share the host's network namespace) or `none` (only loopback). */
export type NetworkMode = "host" | "none";

/**
 * SpecInput is everything that varies between sandboxed processes; buildSpec adds Docker's
 * default security profile around it. `arch` is Go's GOARCH name (amd64, arm64 ...) and selects
 * the seccomp architectures; it defaults to the architecture tsbuild runs on.
 */
export interface SpecInput {
  readonly rootfs: string;
  readonly argv: readonly string[];
  readonly env: readonly string[];
  readonly cwd: string;
  readonly user: SpecUser;
  readonly hostname: string;
  readonly mounts: readonly SpecMount[];
  readonly network: NetworkMode;
  readonly limits: SpecLimits;
  readonly tty: boolean;
  readonly readonlyRootfs: boolean;
  readonly etcFiles?: EtcFiles;
  readonly arch?: string;
}
