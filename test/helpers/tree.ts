import { createHash } from "node:crypto";
import { lstatSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { join } from "node:path";

/**
 * tree describes every path under dir: type, mode, owner (when `owners`), size and content hash
 * or symlink target. Two trees are equal as unpacked file systems when their descriptions are.
 */
export function tree(dir: string, owners: boolean, rel = ""): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(join(dir, rel)).sort()) {
    const r = rel ? `${rel}/${name}` : name;
    const p = join(dir, r);
    const st = lstatSync(p);
    const ids = owners ? ` ${st.uid}:${st.gid}` : "";
    const own = `${(st.mode & 0o7777).toString(8)}${ids}`;
    if (st.isSymbolicLink()) out[r] = `symlink -> ${readlinkSync(p)}${ids}`;
    else if (st.isDirectory()) {
      out[r] = `dir ${own}`;
      Object.assign(out, tree(dir, owners, r));
    } else if (!st.isFile()) out[r] = `special ${st.mode.toString(8)}${ids}`;
    else out[r] = `file ${own} ${st.size} ${createHash("sha256").update(readFileSync(p)).digest("hex").slice(0, 16)}`;
  }
  return out;
}
