/**
 * Mount stubs: the runtime creates a missing mount point (and its missing parents) in the step's
 * rootfs before mounting, which would leave empty files and directories, and copied-up parent
 * directories, in the step's layer. BuildKit removes them after the run; these helpers do the same.
 */
import { lstat, rmdir, unlink } from "node:fs/promises";
import { posix } from "node:path";
import type { StubParent } from "../../runtime/stub-dirs.js";
import type { OpServices } from "./types.js";

/**
 * missingPaths lists `dest` and those of its ancestors that do not exist in the rootfs yet,
 * deepest first: the mount points the runtime will create, which must not stay in the layer.
 */
export async function missingPaths(services: OpServices, rootfs: string, dest: string): Promise<string[]> {
  const out: string[] = [];
  for (let p = posix.normalize(dest); p !== "/" && p !== "."; p = posix.dirname(p)) {
    if ((await services.resolveInRoot(rootfs, p)) !== undefined) break;
    out.push(p);
  }
  return out;
}

/** removeMountPoints deletes created mount points that are still empty, deepest first. */
export async function removeMountPoints(services: OpServices, rootfs: string, paths: readonly string[]): Promise<void> {
  for (const p of paths) {
    const host = await services.resolveInRoot(rootfs, p);
    if (host === undefined) continue;
    const st = await lstat(host);
    if (st.isDirectory()) await rmdir(host).catch(() => undefined); // a directory the step filled stays
    else if (st.isFile() && st.size === 0) await unlink(host);
  }
}

/**
 * stubParents records, before the run, the existing directories above each mount destination
 * (not the root, not those the runtime will create) with their mode and owner, so that
 * OpServices.pruneStubParents can drop them from the layer when the step left them unchanged.
 */
export async function stubParents(services: OpServices, rootfs: string, destinations: readonly string[], created: readonly string[]): Promise<StubParent[]> {
  const out: StubParent[] = [];
  const skip = new Set(created);
  for (const dest of destinations) {
    for (let p = posix.dirname(posix.normalize(dest)); p !== "/" && p !== "."; p = posix.dirname(p)) {
      if (skip.has(p)) continue;
      const host = await services.resolveInRoot(rootfs, p);
      const st = host === undefined ? undefined : await lstat(host);
      if (st?.isDirectory()) out.push({ rel: p.slice(1), mode: st.mode & 0o7777, uid: st.uid, gid: st.gid });
    }
  }
  return out;
}
