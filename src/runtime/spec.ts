import { posix } from "node:path";
import { InputError } from "../core/index.js";
import { DEFAULT_CAPABILITIES, ociCapabilityNames } from "./capabilities.js";
import type { OciMount, OciResources, OciSpec } from "./oci-types.js";
import { defaultSeccomp, goArch } from "./seccomp.js";
import {
  CPU_PERIOD_US,
  DEFAULT_MASKED_PATHS,
  DEFAULT_READONLY_PATHS,
  defaultDeviceRules,
  defaultMounts,
  defaultRlimits,
} from "./spec-defaults.js";
import type { EtcFiles, SpecInput, SpecLimits, SpecMount } from "./spec-input.js";

export type { EtcFiles, SpecInput, SpecLimits, SpecMount, SpecUser, NetworkMode } from "./spec-input.js";

/** OCI_VERSION is the runtime-spec version tsbuild writes; runc 1.1 and crun 1.8 accept it. */
export const OCI_VERSION = "1.0.2";

/** MAX_ID is the largest uid/gid accepted (2^32 - 2; 2^32 - 1 is the kernel's "no id"). */
const MAX_ID = 4294967294;

function checkId(what: string, id: number): void {
  if (!Number.isInteger(id) || id < 0 || id > MAX_ID) {
    throw new InputError(`sandbox ${what} ${id} is not an integer between 0 and ${MAX_ID}`);
  }
}

function validate(input: SpecInput): void {
  if (input.argv.length === 0) throw new InputError("sandbox command is empty: give at least the program to run");
  if (!posix.isAbsolute(input.cwd)) throw new InputError(`sandbox working directory "${input.cwd}" must be absolute`);
  if (!posix.isAbsolute(input.rootfs)) throw new InputError(`sandbox rootfs "${input.rootfs}" must be an absolute path`);
  checkId("uid", input.user.uid);
  checkId("gid", input.user.gid);
  for (const gid of input.user.additionalGids) checkId("additional gid", gid);
  for (const m of input.mounts) {
    if (!posix.isAbsolute(m.destination)) throw new InputError(`mount destination "${m.destination}" must be absolute`);
    if (m.type === "bind" && !posix.isAbsolute(m.source)) throw new InputError(`bind mount source "${m.source}" must be absolute`);
  }
  for (const source of Object.values(input.etcFiles ?? {})) {
    if (typeof source === "string" && !posix.isAbsolute(source)) throw new InputError(`/etc file source "${source}" must be absolute`);
  }
  const { memoryBytes, pidsLimit, cpus } = input.limits;
  if (memoryBytes !== undefined && (!Number.isSafeInteger(memoryBytes) || memoryBytes < 6 * 1024 * 1024)) {
    throw new InputError(`memory limit ${memoryBytes} bytes is below the minimum of 6 MiB`);
  }
  if (pidsLimit !== undefined && (!Number.isSafeInteger(pidsLimit) || pidsLimit < 1)) {
    throw new InputError(`pids limit ${pidsLimit} must be a positive integer`);
  }
  if (cpus !== undefined && !(cpus > 0 && cpus <= 1024)) throw new InputError(`cpus ${cpus} must be between 0 and 1024`);
}

/** etcMounts binds the given files over /etc/hosts, /etc/resolv.conf and /etc/hostname. */
function etcMounts(files: EtcFiles | undefined): OciMount[] {
  const pairs: [string | undefined, string][] = [
    [files?.resolvConf, "/etc/resolv.conf"],
    [files?.hostname, "/etc/hostname"],
    [files?.hosts, "/etc/hosts"],
  ];
  return pairs.flatMap(([source, destination]) =>
    source === undefined ? [] : [{ destination, type: "bind", source, options: ["rbind", "rprivate"] }],
  );
}

/** OPPOSITE pairs each boolean mount option with the one it cancels. */
const OPPOSITE: Record<string, string> = { exec: "noexec", noexec: "exec", suid: "nosuid", nosuid: "suid", dev: "nodev", nodev: "dev" };

/**
 * mergeMountOptions applies `later` over `base`: a flag drops its opposite, a `key=value` drops
 * the same key's earlier value. Runtimes differ on contradictory lists (crun keeps `noexec`
 * next to a later `exec`), so none is ever passed on.
 */
export function mergeMountOptions(base: readonly string[], later: readonly string[]): string[] {
  const out = [...base];
  for (const o of later) {
    const eq = o.indexOf("=");
    const drop = (x: string) => (eq > 0 ? x.startsWith(o.slice(0, eq + 1)) : x === o || x === OPPOSITE[o]);
    for (let i = out.length - 1; i >= 0; i--) if (drop(out[i]!)) out.splice(i, 1);
    out.push(o);
  }
  return out;
}

function userMount(m: SpecMount): OciMount {
  const ro = m.readonly ? ["ro"] : [];
  if (m.type === "tmpfs") {
    const own = [...(m.size !== undefined ? [`size=${m.size}`] : []), ...(m.options ?? [])];
    return { destination: m.destination, type: "tmpfs", source: "tmpfs", options: [...mergeMountOptions(["nosuid", "nodev", "mode=1777"], own), ...ro] };
  }
  return { destination: m.destination, type: "bind", source: m.source, options: ["rbind", "rprivate", ...ro] };
}

/**
 * specResources returns the cgroup section buildSpec writes for `limits`: Docker's device
 * allowlist plus the requested limits.
 * Like Docker, a memory limit without a separate swap setting allows as much swap again
 * (`swap` is memory+swap in runtime-spec terms).
 */
export function specResources(limits: SpecLimits): OciResources {
  const out: OciResources = { devices: defaultDeviceRules() };
  if (limits.memoryBytes !== undefined) out.memory = { limit: limits.memoryBytes, swap: 2 * limits.memoryBytes };
  if (limits.pidsLimit !== undefined) out.pids = { limit: limits.pidsLimit };
  if (limits.cpus !== undefined) out.cpu = { quota: Math.round(limits.cpus * CPU_PERIOD_US), period: CPU_PERIOD_US };
  return out;
}

/**
 * buildSpec turns `input` into a runtime-spec config.json with Docker's default profile: the 14
 * default capabilities (for uid 0 bounding = permitted = effective, mask 0xa80425fb; other users
 * keep only the bounding set, as execve as non-root leaves them), empty inheritable and ambient
 * sets, no_new_privs, the default seccomp profile, masked and read-only paths, the default mounts
 * (plus /etc/hosts, /etc/resolv.conf and /etc/hostname when `etcFiles` names them),
 * private rootfs propagation and new mount, pid, uts, ipc and cgroup namespaces (plus network
 * for `none`). Pure: the same input always gives the same spec. Throws InputError on bad input.
 */
export function buildSpec(input: SpecInput): OciSpec {
  validate(input);
  const caps = ociCapabilityNames(DEFAULT_CAPABILITIES);
  const root = input.user.uid === 0;
  const namespaces = ["pid", "ipc", "uts", "mount", "cgroup"];
  if (input.network === "none") namespaces.push("network");
  return {
    ociVersion: OCI_VERSION,
    process: {
      terminal: input.tty,
      user: { uid: input.user.uid, gid: input.user.gid, additionalGids: [...input.user.additionalGids] },
      args: [...input.argv],
      env: [...input.env],
      cwd: input.cwd,
      capabilities: { bounding: caps, effective: root ? caps : [], permitted: root ? caps : [], inheritable: [], ambient: [] },
      rlimits: defaultRlimits(),
      // Deviation: Docker leaves no_new_privs off; tsbuild always sets it (grammar/DEVIATIONS.md).
      noNewPrivileges: true,
    },
    root: { path: input.rootfs, readonly: input.readonlyRootfs },
    hostname: input.hostname,
    mounts: [...defaultMounts(), ...etcMounts(input.etcFiles), ...input.mounts.map(userMount)],
    linux: {
      namespaces: namespaces.map((type) => ({ type })),
      resources: specResources(input.limits),
      seccomp: defaultSeccomp(DEFAULT_CAPABILITIES, input.arch ?? goArch(process.arch)),
      maskedPaths: [...DEFAULT_MASKED_PATHS],
      readonlyPaths: [...DEFAULT_READONLY_PATHS],
      rootfsPropagation: "private",
    },
  };
}
