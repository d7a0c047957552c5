import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { lutimes } from "node:fs/promises";
import type { DiffEntry } from "../../src/runtime/diff.js";
import { parseMountinfo } from "../../src/runtime/mountinfo.js";
import { walkTree } from "../../src/runtime/tree.js";

/**
 * snapshotPrerequisite names what the snapshot tests lack (root, getfattr/setfattr from Debian's
 * `attr`, mknod), or undefined when they can run.
 */
export function snapshotPrerequisite(): string | undefined {
  if (process.getuid?.() !== 0) return "they need root (mounts, mknod, trusted.* xattrs)";
  for (const tool of ["getfattr", "setfattr", "mknod", "mount", "umount"]) {
    const found = ["/usr/bin", "/bin", "/usr/sbin", "/sbin"].some((d) => existsSync(`${d}/${tool}`));
    if (!found) return `${tool} is not installed (apt-get install attr util-linux coreutils)`;
  }
  return undefined;
}

/** shouldSkip reports (once, with the reason) that root-only tests are skipped locally; under CI=true they never skip. */
export function shouldSkip(what: string): boolean {
  const missing = snapshotPrerequisite();
  if (!missing) return false;
  if (process.env.CI === "true") return false;
  console.warn(`skipping ${what}: ${missing}`);
  return true;
}

/** mountsUnder lists the mount points at or below `dir` in this process's mount table. */
export function mountsUnder(dir: string): string[] {
  return parseMountinfo(readFileSync("/proc/self/mountinfo", "utf8"))
    .map((m) => m.mountPoint)
    .filter((p) => p === dir || p.startsWith(`${dir}/`));
}

/** LOWER_MTIME is the mtime every prepared lower entry gets, so the golden can say whether a copy-up kept it. */
export const LOWER_MTIME = 1_000_000_000;

/** stampTimes sets every entry below `dir` to LOWER_MTIME, deepest first. */
export async function stampTimes(dir: string): Promise<void> {
  const rels: string[] = [];
  for await (const n of walkTree(dir)) rels.push(n.rel);
  for (const rel of rels.reverse()) await lutimes(`${dir}/${rel}`, LOWER_MTIME, LOWER_MTIME);
}

/** setXattr sets one attribute with setfattr (`value` as 0x hex for binary values). */
export function setXattr(path: string, name: string, value: string): void {
  execFileSync("setfattr", ["-h", "-n", name, "-v", value, "--", path]);
}

async function contentOf(e: DiffEntry): Promise<string | undefined> {
  if (!e.open) return undefined;
  const chunks: Buffer[] = [];
  for await (const c of e.open()) chunks.push(c);
  return Buffer.concat(chunks).toString("utf8");
}

/** normalizeDiff turns entries into plain JSON for goldens: octal modes, hex xattrs, content, and mtime as "lower" or "new". */
export async function normalizeDiff(entries: readonly DiffEntry[]): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const e of entries) {
    if (e.kind === "whiteout" || e.kind === "opaque") {
      out.push({ path: e.path, kind: e.kind });
      continue;
    }
    const xattrs = Object.fromEntries(Object.entries(e.xattrs).map(([k, v]) => [k, v.toString("hex")]));
    out.push({
      path: e.path,
      kind: e.kind,
      mode: e.mode.toString(8),
      uid: e.uid,
      gid: e.gid,
      size: e.size,
      mtime: e.mtime === LOWER_MTIME ? "lower" : "new",
      ...(e.linkname !== undefined ? { linkname: e.linkname } : {}),
      ...(e.devmajor !== undefined ? { dev: `${e.devmajor}:${e.devminor}` } : {}),
      ...(Object.keys(xattrs).length ? { xattrs } : {}),
      ...(e.open ? { content: await contentOf(e) } : {}),
    });
  }
  return out;
}
