import { mkdir, rm } from "node:fs/promises";
import { TsbuildError } from "../core/index.js";
import { lstatOrUndefined } from "./copy-populate.js";
import { OVERLAY_XATTR_PREFIX } from "./diff.js";
import { makeWhiteouts } from "./nodes.js";
import { walkTree } from "./tree.js";
import { writeXattrs } from "./xattr.js";

const WHITEOUT_PREFIX = ".wh.";
const OPAQUE_MARKER = ".wh..wh..opq";

/** OverlayMarkers are an OCI layer's deletions: `whiteouts` names deleted paths, `opaques` directories whose lower children are hidden. */
export interface OverlayMarkers {
  readonly whiteouts: readonly string[];
  readonly opaques: readonly string[];
}

/** WhiteoutConversion counts what was written in overlay form. */
export interface WhiteoutConversion {
  readonly whiteouts: number;
  readonly opaques: number;
}

function splitRel(rel: string, what: string): string[] {
  const parts = rel.split("/").filter((p) => p !== "" && p !== ".");
  if (parts.includes("..") || rel.includes("\0")) throw new TsbuildError("Snapshot", `${what} ${JSON.stringify(rel)} is not a path inside the layer`);
  return parts;
}

/**
 * realParent returns the absolute path of the directory holding `parts` under `dir`, creating
 * missing directories (0755) and refusing any component that is a symlink or not a directory, so
 * nothing is ever written outside `dir`.
 */
async function realParent(dir: string, parts: readonly string[], what: string): Promise<string> {
  let at = dir;
  for (const part of parts.slice(0, -1)) {
    at = `${at}/${part}`;
    const st = await lstatOrUndefined(at);
    if (!st) await mkdir(at, { mode: 0o755 });
    else if (!st.isDirectory()) throw new TsbuildError("Snapshot", `${what} ${JSON.stringify(parts.join("/"))} goes through ${at}, which is not a directory`);
  }
  return at;
}

/**
 * markOverlayWhiteouts writes an OCI layer's deletions into `dir` (the layer's files, already
 * unpacked) in overlay upper format: a 0/0 character device per whiteout (skipped when the layer
 * itself holds that path: whiteouts only hide lower layers) and `trusted.overlay.opaque=y` per
 * opaque directory. Paths are relative; `..`, symlinked parents and an opaque root (which
 * overlayfs ignores on a lower's root; unpack such a layer flattened instead) are refused.
 */
export async function markOverlayWhiteouts(dir: string, markers: OverlayMarkers): Promise<WhiteoutConversion> {
  const devices: string[] = [];
  for (const rel of markers.whiteouts) {
    const parts = splitRel(rel, "whiteout");
    if (parts.length === 0) throw new TsbuildError("Snapshot", `whiteout ${JSON.stringify(rel)} names the layer root`);
    const path = `${await realParent(dir, parts, "whiteout")}/${parts[parts.length - 1]}`;
    if (!(await lstatOrUndefined(path))) devices.push(path);
  }
  const opaque: string[] = [];
  for (const rel of markers.opaques) {
    const parts = splitRel(rel, "opaque directory");
    if (parts.length === 0) throw new TsbuildError("Snapshot", "an opaque marker at the layer root cannot be an overlay lower (overlayfs ignores it there); unpack this layer flattened");
    opaque.push(await realParent(dir, [...parts, OPAQUE_MARKER], "opaque directory"));
  }
  await makeWhiteouts(devices);
  await writeXattrs(opaque.map((path) => ({ path, xattrs: { [`${OVERLAY_XATTR_PREFIX}opaque`]: Buffer.from("y") } })));
  return { whiteouts: devices.length, opaques: opaque.length };
}

/**
 * toOverlayWhiteouts converts a directory holding one OCI layer extracted as is (whiteouts kept
 * as empty `.wh.<name>` files, opaque markers as `.wh..wh..opq`) into overlay upper format with
 * markOverlayWhiteouts, removing the marker files. Malformed whiteout names (`.wh.`, `.wh..`,
 * `.wh...`, `.wh..wh.x`) and marker names that are not regular files are refused.
 */
export async function toOverlayWhiteouts(dir: string): Promise<WhiteoutConversion> {
  const files: string[] = [];
  const whiteouts: string[] = [];
  const opaques: string[] = [];
  for await (const { rel, st } of walkTree(dir)) {
    const slash = rel.lastIndexOf("/");
    const parent = rel.slice(0, Math.max(slash, 0));
    const base = rel.slice(slash + 1);
    if (!base.startsWith(WHITEOUT_PREFIX)) continue;
    if (!st.isFile()) throw new TsbuildError("Snapshot", `${dir}/${rel} has a whiteout name but is not a regular file`);
    files.push(rel);
    const name = base.slice(WHITEOUT_PREFIX.length);
    if (base === OPAQUE_MARKER) opaques.push(parent);
    else if (name === "" || name === "." || name === ".." || name.startsWith(WHITEOUT_PREFIX)) {
      throw new TsbuildError("Snapshot", `${dir}/${rel} is a malformed whiteout (${JSON.stringify(base)} names no file)`);
    } else whiteouts.push(parent === "" ? name : `${parent}/${name}`);
  }
  for (const rel of files) await rm(`${dir}/${rel}`);
  return markOverlayWhiteouts(dir, { whiteouts, opaques });
}
