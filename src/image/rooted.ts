import { lstatSync, mkdirSync, type Stats } from "node:fs";
import { lstat } from "node:fs/promises";
import { TsbuildError } from "../core/errors.js";

/** UnpackError says a layer entry was refused; the message names the layer entry and what to do. */
export class UnpackError extends TsbuildError {
  readonly entry: string;
  constructor(entry: string, message: string) {
    super("Unpack", `layer entry ${JSON.stringify(entry)}: ${message}`);
    this.entry = entry;
  }
}

/**
 * splitEntryName turns a tar entry name into validated path components. Absolute names, `..`
 * components, empty names and NUL bytes are refused (a tar made by a layer differ never has
 * them); `./` prefixes, repeated and trailing slashes are dropped.
 */
export function splitEntryName(name: string, maxBytes: number, maxDepth: number, linkOf?: string): string[] {
  const entry = linkOf ?? (Buffer.byteLength(name) > 200 ? `${name.slice(0, 80)}...` : name);
  const what = linkOf === undefined ? "" : `its hardlink target ${JSON.stringify(name)} `;
  if (name.startsWith("/")) throw new UnpackError(entry, `${what}is an absolute path; layer entries must be relative to the rootfs`);
  if (name.includes("\0")) throw new UnpackError(entry, `${what}contains a NUL byte`);
  if (Buffer.byteLength(name) > maxBytes) throw new UnpackError(entry, `${what}path is longer than ${maxBytes} bytes`);
  const parts = name.split("/").filter((p) => p !== "" && p !== ".");
  if (parts.includes("..")) throw new UnpackError(entry, `${what}contains ".." and would escape the rootfs`);
  if (parts.length === 0) throw new UnpackError(entry, `${what}names the rootfs itself`);
  if (parts.length > maxDepth) throw new UnpackError(entry, `${what}is nested ${parts.length} directories deep, over the limit of ${maxDepth}`);
  return parts;
}

/**
 * RootedDir resolves validated components under a root directory one at a time with lstat,
 * never following a symlink: Node has no openat/openat2, so instead of resolving through
 * directory file descriptors tsbuild refuses any path whose parent components are not plain
 * directories. The absolute paths it returns are built only from components that were checked
 * this way, and the snapshot directory is private to the unpacker while it runs, so nothing can
 * swap a checked directory for a symlink between the check and the use.
 */
export class RootedDir {
  /** known holds directories this RootedDir checked or created; see forget(). */
  private readonly known = new Set<string>();

  constructor(readonly root: string) {}

  /** abs joins already-validated components under the root. */
  abs(parts: readonly string[]): string {
    return parts.length === 0 ? this.root : `${this.root}/${parts.join("/")}`;
  }

  /**
   * parent checks every component but the last and returns the absolute parent path. Missing
   * directories are created (mode 0755) when `create` is set, otherwise undefined is returned.
   * A symlink or non-directory among them is refused, naming `entry`. Directories once checked
   * are remembered (the tree is private to its user) until forget() drops them; the calls are
   * synchronous, since each is one short syscall and a thread-pool round trip per path component
   * would cost more than the work.
   */
  async parent(parts: readonly string[], entry: string, create: boolean): Promise<string | undefined> {
    for (let i = 0; i < parts.length - 1; i++) {
      const p = this.abs(parts.slice(0, i + 1));
      if (this.known.has(p)) continue;
      const st = lstatSyncOrUndefined(p);
      if (!st) {
        if (!create) return undefined;
        mkdirSync(p, { mode: 0o755 });
        this.known.add(p);
        continue;
      }
      // Deviation: containerd follows parent symlinks scoped inside the rootfs; tsbuild refuses them (grammar/DEVIATIONS.md).
      if (st.isSymbolicLink()) throw new UnpackError(entry, `its parent ${parts.slice(0, i + 1).join("/")} is a symlink; writing through symlinks could escape the rootfs, so the layer is refused`);
      if (!st.isDirectory()) throw new UnpackError(entry, `its parent ${parts.slice(0, i + 1).join("/")} is not a directory`);
      this.known.add(p);
    }
    return this.abs(parts.slice(0, -1));
  }

  /** forget drops what parent() remembers about abs and everything under it; call it before removing or replacing abs. */
  forget(abs: string): void {
    // A dir is remembered only after its parents were, so nothing under an unknown abs is known.
    if (!this.known.has(abs)) return;
    const prefix = `${abs}/`;
    for (const p of this.known) if (p === abs || p.startsWith(prefix)) this.known.delete(p);
  }
}

/**
 * isPlainDir reports whether every component of parts, the last included, is a real directory
 * (no symlinks) under root. Used after the walk, when a layer may have replaced a directory with
 * a symlink since the path was first checked.
 */
export async function isPlainDir(dir: RootedDir, parts: readonly string[]): Promise<boolean> {
  for (let i = 1; i <= parts.length; i++) {
    if (!(await lstatOrUndefined(dir.abs(parts.slice(0, i))))?.isDirectory()) return false;
  }
  return true;
}

/** lstatSyncOrUndefined is lstatSync that returns undefined for a missing path. */
export function lstatSyncOrUndefined(p: string): Stats | undefined {
  return lstatSync(p, { throwIfNoEntry: false });
}

/** lstatOrUndefined is lstat that returns undefined for a missing path. */
export async function lstatOrUndefined(p: string): Promise<import("node:fs").Stats | undefined> {
  try {
    return await lstat(p);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}
