import { rm } from "node:fs/promises";
import { TsbuildError } from "../core/index.js";
import { makeWhiteouts } from "./nodes.js";
import { walkTree } from "./tree.js";
import { writeXattrs } from "./xattr.js";

const WHITEOUT_PREFIX = ".wh.";
const OPAQUE_MARKER = ".wh..wh..opq";

/** WhiteoutConversion counts what toOverlayWhiteouts turned into overlay form. */
export interface WhiteoutConversion {
  readonly whiteouts: number;
  readonly opaques: number;
}

/**
 * toOverlayWhiteouts converts a directory holding one OCI layer extracted as is (whiteouts kept
 * as empty `.wh.<name>` files, opaque markers as `.wh..wh..opq`) into overlay upper format, so it
 * can serve as a lower: each `.wh.<name>` becomes a 0/0 character device `<name>` (or is just
 * dropped when the layer itself also holds `<name>`, since whiteouts only hide lower layers) and
 * each `.wh..wh..opq` becomes `trusted.overlay.opaque=y` on its directory. Malformed whiteout
 * names (`.wh.`, `.wh..`, `.wh...`, `.wh..wh.x`) are refused, naming the path.
 */
export async function toOverlayWhiteouts(dir: string): Promise<WhiteoutConversion> {
  const markers: string[] = [];
  const whiteouts: string[] = [];
  const opaqueDirs: string[] = [];
  const present = new Set<string>();
  for await (const { rel, st } of walkTree(dir)) {
    const slash = rel.lastIndexOf("/");
    const parent = slash < 0 ? "" : rel.slice(0, slash);
    const base = rel.slice(slash + 1);
    present.add(rel);
    if (!base.startsWith(WHITEOUT_PREFIX)) continue;
    if (!st.isFile()) throw new TsbuildError("Snapshot", `${dir}/${rel} has a whiteout name but is not a regular file`);
    markers.push(rel);
    if (base === OPAQUE_MARKER) {
      opaqueDirs.push(parent === "" ? dir : `${dir}/${parent}`);
      continue;
    }
    const name = base.slice(WHITEOUT_PREFIX.length);
    if (name === "" || name === "." || name === ".." || name.startsWith(WHITEOUT_PREFIX)) {
      throw new TsbuildError("Snapshot", `${dir}/${rel} is a malformed whiteout (${JSON.stringify(base)} names no file)`);
    }
    whiteouts.push(parent === "" ? name : `${parent}/${name}`);
  }
  for (const rel of markers) await rm(`${dir}/${rel}`);
  const hidden = whiteouts.filter((rel) => !present.has(rel));
  await makeWhiteouts(hidden.map((rel) => `${dir}/${rel}`));
  await writeXattrs(opaqueDirs.map((path) => ({ path, xattrs: { "trusted.overlay.opaque": Buffer.from("y") } })));
  return { whiteouts: hidden.length, opaques: opaqueDirs.length };
}
