/**
 * The build context walk: lstat/readdir from the root through directory descriptors, never
 * following a symlink, never opening a file. Paths the ignore file excludes are neither stat'ed
 * nor listed, except that an excluded directory is still listed when a `!` exception could
 * re-include something inside it (as BuildKit's walker does); it then becomes an entry only if
 * something below it is kept.
 */
import type { BigIntStats } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import type { IgnoreMatcher } from "../core/dockerignore.js";
import { lstatAt, openDirAt, readdirOf, readlinkAt, sameInode, changedError } from "./context-fs.js";
import { compareBytes, joinPath, type ContextEntry, type ContextWarning, type EntryType } from "./context-types.js";

/** WalkResult is the metadata snapshot of a context. */
export interface WalkResult {
  readonly entries: Map<string, ContextEntry>;
  readonly children: Map<string, string[]>;
  readonly warnings: ContextWarning[];
}

const S_IFMT = 0o170000;
const TYPES: Readonly<Record<number, EntryType>> = { 0o100000: "file", 0o040000: "dir", 0o120000: "symlink" };
const SPECIAL: Readonly<Record<number, string>> = { 0o010000: "FIFO", 0o140000: "socket", 0o020000: "character device", 0o060000: "block device" };

/** entryOf converts an lstat result; undefined for FIFOs, sockets and devices. */
export function entryOf(path: string, st: BigIntStats, target: string | undefined): ContextEntry | undefined {
  const type = TYPES[Number(st.mode) & S_IFMT];
  if (!type) return undefined;
  return {
    path, type, mode: Number(st.mode) & 0o7777, uid: Number(st.uid), gid: Number(st.gid),
    size: st.size, mtimeNs: st.mtimeNs, ctimeNs: st.ctimeNs, ino: st.ino, dev: st.dev, nlink: Number(st.nlink), target,
  };
}

/** literalPrefix is the part of a pattern before its first wildcard or escape. */
function literalPrefix(pattern: string): string {
  const i = pattern.search(/[*?[\\]/);
  return i < 0 ? pattern : pattern.slice(0, i);
}

/** mayReinclude reports whether a `!` exception could keep something below the excluded directory `dir`. */
function mayReinclude(matcher: IgnoreMatcher, dir: string): boolean {
  if (!matcher.hasExclusions) return false;
  const slash = dir + "/";
  return matcher.patterns.some((p) => {
    if (!p.exclusion) return false;
    const lit = literalPrefix(p.pattern);
    return lit.startsWith(slash) || slash.startsWith(lit);
  });
}

/** MAX_OPEN_DIRS bounds the directories visited at once (one open descriptor each). */
const MAX_OPEN_DIRS = 64;

/** Walker carries one walk's state. */
class Walker {
  readonly entries = new Map<string, ContextEntry>();
  readonly children = new Map<string, string[]>();
  readonly warnings: ContextWarning[] = [];
  /** How many descents run concurrently right now. */
  private open = 0;
  constructor(private readonly matcher: IgnoreMatcher | undefined) {}

  /** visit lists the directory `path` (open as `dir`); returns whether anything below it was kept. */
  async visit(dir: FileHandle, path: string): Promise<boolean> {
    const names = (await readdirOf(dir)).map((d) => ({ name: d.name, isDir: d.isDirectory() }));
    names.sort((a, b) => compareBytes(a.name, b.name));
    const kept: string[] = [];
    const stats = await Promise.all(names.map(async ({ name, isDir }) => {
      const rel = joinPath(path, name);
      if (this.matcher?.matches(rel)) return { name, rel, excludedDir: isDir && mayReinclude(this.matcher, rel) };
      return { name, rel, ...(await this.stat(dir, name, rel)) };
    }));
    const descents: (() => Promise<boolean>)[] = [];
    const reinclude = new Map<string, Promise<boolean>>();
    for (const s of stats) {
      if ("excludedDir" in s) {
        if (s.excludedDir) descents.push(() => this.remember(reinclude, s.name, this.descend(dir, s.name, s.rel, true)));
        continue;
      }
      if (s.warning) this.warnings.push(s.warning);
      if (!s.entry) continue;
      this.entries.set(s.rel, s.entry);
      if (s.entry.type === "dir") descents.push(() => this.descend(dir, s.name, s.rel, false));
    }
    await this.runAll(descents);
    for (const s of stats) {
      if ("excludedDir" in s ? s.excludedDir && (await reinclude.get(s.name)) === true : s.entry !== undefined) kept.push(s.name);
    }
    this.children.set(path, kept);
    return kept.length > 0;
  }

  /** remember records a descent's outcome under the name it is for. */
  private remember(into: Map<string, Promise<boolean>>, name: string, p: Promise<boolean>): Promise<boolean> {
    into.set(name, p);
    return p;
  }

  /**
   * runAll runs sibling descents at once while fewer than MAX_OPEN_DIRS directories are being
   * visited (each holds one descriptor), else one after another, so the walk stays bounded.
   */
  private async runAll(tasks: readonly (() => Promise<boolean>)[]): Promise<void> {
    const running: Promise<boolean>[] = [];
    for (const task of tasks) {
      if (this.open >= MAX_OPEN_DIRS) {
        await task();
        continue;
      }
      this.open++;
      const p = task().finally(() => this.open--);
      p.catch(() => undefined); // awaited below with the others; a failure is reported from there
      running.push(p);
    }
    await Promise.all(running);
  }

  /** stat lstats one kept name; FIFOs, sockets, devices and vanished names become warnings. */
  private async stat(dir: FileHandle, name: string, rel: string): Promise<{ entry?: ContextEntry; warning?: ContextWarning }> {
    let st: BigIntStats;
    try {
      st = await lstatAt(dir, name);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
      return { warning: { code: "ContextVanished", path: rel, message: `"${rel}" disappeared while the context was read (or its name is not valid UTF-8); it is left out` } };
    }
    const isLink = (Number(st.mode) & S_IFMT) === 0o120000;
    const target = isLink
      ? await readlinkAt(dir, name).catch((err: NodeJS.ErrnoException) => {
          throw err.code === "EINVAL" || err.code === "ENOENT" ? changedError(rel, "was replaced") : err;
        })
      : undefined;
    const entry = entryOf(rel, st, target);
    if (!entry) {
      // Deviation: BuildKit transfers FIFOs, sockets and device nodes as metadata; tsbuild skips
      // them with a warning (they are never opened, and an image rarely wants them).
      const kind = SPECIAL[Number(st.mode) & S_IFMT] ?? "special file";
      return { warning: { code: "ContextSpecialFile", path: rel, message: `skipping ${kind} "${rel}": only regular files, directories and symlinks are sent from the build context` } };
    }
    return { entry };
  }

  /**
   * descend opens and visits a subdirectory. For an excluded directory that kept something,
   * the directory itself becomes an entry (from fstat of what was opened).
   */
  private async descend(dir: FileHandle, name: string, rel: string, excluded: boolean): Promise<boolean> {
    const sub = await openDirAt(dir, name).catch((err: NodeJS.ErrnoException) => {
      throw err.code === "ELOOP" || err.code === "ENOTDIR" || err.code === "ENOENT" ? changedError(rel, "was replaced or removed") : err;
    });
    try {
      const st = await sub.stat({ bigint: true });
      const known = this.entries.get(rel);
      if (known && !sameInode(st, known)) throw changedError(rel, "was replaced");
      const any = await this.visit(sub, rel);
      if (excluded && any) this.entries.set(rel, entryOf(rel, st, undefined) as ContextEntry);
      else if (excluded) this.children.delete(rel);
      return any;
    } finally {
      await sub.close();
    }
  }
}

/** walkContext snapshots the metadata of the context open as `root`, applying the ignore matcher. */
export async function walkContext(root: FileHandle, matcher: IgnoreMatcher | undefined): Promise<WalkResult> {
  const w = new Walker(matcher);
  const st = await root.stat({ bigint: true });
  // BuildKit does not transfer the context directory's own metadata (the walk sends what is
  // below it, into a snapshot root made 0755 root:root), so neither its mode nor its owner
  // reaches a COPY: the root entry carries those fixed values.
  w.entries.set(".", { ...(entryOf(".", st, undefined) as ContextEntry), mode: 0o755, uid: 0, gid: 0 });
  await w.visit(root, ".");
  // Sibling directories are walked at once: order the warnings by path so they do not depend on timing.
  w.warnings.sort((a, b) => compareBytes(a.path, b.path));
  return { entries: w.entries, children: w.children, warnings: w.warnings };
}
