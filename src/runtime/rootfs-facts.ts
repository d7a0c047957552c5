import { lstatSync } from "node:fs";
import { posix } from "node:path";
import { relativeInRoot, resolveInRootSync } from "./confined.js";
import { ETC_TARGETS } from "./etc-files.js";
import { checkKernelTarget, needsFile, topLevelMounts } from "./mount-targets.js";
import type { OciSpec } from "./oci-types.js";

/**
 * FACTS_VERSION changes whenever what rootfsFacts checks does: facts recorded by another version
 * are not used.
 */
const FACTS_VERSION = 1;

/**
 * factsKey names what rootfsFacts answers for `spec` and working directory `cwd`: the working
 * directory and each top-level mount's destination, type, and whether a bind mounts a
 * non-directory (which needs a file to mount on). Two starts with the same key over the same
 * image get the same answer.
 */
export function factsKey(spec: OciSpec, cwd: string): string {
  const mounts = topLevelMounts(spec).map((m) => [m.destination, m.type, needsFile(m)]);
  return JSON.stringify([FACTS_VERSION, cwd, mounts]);
}

/**
 * rootfsFacts checks, in an image's root filesystem `lower` (one dir: the image's layers
 * unpacked flattened, as a container sees them under an empty writable layer), what a start
 * otherwise checks and makes through the mounted rootfs (the working directory, the /etc targets
 * and the other mount targets: settle and prepareMountTargets), reading only. It answers for
 * starts that need no more than the runtime makes on its own: the working directory exists, and
 * each missing mount target is an empty file mount point in a directory the image has (the /etc
 * files of most images), which runc and crun make, confined to the rootfs, as they mount. Then
 * it returns the /etc targets missing (missingEtcTargets' names, for removeEtcStubs), else
 * undefined (a directory to make, a target through a device node). Throws InputError for a
 * kernel filesystem's target that is not an ordinary directory, as prepareMountTargets does.
 *
 * The image never changes under its digest, so the answer holds for every later start with the
 * same factsKey: it is recorded and read instead of the rootfs (run-facts.ts).
 */
export function rootfsFacts(spec: OciSpec, cwd: string, lower: string): string[] | undefined {
  const dir = resolveInRootSync(lower, cwd);
  if (dir === undefined || !lstatSync(dir).isDirectory()) return undefined;
  const missing: string[] = [];
  for (const m of topLevelMounts(spec)) {
    const host = resolveInRootSync(lower, m.destination);
    if (host !== undefined) {
      const st = lstatSync(host);
      if (st.isCharacterDevice() || st.isBlockDevice()) return undefined;
      checkKernelTarget(m, lower, host);
      continue;
    }
    // Only an empty file for a bind of a non-directory, in a directory the image has.
    if (!needsFile(m)) return undefined;
    const parent = resolveInRootSync(lower, posix.dirname(m.destination));
    const name = posix.basename(m.destination);
    if (parent === undefined || !lstatSync(parent).isDirectory() || lstatSync(`${parent}/${name}`, { throwIfNoEntry: false }) !== undefined) return undefined;
    if (ETC_TARGETS.includes(m.destination)) missing.push(posix.join(relativeInRoot(lower, parent), name));
  }
  return missing;
}
