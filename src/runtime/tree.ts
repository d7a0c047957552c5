import type { BigIntStats } from "node:fs";
import { lstatSync, readdirSync } from "node:fs";
import { lstat, readdir } from "node:fs/promises";
import { TsbuildError } from "../core/index.js";

/** TreeNode is one entry below a walked root: its `/`-separated path relative to the root, its absolute path and its lstat. */
export interface TreeNode {
  readonly rel: string;
  readonly abs: string;
  readonly st: BigIntStats;
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * listDir returns the names in `dir` sorted bytewise by their UTF-8 encoding (the order of
 * layer tars). A name that is not valid UTF-8 is refused, naming the directory: tsbuild layer
 * paths are strings, and a lossy decode would write a different file than the one on disk.
 */
export async function listDir(dir: string): Promise<string[]> {
  return decodeNames(dir, await readdir(dir, { encoding: "buffer" }));
}

/** listDirSync is listDir with a synchronous readdir, for walks of tsbuild's own trees. */
export function listDirSync(dir: string): string[] {
  return decodeNames(dir, readdirSync(dir, { encoding: "buffer" }));
}

/** decodeNames sorts raw names bytewise and decodes them, refusing a name that is not UTF-8 (see listDir). */
function decodeNames(dir: string, raw: Buffer[]): string[] {
  raw.sort(Buffer.compare);
  return raw.map((name) => {
    try {
      return strictUtf8.decode(name);
    } catch (err) {
      // Deviation: BuildKit copies non-UTF-8 names into layers byte for byte; tsbuild refuses them (grammar/DEVIATIONS.md).
      throw new TsbuildError("Snapshot", `${dir} holds a file whose name is not UTF-8 (${JSON.stringify(name.toString("latin1"))}); rename it`, { cause: err });
    }
  });
}

/**
 * walkTree yields every entry below `root` depth-first, parents before children, siblings in
 * bytewise name order, so the sequence is sorted the way layer tars are. It never follows
 * symlinks: only real directories (by lstat) are entered.
 */
export async function* walkTree(root: string, rel = ""): AsyncGenerator<TreeNode> {
  const base = rel === "" ? root : `${root}/${rel}`;
  const names = await listDir(base);
  // Siblings are lstat'ed in batches at once (the calls wait on the thread pool, not on each other).
  for (let i = 0; i < names.length; i += STAT_BATCH) {
    const batch = names.slice(i, i + STAT_BATCH).map((name) => {
      const childRel = rel === "" ? name : `${rel}/${name}`;
      const abs = `${root}/${childRel}`;
      return { rel: childRel, abs, st: lstat(abs, { bigint: true }) };
    });
    const stats = await Promise.all(batch.map((b) => b.st));
    for (const [j, b] of batch.entries()) {
      const st = stats[j] as BigIntStats;
      yield { rel: b.rel, abs: b.abs, st };
      if (st.isDirectory()) yield* walkTree(root, b.rel);
    }
  }
}

/**
 * walkTreeSync is walkTree with synchronous readdir and lstat calls: for tsbuild's own trees (layer
 * and upper dirs), where one short syscall costs less than a thread-pool round trip. The caller
 * decides how often to let the event loop turn.
 */
export function* walkTreeSync(root: string, rel = ""): Generator<TreeNode> {
  const base = rel === "" ? root : `${root}/${rel}`;
  for (const name of listDirSync(base)) {
    const childRel = rel === "" ? name : `${rel}/${name}`;
    const abs = `${root}/${childRel}`;
    const st = lstatSync(abs, { bigint: true });
    yield { rel: childRel, abs, st };
    if (st.isDirectory()) yield* walkTreeSync(root, childRel);
  }
}

/** STAT_BATCH is how many siblings walkTree lstats at once. */
const STAT_BATCH = 64;

/** devNumbers splits a Linux dev_t (as lstat reports it) into major and minor numbers. */
export function devNumbers(rdev: bigint): { major: number; minor: number } {
  const major = Number(((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn));
  const minor = Number((rdev & 0xffn) | ((rdev >> 12n) & ~0xffn));
  return { major, minor };
}

/** isOverlayWhiteout says whether `st` is an overlayfs whiteout: a character device 0/0. */
export function isOverlayWhiteout(st: BigIntStats): boolean {
  return st.isCharacterDevice() && st.rdev === 0n;
}
