import { readFile } from "node:fs/promises";
import { TsbuildError } from "../core/index.js";

/** MountInfo is one line of /proc/self/mountinfo: the mount's id, its parent's, where it is mounted, and its filesystem. */
export interface MountInfo {
  readonly id: number;
  readonly parent: number;
  readonly mountPoint: string;
  readonly fsType: string;
  readonly source: string;
}

/** unescapeMountField decodes the kernel's `\ooo` escapes (space, tab, newline, backslash) in a mountinfo field. */
export function unescapeMountField(field: string): string {
  const bytes = Buffer.from(field.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))), "latin1");
  return bytes.toString("utf8");
}

/**
 * parseMountinfo reads the text of /proc/<pid>/mountinfo (proc(5)): fields up to the optional
 * ones, a `-` separator, then filesystem type and source. Throws on a malformed line.
 */
export function parseMountinfo(text: string): MountInfo[] {
  const out: MountInfo[] = [];
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    const fields = line.split(" ");
    const sep = fields.indexOf("-", 6);
    const [id, parent, , , mountPoint] = fields;
    if (sep < 0 || mountPoint === undefined || !/^\d+$/.test(id ?? "") || !/^\d+$/.test(parent ?? "")) {
      throw new TsbuildError("Snapshot", `unexpected mountinfo line ${JSON.stringify(line)}`);
    }
    out.push({
      id: Number(id),
      parent: Number(parent),
      mountPoint: unescapeMountField(mountPoint),
      fsType: fields[sep + 1] ?? "",
      source: unescapeMountField(fields[sep + 2] ?? ""),
    });
  }
  return out;
}

/** readMountinfo returns this process's mount table, in the kernel's order (parents before the mounts on top of them). */
export async function readMountinfo(): Promise<MountInfo[]> {
  return parseMountinfo(await readFile("/proc/self/mountinfo", "utf8"));
}

/** isMountedAt says whether anything is mounted exactly at `path` (an absolute, symlink-free path). */
export async function isMountedAt(path: string): Promise<boolean> {
  return (await readMountinfo()).some((m) => m.mountPoint === path);
}
