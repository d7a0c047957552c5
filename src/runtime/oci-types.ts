/**
 * The subset of the OCI runtime-spec (config.json, version 1.0.2) that tsbuild writes. Field
 * names follow the specification exactly so the object serialises to a valid config.json.
 */

/** OciMount is one entry of `mounts`. */
export interface OciMount {
  destination: string;
  type: string;
  source: string;
  options: string[];
}

/** OciRlimit is one entry of `process.rlimits`. */
export interface OciRlimit {
  type: string;
  hard: number;
  soft: number;
}

/** OciSeccompArg is one argument comparison of a seccomp rule. */
export interface OciSeccompArg {
  index: number;
  value: number;
  valueTwo?: number;
  op: string;
}

/** OciSeccompSyscall is one rule of `linux.seccomp.syscalls`. */
export interface OciSeccompSyscall {
  names: string[];
  action: string;
  errnoRet?: number;
  args?: OciSeccompArg[];
}

/** OciSeccomp is `linux.seccomp`. */
export interface OciSeccomp {
  defaultAction: string;
  defaultErrnoRet: number;
  architectures: string[];
  syscalls: OciSeccompSyscall[];
}

/** OciDeviceRule is one entry of `linux.resources.devices` (the device cgroup allowlist). */
export interface OciDeviceRule {
  allow: boolean;
  type?: string;
  major?: number;
  minor?: number;
  access: string;
}

/** OciResources is `linux.resources`. */
export interface OciResources {
  devices: OciDeviceRule[];
  memory?: { limit: number; swap: number };
  pids?: { limit: number };
  cpu?: { quota: number; period: number };
}

/** OciProcess is `process`. */
export interface OciProcess {
  terminal: boolean;
  user: { uid: number; gid: number; additionalGids: number[] };
  args: string[];
  env: string[];
  cwd: string;
  capabilities: {
    bounding: string[];
    effective: string[];
    permitted: string[];
    inheritable: string[];
    ambient: string[];
  };
  rlimits: OciRlimit[];
  noNewPrivileges: boolean;
}

/** OciSpec is the whole config.json. */
export interface OciSpec {
  ociVersion: string;
  process: OciProcess;
  root: { path: string; readonly: boolean };
  hostname: string;
  mounts: OciMount[];
  linux: {
    namespaces: { type: string }[];
    resources: OciResources;
    seccomp: OciSeccomp;
    maskedPaths: string[];
    readonlyPaths: string[];
    rootfsPropagation: string;
  };
  /** annotations are runtime-specific settings (crun's compiled seccomp filter, say). */
  annotations?: Record<string, string>;
}
