import { chmodSync, constants, lstatSync, mkdirSync, promises as fs, readlinkSync, writeFileSync, type Stats } from "node:fs";
import { posix } from "node:path";
import { InputError } from "../core/index.js";

/** MAX_SYMLINKS bounds symlink expansion inside a rootfs, like the kernel's ELOOP limit. */
const MAX_SYMLINKS = 40;

/**
 * RootView is a rootfs reached through another process's root (`path`: /proc/<pid>/root<shown>),
 * such as a container's overlay mounted only in its launcher's mount namespace; `shown` is the
 * real path of the rootfs inside that namespace.
 */
export interface RootView {
  readonly path: string;
  readonly shown: string;
}

function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === "ENOENT" || code === "ENOTDIR";
}

/**
 * resolveInRoot resolves `untrusted` (an absolute or relative path as seen from inside the
 * container) against the host directory `root` one component at a time with lstat, expanding
 * symlinks as if `root` were `/`: absolute targets restart at `root` and `..` never climbs above
 * it. Returns the host path (no component of which was a symlink when checked), or undefined when
 * a component does not exist. With `create`, missing components are made instead (directories,
 * and for "file" an empty last component), as runtimes do for mount targets. Throws InputError on
 * a symlink loop. The look-ups are synchronous (a few lstat calls cost less than one round trip
 * through the thread pool); resolveInRootSync is the same for synchronous callers.
 */
export async function resolveInRoot(root: string, untrusted: string, create?: "dir" | "file"): Promise<string | undefined> {
  return resolveInRootSync(root, untrusted, create);
}

/** rootBase is `root` normalized without a trailing slash ("" for /): the prefix of every path resolveInRootSync builds under it. */
function rootBase(root: string): string {
  return root === "/" ? "" : posix.normalize(root).replace(/\/$/, "");
}

/** relativeInRoot is `host`, a path resolveInRootSync returned under `root`, relative to `root` (as path.relative gives it). */
export function relativeInRoot(root: string, host: string): string {
  const base = rootBase(root);
  if (host === (base || "/") || host === `${base}/`) return "";
  return host.startsWith(`${base}/`) ? host.slice(base.length + 1) : posix.relative(root, host);
}

/** resolveInRootSync is resolveInRoot without the promise. */
export function resolveInRootSync(root: string, untrusted: string, create?: "dir" | "file"): string | undefined {
  const pending = untrusted.split("/").reverse();
  const done: string[] = [];
  // Paths are built by concatenation: `root` is normalized once, and each part is one plain name
  // ("", "." and ".." never reach the path), so path.join's normalization of the whole path at
  // every component (most of this function's time under /proc/<pid>/root/...) would change nothing.
  const base = rootBase(root);
  const under = (parts: readonly string[]): string => (parts.length === 0 ? posix.normalize(root) : `${base}/${parts.join("/")}`);
  let links = 0;
  while (pending.length > 0) {
    const part = pending.pop()!;
    if (part === "" || part === ".") continue;
    if (part === "..") {
      done.pop();
      continue;
    }
    const host = done.length === 0 ? `${base}/${part}` : `${base}/${done.join("/")}/${part}`;
    let stat: Stats;
    try {
      stat = lstatSync(host);
    } catch (err) {
      if (!isMissing(err) || create === undefined) {
        if (isMissing(err)) return undefined;
        throw err;
      }
      stat = createEntry(host, create === "file" && pending.length === 0);
    }
    if (!stat.isSymbolicLink()) {
      done.push(part);
      continue;
    }
    if (++links > MAX_SYMLINKS) throw new InputError(`too many symlinks resolving "${untrusted}" inside ${root}`);
    const target = readlinkSync(host);
    if (target.startsWith("/")) done.length = 0;
    pending.push(...target.split("/").reverse());
  }
  return under(done);
}

/**
 * createEntry makes the missing `host` (an empty file, else a directory) with 0644/0755 whatever
 * the process umask is, so builds do not depend on it, and returns its lstat.
 */
function createEntry(host: string, file: boolean): Stats {
  if (file) writeFileSync(host, "", { flag: "wx" });
  else mkdirSync(host);
  chmodSync(host, file ? 0o644 : 0o755);
  return lstatSync(host);
}

/**
 * readConfinedFile reads the regular file at `untrusted` inside `root` (resolved with
 * resolveInRoot), refusing anything that is not a regular file (devices, FIFOs are never
 * opened) and anything larger than `maxBytes`. After opening it checks through /proc/self/fd
 * that the opened file still lies under `root`, closing the window of a swapped component.
 * Returns undefined when the file does not exist. `view` reads a rootfs mounted in another
 * mount namespace: `view.path` (`/proc/<pid>/root/<dir>`, used as it is, never resolved) reaches
 * it, and `/proc/self/fd` names its files under `view.shown` (`<dir>`, a real path there).
 */
export async function readConfinedFile(root: string, untrusted: string, maxBytes: number, view?: RootView): Promise<Buffer | undefined> {
  const realRoot = view?.path ?? (await fs.realpath(root));
  const host = resolveInRootSync(realRoot, untrusted);
  if (host === undefined) return undefined;
  const pre = await fs.lstat(host);
  if (!pre.isFile()) throw new InputError(`${untrusted} in ${root} is not a regular file; refusing to read it`);
  const handle = await fs.open(host, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    const real = await fs.readlink(`/proc/self/fd/${handle.fd}`);
    const shown = view?.shown ?? realRoot;
    const prefix = shown.endsWith("/") ? shown : `${shown}/`;
    if (!real.startsWith(prefix)) throw new InputError(`${untrusted} in ${root} resolved outside the rootfs (${real}); refusing`);
    const stat = await handle.stat();
    if (!stat.isFile()) throw new InputError(`${untrusted} in ${root} is not a regular file; refusing to read it`);
    if (stat.size > maxBytes) {
      throw new InputError(`${untrusted} in ${root} is ${stat.size} bytes, more than the limit of ${maxBytes}`);
    }
    const buf = Buffer.alloc(maxBytes + 1);
    let bytesRead = 0;
    for (;;) {
      const { bytesRead: n } = await handle.read(buf, bytesRead, buf.length - bytesRead, bytesRead);
      if (n === 0 || (bytesRead += n) === buf.length) break;
    }
    if (bytesRead > maxBytes) throw new InputError(`${untrusted} in ${root} grew beyond the limit of ${maxBytes} bytes while reading`);
    return buf.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}
