/**
 * Opaque directories of a step's upper dir, rewritten as the whiteouts BuildKit writes.
 *
 * overlayfs marks a directory that replaced a deleted lower path with `trusted.overlay.opaque=y`.
 * BuildKit's overlay differ never writes an opaque marker for it: it compares the directory with
 * the layers below and writes a whiteout per lower child the directory no longer holds (at any
 * depth below it), and nothing when no directory was below (a directory that replaced a file).
 * expandOpaqueDirs rewrites an upper dir into that form, so the dir, its layer tar and the way
 * later steps see it as a lower all agree.
 */
import { lstatSync, type BigIntStats } from "node:fs";
import { lstat, lutimes, readdir } from "node:fs/promises";
import { TsbuildError } from "../core/index.js";
import { OVERLAY_XATTR_PREFIX } from "./diff.js";
import { runCapture, runChecked } from "./exec-capture.js";
import { makeWhiteouts } from "./nodes.js";
import { isOverlayWhiteout, listDir, listDirSync } from "./tree.js";
import { readXattrTree, type Xattrs } from "./xattr.js";

/** OPAQUE_XATTR is the attribute overlayfs marks an opaque directory with. */
const OPAQUE_XATTR = `${OVERLAY_XATTR_PREFIX}opaque`;

async function lstatOrAbsent(path: string): Promise<BigIntStats | undefined> {
  try {
    return await lstat(path, { bigint: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined; // the layer holds nothing there
    throw err;
  }
}

/** isOpaqueDir tells whether the directory at `path` carries `trusted.overlay.opaque=y`. */
async function isOpaqueDir(path: string): Promise<boolean> {
  const r = await runCapture(["getfattr", "-h", "--only-values", "-n", OPAQUE_XATTR, "--", path]);
  if (r.code === 0) return r.stdout.toString("latin1") === "y";
  if (/No such attribute/i.test(r.stderr)) return false;
  throw new TsbuildError("Snapshot", `getfattr could not read ${OPAQUE_XATTR} of ${path} (exit ${r.code}): ${r.stderr.trim()}`);
}

/**
 * below lstats `rel` in each of `layers` (layer dirs in which its parent is a real directory, so no
 * symlink is followed on the way) and says whether any holds an entry there, and in which it is a
 * real directory.
 */
function below(layers: readonly string[], rel: string): { present: boolean; dirs: string[] } {
  let present = false;
  const dirs: string[] = [];
  for (const layer of layers) {
    let st;
    try {
      st = lstatSync(`${layer}/${rel}`);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR") continue; // the layer holds nothing there
      throw err;
    }
    present = true;
    if (st.isDirectory()) dirs.push(layer);
  }
  return { present, dirs };
}

/**
 * opaqueCandidates lists the directories of `upper` (relative) that stand where some lower holds
 * an entry. Only those can be opaque: overlayfs marks a directory opaque when it takes the place of
 * a whiteout, and a whiteout only ever stands over a lower entry. A directory with no directory
 * below it is not entered, since nothing under it can be below either. `layers` are the lowers
 * in which `rel` is a real directory.
 */
function opaqueCandidates(upper: string, layers: readonly string[], rel = "", out: string[] = []): string[] {
  if (layers.length === 0) return out;
  for (const name of listDirSync(rel === "" ? upper : `${upper}/${rel}`)) {
    const child = rel === "" ? name : `${rel}/${name}`;
    if (!lstatSync(`${upper}/${child}`).isDirectory()) continue;
    const at = below(layers, child);
    if (!at.present) continue;
    out.push(child);
    opaqueCandidates(upper, at.dirs, child, out);
  }
  return out;
}

/**
 * upperAttrs reads every attribute of `upper` (one `getfattr` dump) when some directory of it
 * stands over a lower entry, and returns undefined, reading nothing, when none does. The diff of
 * the layer needs the same dump afterwards, so a step's commit reads attributes only once.
 */
async function upperAttrs(upper: string, lowers: readonly string[]): Promise<Map<string, Xattrs> | undefined> {
  if (opaqueCandidates(upper.replace(/\/+$/, ""), lowers).length === 0) return undefined;
  return readXattrTree(upper);
}

/** opaqueIn lists the directories (relative, not the root, which overlayfs never treats as opaque) that `attrs` marks opaque. */
function opaqueIn(attrs: ReadonlyMap<string, Xattrs>): string[] {
  return [...attrs].filter(([rel, a]) => rel !== "" && a[OPAQUE_XATTR]?.toString("latin1") === "y").map(([rel]) => rel);
}

/** LayerLookup is what one layer dir holds at a path: nothing, something hiding it below (whiteout, non-directory), or a directory. */
interface LayerLookup {
  readonly state: "absent" | "hidden" | "file" | "dir";
  /** opaque: the path or one of its parents is an opaque directory in this layer, so the layers below do not count. */
  readonly opaque: boolean;
}

/** lookupInLayer resolves `parts` in one layer dir with overlayfs's rules (whiteouts and non-directories hide what is below them). */
async function lookupInLayer(layer: string, parts: readonly string[]): Promise<LayerLookup> {
  let path = layer;
  let opaque = false;
  for (let i = 0; i < parts.length; i++) {
    path = `${path}/${parts[i]}`;
    const st = await lstatOrAbsent(path);
    if (st === undefined) return { state: "absent", opaque };
    if (isOverlayWhiteout(st)) return { state: "hidden", opaque };
    if (!st.isDirectory()) return { state: i === parts.length - 1 ? "file" : "hidden", opaque };
    if (await isOpaqueDir(path)) opaque = true;
  }
  return { state: "dir", opaque };
}

/**
 * lowerDirChildren lists the children of directory `rel` in the merged view of `lowers` (layer dirs
 * in overlay upper format, top first) with whether each is a directory; undefined when `rel` is
 * not a directory there.
 */
export async function lowerDirChildren(lowers: readonly string[], rel: string): Promise<Map<string, boolean> | undefined> {
  const parts = rel.split("/");
  const kids = new Map<string, boolean>();
  const hidden = new Set<string>();
  let found = false;
  for (const layer of lowers) {
    const at = await lookupInLayer(layer, parts);
    if (at.state === "hidden" || at.state === "file") return found ? kids : undefined;
    if (at.state === "dir") {
      found = true;
      const dir = `${layer}/${rel}`;
      for (const name of await readdir(dir)) {
        if (kids.has(name) || hidden.has(name)) continue;
        const st = await lstat(`${dir}/${name}`, { bigint: true });
        if (isOverlayWhiteout(st)) hidden.add(name);
        else kids.set(name, st.isDirectory());
      }
    }
    if (at.opaque) break;
  }
  return found ? kids : undefined;
}

/** Expansion collects the whiteouts to create and the directories that get them (their times are kept). */
interface Expansion {
  readonly whiteouts: string[];
  readonly dirs: string[];
}

/**
 * hideLower plans whiteouts in upper directory `rel` for every lower child it does not hold, and
 * recurses into its subdirectories that stand over a lower directory (under an opaque directory
 * they hid that directory's children too).
 */
async function hideLower(upper: string, lowers: readonly string[], rel: string, plan: Expansion): Promise<void> {
  const below = await lowerDirChildren(lowers, rel);
  if (below === undefined) return;
  const held = new Set(await listDir(`${upper}/${rel}`));
  let added = false;
  // Deviation: a held child is kept even when it matches the lower one (BuildKit leaves such entries out); see grammar/DEVIATIONS.md.
  for (const [name, isDir] of below) {
    const child = `${rel}/${name}`;
    if (!held.has(name)) {
      plan.whiteouts.push(`${upper}/${child}`);
      added = true;
    } else if (isDir && (await lstat(`${upper}/${child}`, { bigint: true })).isDirectory()) {
      await hideLower(upper, lowers, child, plan);
    }
  }
  if (added) plan.dirs.push(`${upper}/${rel}`);
}

/** secondsOf turns a nanosecond time into the seconds lutimes takes, never rounding up into the next second. */
function secondsOf(ns: bigint): number {
  const whole = ns / 1_000_000_000n;
  return Number(whole) + Math.min(Number(ns - whole * 1_000_000_000n) / 1e9, 0.999999);
}

/** OpaqueResult says how many opaque directories expandOpaqueDirs rewrote and, when it read them, the upper's attributes as they are afterwards (readXattrTree's map). */
export interface OpaqueResult {
  readonly rewritten: number;
  readonly attrs?: Map<string, Xattrs>;
}

/**
 * expandOpaqueDirs rewrites the opaque directories of `upper` (an unmounted upper dir whose
 * lowers were `lowers`, top first) as BuildKit's overlay differ writes them: a whiteout (0/0
 * character device) for each child of the merged lower directory that the upper does not hold,
 * also in subdirectories standing over lower directories, and no `trusted.overlay.opaque`
 * attribute. Mounted over the same lowers, the dir shows the same tree as before. Directory
 * times are kept. Only directories standing over a lower entry can be opaque (overlayfs marks a
 * directory opaque when it takes the place of a whiteout); when there are none, nothing is read.
 */
export async function expandOpaqueDirs(upper: string, lowers: readonly string[]): Promise<OpaqueResult> {
  const attrs = await upperAttrs(upper, lowers);
  const opaque = attrs ? opaqueIn(attrs) : [];
  if (opaque.length === 0) return { rewritten: 0, ...(attrs ? { attrs } : {}) };
  const outer = opaque.filter((rel) => !opaque.some((o) => rel.startsWith(`${o}/`)));
  const plan: Expansion = { whiteouts: [], dirs: [] };
  for (const rel of outer) await hideLower(upper, lowers, rel, plan);
  const times = await Promise.all(plan.dirs.map((d) => lstat(d, { bigint: true })));
  await makeWhiteouts(plan.whiteouts);
  for (const rel of opaque) {
    await runChecked(["setfattr", "-h", "-x", OPAQUE_XATTR, "--", `${upper}/${rel}`], `removing ${OPAQUE_XATTR} from ${rel}`);
    forget(attrs as Map<string, Xattrs>, rel);
  }
  for (const [i, d] of plan.dirs.entries()) {
    const st = times[i] as BigIntStats;
    await lutimes(d, secondsOf(st.atimeNs), secondsOf(st.mtimeNs));
  }
  return { rewritten: opaque.length, ...(attrs ? { attrs } : {}) };
}

/** forget drops the opaque attribute of `rel` from `attrs`, and its record when nothing is left. */
function forget(attrs: Map<string, Xattrs>, rel: string): void {
  const own = attrs.get(rel);
  if (!own) return;
  delete own[OPAQUE_XATTR];
  if (Object.keys(own).length === 0) attrs.delete(rel);
}
