import { chmodSync, lchownSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { FileHandle } from "node:fs/promises";
import { openContext, select, hashSelection, type BuildContext, type ContentReader, type ContextEntry, type HashOptions } from "../../src/executor/context.js";
import { streamSha256 } from "../../src/executor/context-hash.js";

/** TreeSpec describes a test context: path -> file content, `{dir}`, `{link}`; optional mode. */
export type TreeSpec = Record<string, string | { readonly content?: string; readonly dir?: true; readonly link?: string; readonly mode?: number }>;

/** tempDir makes a fresh temp directory; the returned function removes it. */
export function tempDir(prefix = "tsbuild-ctx-"): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** writeTree creates `spec` under dir (parents first); modes are set explicitly so umask does not matter. */
export function writeTree(dir: string, spec: TreeSpec): void {
  for (const [path, v] of Object.entries(spec)) {
    const full = join(dir, path);
    mkdirSync(dirname(full), { recursive: true });
    const s = typeof v === "string" ? { content: v } : v;
    if (s.link !== undefined) symlinkSync(s.link, full);
    else if (s.dir) mkdirSync(full, { recursive: true });
    else writeFileSync(full, s.content ?? "");
    if (s.link === undefined) chmodSync(full, s.mode ?? (s.dir ? 0o755 : 0o644));
  }
}

/** setAllTimes sets atime and mtime of every path in spec (and the root) to `when` seconds. */
export function setAllTimes(dir: string, spec: TreeSpec, when: number): void {
  for (const path of [...Object.keys(spec)].reverse()) {
    const v = spec[path];
    if (typeof v === "object" && v.link !== undefined) continue;
    utimesSync(join(dir, path), when, when);
  }
  utimesSync(dir, when, when);
}

/** chownAll sets uid/gid of every path in spec (symlinks themselves, not their targets). */
export function chownAll(dir: string, spec: TreeSpec, uid: number, gid: number): void {
  for (const path of Object.keys(spec)) lchownSync(join(dir, path), uid, gid);
  lchownSync(dir, uid, gid);
}

/** countingReader wraps the default reader and counts the files it reads. */
export function countingReader(): { reader: ContentReader; reads: string[] } {
  const reads: string[] = [];
  const reader: ContentReader = async (h: FileHandle, e: ContextEntry) => {
    reads.push(e.path);
    return streamSha256(h, e);
  };
  return { reader, reads };
}

/** digestOfDir opens dir as a context and returns the digest of selecting `sources`. */
export async function digestOfDir(dir: string, sources: readonly string[] = ["."], opts: HashOptions = {}): Promise<string> {
  const ctx = await openContext(dir);
  return hashSelection(ctx, select(ctx, sources), opts);
}

/** paths lists the entry paths of a selection's roots, per root. */
export function rootPaths(ctx: BuildContext, sources: readonly string[], opts: { excludes?: string[]; parents?: boolean } = {}): string[][] {
  return select(ctx, sources, opts).roots.map((r) => r.entries.map((e) => e.path));
}
