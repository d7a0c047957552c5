import { chmodSync, lstatSync, statSync } from "node:fs";
import { posix } from "node:path";
import { InputError } from "../core/index.js";
import { relativeInRoot, resolveInRootSync } from "./confined.js";
import type { OciSpec } from "./oci-types.js";

/**
 * KERNEL_FS are mount types whose target must be an ordinary directory of the rootfs: a rootfs
 * whose /proc, /dev or /sys is a symlink is refused (as runc does for /proc), because runtimes
 * that follow it would set up devices or proc on whatever it points to.
 */
const KERNEL_FS = new Set(["proc", "sysfs", "tmpfs", "devpts", "mqueue", "cgroup"]);

/** tmpfsMode is the last `mode=` of a tmpfs's options (octal), else 1777. */
function tmpfsMode(options: readonly string[]): number {
  const mode = options.filter((o) => o.startsWith("mode=")).at(-1);
  return mode === undefined ? 0o1777 : parseInt(mode.slice(5), 8);
}

/** needsFile says whether mount `m` needs a file to mount on: a bind of anything but a directory (a file, a socket such as a forwarded SSH agent). */
export function needsFile(m: OciSpec["mounts"][number]): boolean {
  return m.type === "bind" && !statSync(m.source).isDirectory();
}

/** topLevelMounts are the mounts of `spec` not nested under an earlier one (those are left to the runtime). */
export function topLevelMounts(spec: OciSpec): OciSpec["mounts"] {
  const seen: string[] = [];
  return spec.mounts.filter((m) => {
    if (seen.some((d) => m.destination.startsWith(d === "/" ? "/" : `${d}/`))) return false;
    seen.push(m.destination);
    return true;
  });
}

/**
 * checkKernelTarget throws InputError when `m` mounts a kernel filesystem and its target, resolved
 * inside `rootfs` to `host` (undefined: the rootfs itself), is not an ordinary directory at the
 * destination's own path (a symlink, a file). Returns `host` relative to the rootfs.
 */
export function checkKernelTarget(m: OciSpec["mounts"][number], rootfs: string, host: string | undefined): string {
  const rel = host === undefined ? "" : relativeInRoot(rootfs, host);
  if (KERNEL_FS.has(m.type)) {
    const stat = lstatSync(host ?? rootfs);
    if (`/${rel}` !== posix.normalize(m.destination) || !stat.isDirectory()) {
      throw new InputError(`the rootfs's ${m.destination} must be an ordinary directory, not a symlink or file (it leads to /${rel})`);
    }
  }
  return rel;
}

/**
 * prepareMountTargets resolves each top-level mount destination of `spec` inside `rootfs` (the
 * real path of the rootfs; mounts nested under an earlier mount are left to the runtime) and
 * creates missing targets: a file for a bind mount of a non-directory, a directory otherwise. Symlinks
 * are followed only inside the rootfs. Returns destination -> path relative to the rootfs.
 * Throws InputError when a kernel filesystem's target is not an ordinary directory. Synchronous:
 * a few lstat calls each, cheaper than round trips through the thread pool.
 */
export function prepareMountTargets(spec: OciSpec, rootfs: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of topLevelMounts(spec)) {
    const isFile = needsFile(m);
    const existed = m.type !== "tmpfs" || resolveInRootSync(rootfs, m.destination) !== undefined;
    const host = resolveInRootSync(rootfs, m.destination, isFile ? "file" : "dir");
    // runc gives a tmpfs the mode of its mount point: one made here gets the tmpfs's own mode, as
    // a runtime that makes it does (and as crun and the builtin driver give in any case).
    if (!existed && host !== undefined) chmodSync(host, tmpfsMode(m.options ?? []));
    out.set(m.destination, checkKernelTarget(m, rootfs, host));
  }
  return out;
}
