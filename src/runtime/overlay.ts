import { mkdirSync, readdirSync, realpathSync, rmdirSync, rmSync, symlinkSync, unlinkSync } from "node:fs";
import { mkdir, mkdtemp, realpath, rm } from "node:fs/promises";
import { TsbuildError } from "../core/index.js";
import { runCapture } from "./exec-capture.js";
import { isMountedAt } from "./mountinfo.js";

/** MAX_LOWERS is overlayfs's own limit on stacked lower dirs (OVL_MAX_STACK). */
export const MAX_LOWERS = 500;
/** MAX_MOUNT_DATA is the kernel's limit on mount(2) option data: one page. */
const MAX_MOUNT_DATA = 4095;
/**
 * OVERLAY_OPTIONS turn off the overlay features whose on-disk forms a layer diff would have to
 * interpret (redirected directories, metadata-only copy-up, the inode index).
 */
const OVERLAY_OPTIONS = "redirect_dir=off,index=off,metacopy=off";

/** OverlayMount is an overlay to create: `lowers` top first; without `upper` (and `work`) the mount is read-only. */
export interface OverlayMount {
  readonly lowers: readonly string[];
  readonly upper?: string;
  readonly work?: string;
  readonly target: string;
}

/** linksDirFor is the directory of short aliases an overlay at `target` is mounted through; it lives until unmount. */
export function linksDirFor(target: string): string {
  return `${target}.lowers`;
}

/**
 * overlayOptions builds the mount data from names relative to the links dir: `0`..`n-1` for the
 * lowers (top first), `u` and `w` for upper and work. A read-only overlay needs two lowers at
 * least, so empty dirs `e0`/`e1` pad a short stack.
 */
function overlayOptions(m: OverlayMount): string {
  const lowers = m.lowers.map((_, i) => String(i));
  if (!m.upper) while (lowers.length < 2) lowers.push(`e${lowers.length}`);
  if (m.upper && lowers.length === 0) lowers.push("e0");
  const rw = m.upper ? ",upperdir=u,workdir=w" : "";
  return `lowerdir=${lowers.join(":")}${rw},${OVERLAY_OPTIONS}`;
}

/**
 * mountOverlay mounts overlayfs at `target`. The kernel takes at most one page of mount data, so
 * unless the paths fit as they are (directOptions), they are not written into it: a links dir
 * next to the target holds one short symlink per layer, and `mount` runs with that dir as its
 * working directory so the data holds only relative names (500 lowers need under 2 KiB). On
 * failure the links dir is removed again.
 */
export async function mountOverlay(m: OverlayMount): Promise<void> {
  const { cwd, data } = overlayLinksSync(m);
  try {
    // -n -i: overlayfs has no mount helper and nothing reads mtab (tsbuild reads the kernel's
    // mountinfo); skipping both saves mount's own look-ups at every snapshot.
    const r = await runCapture(["mount", "-n", "-i", "-t", "overlay", "overlay", "-o", data, "--", m.target], { cwd: cwd ?? "/", timeoutMs: 60_000 });
    if (r.code !== 0) throw new TsbuildError("Snapshot", `mounting the overlay at ${m.target} failed: ${r.stderr.trim() || `mount exited with ${r.code}`}`);
  } catch (err) {
    if (cwd !== undefined) await rm(cwd, { recursive: true, force: true });
    throw err;
  }
}

/**
 * directOptions is the mount data of `m` with the paths written into it, when that is plain: every
 * path free of the separators overlayfs parses (`,` `:` `\\`) and of newlines, no padding dirs
 * needed, and the whole within one page. A common container start (one lower dir) then needs no
 * links dir at all.
 */
function directOptions(m: OverlayMount): string | undefined {
  const paths = [...m.lowers, ...(m.upper && m.work ? [m.upper, m.work] : [])];
  if (m.lowers.length < (m.upper ? 1 : 2) || paths.some((p) => /[,:\\\n]/.test(p))) return undefined;
  const rw = m.upper && m.work ? `,upperdir=${m.upper},workdir=${m.work}` : "";
  const data = `lowerdir=${m.lowers.join(":")}${rw},${OVERLAY_OPTIONS}`;
  return data.length <= MAX_MOUNT_DATA ? data : undefined;
}

/**
 * overlayLinksSync prepares the mount of `m` as mountOverlay does, synchronously (also for a
 * mount made by another process, a container's launcher, in its own mount namespace): it
 * returns the mount data and, when the paths cannot go into it as they are (directOptions), the
 * links dir it made (`cwd`, the directory to run `mount` in). The caller removes the links dir
 * (removeLinksSync) once the mount is made or failed.
 */
export function overlayLinksSync(m: OverlayMount): { cwd?: string; data: string } {
  if (m.lowers.length > MAX_LOWERS) throw new TsbuildError("Snapshot", `a snapshot of ${m.lowers.length} layers exceeds overlayfs's limit of ${MAX_LOWERS}; squash some layers`);
  if (Boolean(m.upper) !== Boolean(m.work)) throw new TsbuildError("Snapshot", "an overlay mount needs both an upper and a work dir, or neither");
  const direct = directOptions(m);
  if (direct !== undefined) return { data: direct };
  const links = linksDirFor(m.target);
  rmSync(links, { recursive: true, force: true });
  mkdirSync(links, { mode: 0o700 });
  try {
    for (const [i, lower] of m.lowers.entries()) symlinkSync(realpathSync(lower), `${links}/${i}`);
    for (const e of ["e0", "e1"]) mkdirSync(`${links}/${e}`);
    if (m.upper && m.work) {
      symlinkSync(realpathSync(m.upper), `${links}/u`);
      symlinkSync(realpathSync(m.work), `${links}/w`);
    }
    const data = overlayOptions(m);
    if (data.length > MAX_MOUNT_DATA) throw new TsbuildError("Snapshot", `overlay mount data for ${m.target} is ${data.length} bytes, over the kernel's ${MAX_MOUNT_DATA}`);
    return { cwd: links, data };
  } catch (err) {
    rmSync(links, { recursive: true, force: true });
    throw err;
  }
}

/**
 * removeLinksSync removes the links dir `dir` that overlayLinksSync made (its symlinks and empty
 * pad dirs; a missing dir is fine): a mount made through it no longer needs it.
 */
export function removeLinksSync(dir: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return;
    throw err;
  }
  for (const n of names) {
    if (n === "e0" || n === "e1") rmdirSync(`${dir}/${n}`);
    else unlinkSync(`${dir}/${n}`);
  }
  rmdirSync(dir);
}

/**
 * unmount detaches whatever is mounted at `target` (symlinks in the path are resolved), falling
 * back to a lazy detach (`umount -l`) when the mount is busy, until nothing is mounted there.
 * Resolves at once when nothing is mounted; rejects when a mount stays.
 */
export async function unmount(path: string): Promise<void> {
  const target = await realpath(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") return path; // a mount point deleted under its mount is still listed by name
    throw err;
  });
  // Each round reads the mount table once: stacked mounts take one round each.
  for (let i = 0; i < 8; i++) {
    if (!(await isMountedAt(target))) return;
    // -n -i as for mountOverlay: the mounts tsbuild makes (overlay, bind) have no umount helper.
    const r = await runCapture(["umount", "-n", "-i", "--", target], { timeoutMs: 60_000 });
    if (r.code === 0 || !(await isMountedAt(target))) continue;
    const lazy = await runCapture(["umount", "-n", "-i", "-l", "--", target], { timeoutMs: 60_000 });
    if (lazy.code !== 0 && (await isMountedAt(target))) {
      throw new TsbuildError("Snapshot", `cannot unmount ${target}: ${lazy.stderr.trim() || r.stderr.trim()}`);
    }
  }
  if (await isMountedAt(target)) throw new TsbuildError("Snapshot", `${target} is still mounted after 8 unmounts`);
}

const probes = new Map<bigint, Promise<boolean>>();

/**
 * overlaySupported says whether an overlay with its upper dir on the filesystem of `dir` can be
 * mounted here, by mounting a tiny one under `dir`. The answer is computed once per filesystem.
 */
export function overlaySupported(dir: string, dev: bigint): Promise<boolean> {
  let probe = probes.get(dev);
  if (!probe) {
    probe = probeOverlay(dir);
    probes.set(dev, probe);
    probe.catch(() => probes.delete(dev)); // an error (not a "no") is not an answer: ask again next time
  }
  return probe;
}

async function probeOverlay(dir: string): Promise<boolean> {
  const root = await mkdtemp(`${dir}/.overlay-probe-`);
  try {
    for (const d of ["l", "u", "w", "m"]) await mkdir(`${root}/${d}`);
    const m = { lowers: [`${root}/l`], upper: `${root}/u`, work: `${root}/w`, target: `${root}/m` };
    try {
      await mountOverlay(m);
    } catch (err) {
      // A failed probe is the answer: overlayfs is missing or refuses this filesystem.
      if (err instanceof TsbuildError) return false;
      throw err;
    }
    await unmount(m.target);
    return true;
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
