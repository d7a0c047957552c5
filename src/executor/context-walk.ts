/**
 * The build context walk: lstat/readdir from the root through directory descriptors, never
 * following a symlink, never opening a file. Paths the ignore file excludes are neither stat'ed
 * nor listed, except that an excluded directory is still listed when a `!` exception could
 * re-include something inside it (as BuildKit's walker does); it then becomes an entry only if
 * something below it is kept. Directories named by `skip` (the tsbuild store, when it lies inside
 * the context) are left out whatever the ignore file says, with a warning.
 */
import fs, { type BigIntStats } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import type { IgnoreMatcher } from "../core/dockerignore.js";
import { changedError, lstatAtSync, openDirAtSync, readdirNamesSync, readdirOfSync, readlinkAtSync, sameInode } from "./context-fs.js";
import { joinPath, sortByBytes, type ContextEntry, type ContextWarning, type EntryType } from "./context-types.js";

/** SkippedDir is a directory the walk leaves out: its device and inode (however a path to it is spelled) and the reason its warning gives. */
export interface SkippedDir {
  readonly dev: bigint;
  readonly ino: bigint;
  /** why completes the warning: `leaving "<path>" out of the build context: <why>`. */
  readonly why: string;
}

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

/** YIELD_AFTER_MS is how long the walk may hold the event loop before it lets other work run. */
const YIELD_AFTER_MS = 10;

/** Pending is a subdirectory to visit after its siblings are recorded (excluded: only for a `!` exception). */
type Pending = { readonly name: string; readonly rel: string; readonly excluded: boolean };

/**
 * Walker carries one walk's state. Each directory is listed and its names lstat'ed with
 * synchronous calls (see context-fs.ts); subdirectories are visited depth first, one open
 * descriptor per level, and the walk yields to the event loop every YIELD_AFTER_MS.
 */
class Walker {
  readonly entries = new Map<string, ContextEntry>();
  readonly children = new Map<string, string[]>();
  readonly warnings: ContextWarning[] = [];
  private lastYield = performance.now();
  constructor(
    private readonly matcher: IgnoreMatcher | undefined,
    private readonly skip: readonly SkippedDir[] = [],
  ) {}

  /** skipped returns the `skip` entry a directory's stat names (recording the warning), else undefined. */
  private skipped(st: { readonly dev: bigint; readonly ino: bigint }, rel: string): SkippedDir | undefined {
    const hit = this.skip.find((s) => s.dev === st.dev && s.ino === st.ino);
    if (hit) this.warnings.push({ code: "ContextDirSkipped", path: rel, message: `leaving "${rel}" out of the build context: ${hit.why}` });
    return hit;
  }

  /** visit lists the directory `path` (open as descriptor `dir`); returns whether anything below it was kept. */
  async visit(dir: number, path: string): Promise<boolean> {
    await this.maybeYield();
    // Only an excluded directory that a `!` exception may re-include needs its type from the listing.
    const typed = this.matcher?.hasExclusions === true ? sortByBytes(readdirOfSync(dir), (d) => d.name) : undefined;
    const names = typed ? typed.map((d) => d.name) : sortByBytes(readdirNamesSync(dir), (n) => n);
    // Siblings are recorded first, then subdirectories visited in name order.
    const order: (string | Pending)[] = [];
    names.forEach((name, i) => {
      const rel = joinPath(path, name);
      if (this.matcher?.matches(rel)) {
        if (typed?.[i]?.isDirectory() === true && mayReinclude(this.matcher, rel)) order.push({ name, rel, excluded: true });
        return;
      }
      const entry = this.stat(dir, name, rel);
      if (!entry) return;
      if (entry.type === "dir" && this.skipped(entry, rel)) return;
      this.entries.set(rel, entry);
      order.push(entry.type === "dir" ? { name, rel, excluded: false } : name);
    });
    const kept: string[] = [];
    for (const o of order) {
      if (typeof o === "string") kept.push(o);
      else if ((await this.descend(dir, o.name, o.rel, o.excluded)) || !o.excluded) kept.push(o.name);
    }
    this.children.set(path, kept);
    return kept.length > 0;
  }

  /** maybeYield lets the event loop run when the walk has held it for YIELD_AFTER_MS. */
  private async maybeYield(): Promise<void> {
    if (performance.now() - this.lastYield < YIELD_AFTER_MS) return;
    await new Promise<void>((res) => setImmediate(res));
    this.lastYield = performance.now();
  }

  /** stat lstats one kept name; FIFOs, sockets, devices and vanished names become warnings (and undefined). */
  private stat(dir: number, name: string, rel: string): ContextEntry | undefined {
    let st: BigIntStats;
    try {
      st = lstatAtSync(dir, name);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
      this.warnings.push({ code: "ContextVanished", path: rel, message: `"${rel}" disappeared while the context was read (or its name is not valid UTF-8); it is left out` });
      return undefined;
    }
    const isLink = (Number(st.mode) & S_IFMT) === 0o120000;
    const entry = entryOf(rel, st, isLink ? this.readlink(dir, name, rel) : undefined);
    if (!entry) {
      // Deviation: BuildKit transfers FIFOs, sockets and device nodes as metadata; tsbuild skips
      // them with a warning (they are never opened, and an image rarely wants them).
      const kind = SPECIAL[Number(st.mode) & S_IFMT] ?? "special file";
      this.warnings.push({ code: "ContextSpecialFile", path: rel, message: `skipping ${kind} "${rel}": only regular files, directories and symlinks are sent from the build context` });
    }
    return entry;
  }

  /** readlink reads a symlink the walk just lstat'ed; one replaced meanwhile is a ContextChanged. */
  private readlink(dir: number, name: string, rel: string): string {
    try {
      return readlinkAtSync(dir, name);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw code === "EINVAL" || code === "ENOENT" ? changedError(rel, "was replaced") : err;
    }
  }

  /**
   * descend opens and visits a subdirectory. For an excluded directory that kept something,
   * the directory itself becomes an entry (from fstat of what was opened).
   */
  private async descend(dir: number, name: string, rel: string, excluded: boolean): Promise<boolean> {
    let sub: number;
    try {
      sub = openDirAtSync(dir, name);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw code === "ELOOP" || code === "ENOTDIR" || code === "ENOENT" ? changedError(rel, "was replaced or removed") : err;
    }
    try {
      const st = fs.fstatSync(sub, { bigint: true });
      const known = this.entries.get(rel);
      if (known && !sameInode(st, known)) throw changedError(rel, "was replaced");
      // An excluded directory a `!` exception might re-include was never stat'ed before.
      if (excluded && this.skipped(st, rel)) return false;
      const any = await this.visit(sub, rel);
      if (excluded && any) this.entries.set(rel, entryOf(rel, st, undefined) as ContextEntry);
      else if (excluded) this.children.delete(rel);
      return any;
    } finally {
      fs.closeSync(sub);
    }
  }
}

/** walkContext snapshots the metadata of the context open as `root`, applying the ignore matcher and leaving out the directories `skip` names. */
export async function walkContext(root: FileHandle, matcher: IgnoreMatcher | undefined, skip: readonly SkippedDir[] = []): Promise<WalkResult> {
  const w = new Walker(matcher, skip);
  const st = await root.stat({ bigint: true });
  // BuildKit does not transfer the context directory's own metadata (the walk sends what is
  // below it, into a snapshot root made 0755 root:root), so neither its mode nor its owner
  // reaches a COPY: the root entry carries those fixed values.
  w.entries.set(".", { ...(entryOf(".", st, undefined) as ContextEntry), mode: 0o755, uid: 0, gid: 0 });
  await w.visit(root.fd, ".");
  sortByBytes(w.warnings, (x) => x.path);
  return { entries: w.entries, children: w.children, warnings: w.warnings };
}
