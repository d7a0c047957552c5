/**
 * Confined file system access for the build context: every path is resolved one component at a
 * time from an open directory descriptor, never from a joined string. Node has no openat(2), so
 * `/proc/self/fd/<dirfd>/<name>` stands in for it: the kernel resolves the descriptor to the
 * directory it names and looks `name` up inside it; O_NOFOLLOW refuses a symlink as the last
 * component. A directory renamed or swapped for a symlink after the walk is caught by comparing
 * device and inode of what was opened with what the walk recorded.
 */
import fs, { constants, existsSync, promises as fsp, type BigIntStats, type Dirent } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import { ContextError, type ContextEntry } from "./context-types.js";

const PROC_FD = "/proc/self/fd";

const DIR_FLAGS = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;
/** O_NONBLOCK: a FIFO swapped in after the walk must not hang the open; O_NOCTTY: never adopt a terminal. */
const FILE_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY;

/** requireProcFd checks that /proc is mounted (confined access depends on it). */
export function requireProcFd(): void {
  if (!existsSync(PROC_FD)) {
    throw new ContextError("ContextRead", `${PROC_FD} is missing: tsbuild needs /proc mounted to read a build context safely`);
  }
}

/**
 * at names `name` inside the directory open as `dir` (a FileHandle or a descriptor number);
 * `name` must be a single component from readdir or the tree.
 */
export function at(dir: FileHandle | number, name: string): string {
  if (name === "" || name === "." || name === ".." || name.includes("/")) {
    throw new ContextError("ContextRead", `internal: ${JSON.stringify(name)} is not a single path component`);
  }
  return `${PROC_FD}/${typeof dir === "number" ? dir : dir.fd}/${name}`;
}

/** openRoot opens the context directory itself (the user named it, so a symlink to it is followed). */
export async function openRoot(root: string): Promise<FileHandle> {
  try {
    return await fsp.open(root, constants.O_RDONLY | constants.O_DIRECTORY);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === "ENOENT" ? "does not exist" : e.code === "ENOTDIR" ? "is not a directory" : e.message;
    throw new ContextError("ContextNotFound", `build context ${root} ${why}; pass an existing directory as the context`, { cause: err });
  }
}

/** openDirAt opens the subdirectory `name` of `dir` without following a symlink. */
export function openDirAt(dir: FileHandle, name: string): Promise<FileHandle> {
  return fsp.open(at(dir, name), DIR_FLAGS);
}

/** openFileAt opens the regular file `name` of `dir` read-only without following a symlink or blocking. */
export function openFileAt(dir: FileHandle, name: string): Promise<FileHandle> {
  return fsp.open(at(dir, name), FILE_FLAGS);
}

/** lstatAt is lstat(2) of `name` inside `dir`, with nanosecond times. */
export function lstatAt(dir: FileHandle, name: string): Promise<BigIntStats> {
  return fsp.lstat(at(dir, name), { bigint: true });
}

// The walk lists and stats one directory at a time with the synchronous calls below: for
// thousands of small lstat(2) calls, a trip through libuv's thread pool and a promise each
// costs several times the system call itself. The walk yields to the event loop between
// directories. They are called as properties of the `fs` module object, so tests can observe them.

/** openDirAtSync opens the subdirectory `name` of the directory descriptor `dir` without following a symlink. */
export function openDirAtSync(dir: number, name: string): number {
  return fs.openSync(at(dir, name), DIR_FLAGS);
}

/** lstatAtSync is lstat(2) of `name` inside the directory descriptor `dir`, with nanosecond times. */
export function lstatAtSync(dir: number, name: string): BigIntStats {
  return fs.lstatSync(at(dir, name), { bigint: true });
}

/** readlinkAtSync reads the target of the symlink `name` inside the directory descriptor `dir`. */
export function readlinkAtSync(dir: number, name: string): string {
  return fs.readlinkSync(at(dir, name));
}

/** readdirOfSync lists the directory open as descriptor `dir`. */
export function readdirOfSync(dir: number): Dirent[] {
  return fs.readdirSync(`${PROC_FD}/${dir}`, { withFileTypes: true });
}

/** readdirNamesSync lists the names in the directory open as descriptor `dir`. */
export function readdirNamesSync(dir: number): string[] {
  return fs.readdirSync(`${PROC_FD}/${dir}`);
}

/** sameInode reports whether a stat names the inode the walk recorded for entry. */
export function sameInode(st: BigIntStats, entry: ContextEntry): boolean {
  return st.ino === entry.ino && st.dev === entry.dev;
}

/** unchanged reports whether size, mtime and ctime of a file are what the walk recorded. */
export function unchanged(st: BigIntStats, entry: ContextEntry): boolean {
  return sameInode(st, entry) && st.size === entry.size && st.mtimeNs === entry.mtimeNs && st.ctimeNs === entry.ctimeNs;
}

/** changedError says a context path changed between the walk and a later read. */
export function changedError(path: string, what: string): ContextError {
  return new ContextError(
    "ContextChanged",
    `build context path "${path}" ${what} while the build was reading the context; the context must not change during a build — retry when edits are done`,
  );
}

/** nameOf is the last component of a context path. */
function nameOf(entry: ContextEntry): string {
  return entry.path.slice(entry.path.lastIndexOf("/") + 1);
}

/** openFailure turns a failed open of `entry` into ContextChanged when the file was swapped for a symlink, removed or made a FIFO. */
function openFailure(entry: ContextEntry, err: unknown): unknown {
  const code = (err as NodeJS.ErrnoException).code;
  return code === "ELOOP" || code === "ENOENT" || code === "ENXIO" ? changedError(entry.path, "was replaced or removed") : err;
}

/** requireOpened checks the stat of a just opened `entry`: the regular file the walk recorded, unmodified since. */
function requireOpened(st: BigIntStats, entry: ContextEntry): void {
  if (!st.isFile() || !sameInode(st, entry)) throw changedError(entry.path, "was replaced");
  if (!unchanged(st, entry)) throw changedError(entry.path, "was modified");
}

/** requireUnchanged checks a file's stat after it was read: still what the walk recorded. */
export function requireUnchanged(st: BigIntStats, entry: ContextEntry): void {
  if (!unchanged(st, entry)) throw changedError(entry.path, "was modified");
}

/**
 * openContextFile opens the file `entry` of the context directory `dir` (openFileAt) and checks
 * it against the walk's record (ContextChanged when it is not that file or was modified). The
 * caller reads it, checks it again with requireUnchanged, and closes it.
 */
export async function openContextFile(dir: FileHandle, entry: ContextEntry): Promise<FileHandle> {
  const handle = await openFileAt(dir, nameOf(entry)).catch((err: unknown) => {
    throw openFailure(entry, err);
  });
  try {
    requireOpened(await handle.stat({ bigint: true }), entry);
    return handle;
  } catch (err) {
    await handle.close();
    throw err;
  }
}

/** openContextFileSync is openContextFile for a directory descriptor, synchronously; returns the file's descriptor. */
export function openContextFileSync(dir: number, entry: ContextEntry): number {
  let fd: number;
  try {
    fd = fs.openSync(at(dir, nameOf(entry)), FILE_FLAGS);
  } catch (err) {
    throw openFailure(entry, err);
  }
  try {
    requireOpened(fs.fstatSync(fd, { bigint: true }), entry);
    return fd;
  } catch (err) {
    fs.closeSync(fd);
    throw err;
  }
}

/**
 * openDirChain opens the context directory `path` ("." or `a/b`) by walking from the root one
 * component at a time, checking each directory against the walk's record. The caller closes
 * the returned handle; intermediate ones are closed here.
 */
export async function openDirChain(root: FileHandle, path: string, entries: ReadonlyMap<string, ContextEntry>): Promise<FileHandle> {
  let cur = root;
  let prefix = ".";
  try {
    for (const name of path === "." ? [] : path.split("/")) {
      prefix = prefix === "." ? name : `${prefix}/${name}`;
      const next = await openDirAt(cur, name).catch((err: NodeJS.ErrnoException) => {
        throw err.code === "ELOOP" || err.code === "ENOTDIR" || err.code === "ENOENT" ? changedError(prefix, "was replaced or removed") : err;
      });
      if (cur !== root) await cur.close();
      cur = next;
      const want = entries.get(prefix);
      if (!want || !sameInode(await cur.stat({ bigint: true }), want)) throw changedError(prefix, "was replaced");
    }
    return cur;
  } catch (err) {
    if (cur !== root) await cur.close();
    throw err;
  }
}

/**
 * DirChainSync opens context directories as openDirChain does (one component at a time from the
 * root, no symlink followed, each checked against the walk's record), with synchronous calls, and
 * keeps the chain it last opened: moving from `a/b/c` to `a/b/d` opens only `d`. Copies visit
 * directories in walk order, so each context directory is opened once. `close` closes every
 * descriptor it opened (the root belongs to the caller).
 */
export class DirChainSync {
  /** The open chain below the root: paths (`a`, `a/b`, ...) and their descriptors. */
  private readonly chain: { path: string; fd: number }[] = [];

  constructor(
    private readonly root: number,
    private readonly entries: ReadonlyMap<string, ContextEntry>,
  ) {}

  /** open returns a descriptor of the context directory `path` ("." or `a/b`), valid until the next open or close. */
  open(path: string): number {
    const names = path === "." ? [] : path.split("/");
    let keep = 0;
    while (keep < this.chain.length && keep < names.length && this.chain[keep]?.path === names.slice(0, keep + 1).join("/")) keep++;
    this.truncate(keep);
    for (let i = keep; i < names.length; i++) {
      const prefix = names.slice(0, i + 1).join("/");
      const parent = i === 0 ? this.root : (this.chain[i - 1] as { fd: number }).fd;
      let fd: number;
      try {
        fd = openDirAtSync(parent, names[i] as string);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        throw code === "ELOOP" || code === "ENOTDIR" || code === "ENOENT" ? changedError(prefix, "was replaced or removed") : err;
      }
      this.chain.push({ path: prefix, fd });
      const want = this.entries.get(prefix);
      if (!want || !sameInode(fs.fstatSync(fd, { bigint: true }), want)) throw changedError(prefix, "was replaced");
    }
    return names.length === 0 ? this.root : (this.chain[names.length - 1] as { fd: number }).fd;
  }

  /** close closes every directory this chain opened. */
  close(): void {
    this.truncate(0);
  }

  private truncate(length: number): void {
    while (this.chain.length > length) fs.closeSync((this.chain.pop() as { fd: number }).fd);
  }
}
