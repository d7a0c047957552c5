import { close, closeSync, constants, open, openSync, read, readlinkSync, readSync } from "node:fs";
import { promisify } from "node:util";
import { TsbuildError } from "../core/index.js";
import { readIntoSync } from "../core/read-into.js";
import { devNumbers, isOverlayWhiteout, walkTreeSync, type TreeNode } from "./tree.js";
import { readXattrTree, type Xattrs } from "./xattr.js";

/** DiffKind is what a DiffEntry stands for; `whiteout` deletes a lower path, `opaque` hides a directory's lower children. */
export type DiffKind = "file" | "dir" | "symlink" | "hardlink" | "whiteout" | "opaque" | "char" | "block" | "fifo";

/**
 * DiffEntry is one change of a layer, neutral of any archive format. `path` is relative and
 * `/`-separated. `mode` holds the permission, setuid, setgid and sticky bits; `mtime` is in
 * seconds (fractional). `linkname` is a symlink's target, or for a hardlink the path of the
 * entry it shares an inode with (which comes earlier in the list). `open` streams a file's
 * content (exactly `size` bytes while the layer dir is unchanged). Whiteout and opaque entries
 * carry only their path; an opaque entry directly follows its directory's entry. `readInto`, on
 * files up to SYNC_READ_BYTES, reads the content synchronously (see FileContent.readInto).
 */
export interface DiffEntry {
  readonly path: string;
  readonly kind: DiffKind;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly size: number;
  readonly mtime: number;
  readonly linkname?: string;
  readonly devmajor?: number;
  readonly devminor?: number;
  readonly xattrs: Readonly<Xattrs>;
  readonly open?: () => AsyncIterable<Buffer>;
  readonly readInto?: (target: Buffer, offset: number) => void;
}

/** OVERLAY_XATTR_PREFIX names the attributes overlayfs keeps for itself; they never reach a layer. */
export const OVERLAY_XATTR_PREFIX = "trusted.overlay.";

function marker(path: string, kind: "whiteout" | "opaque"): DiffEntry {
  return { path, kind, mode: 0, uid: 0, gid: 0, size: 0, mtime: 0, xattrs: {} };
}

function layerXattrs(rel: string, all: Xattrs | undefined): Xattrs {
  const out: Xattrs = {};
  for (const [name, value] of Object.entries(all ?? {})) {
    if (name === `${OVERLAY_XATTR_PREFIX}redirect` || name === `${OVERLAY_XATTR_PREFIX}metacopy`) {
      throw new TsbuildError("Snapshot", `${rel} carries ${name}: the layer was written by an overlay mount with redirect_dir or metacopy on, which tsbuild cannot diff`);
    }
    if (!name.startsWith(OVERLAY_XATTR_PREFIX)) out[name] = value;
  }
  return out;
}

function kindOf(node: TreeNode): DiffKind | undefined {
  const st = node.st;
  if (st.isFile()) return "file";
  if (st.isDirectory()) return "dir";
  if (st.isSymbolicLink()) return "symlink";
  if (st.isCharacterDevice()) return "char";
  if (st.isBlockDevice()) return "block";
  if (st.isFIFO()) return "fifo";
  return undefined; // sockets: no layer format can carry them (containerd's differ skips them too)
}

const openFd = promisify(open);
const readFd = promisify(read);
const closeFd = promisify(close);

/** READ_CHUNK is the largest read readChunks makes. */
const READ_CHUNK = 1 << 20;

/**
 * readChunks streams the file at `abs` in buffers sized to what is left of `size`, so a small
 * file costs one open, one read and one close. A read returning more than `size` bytes (the file
 * grew) is passed on, for the consumer's size check to refuse.
 */
async function* readChunks(abs: string, size: number): AsyncGenerator<Buffer> {
  // The callback API (no FileHandle objects): this runs once per file of every layer.
  const fd = await openFd(abs, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    let left = size;
    for (;;) {
      // One byte more than expected: a short read then means end of file without another call.
      const want = Math.min(left + 1, READ_CHUNK);
      const buf = Buffer.allocUnsafe(want);
      const { bytesRead } = await readFd(fd, buf, 0, want, null);
      if (bytesRead === 0) return;
      yield buf.subarray(0, bytesRead);
      left -= bytesRead;
      if (bytesRead < want) return;
    }
  } finally {
    await closeFd(fd);
  }
}

/** SYNC_READ_BYTES is the largest file given a synchronous reader (readInto). */
const SYNC_READ_BYTES = 1 << 20;

function entryOf(node: TreeNode, kind: DiffKind, xattrs: Xattrs, links: Map<string, string>): DiffEntry {
  const { st, rel, abs } = node;
  const base = { path: rel, mode: Number(st.mode & 0o7777n), uid: Number(st.uid), gid: Number(st.gid), mtime: Number(st.mtimeNs) / 1e9, xattrs };
  if (kind === "file") {
    const key = `${st.dev}:${st.ino}`;
    const first = st.nlink > 1n ? links.get(key) : undefined;
    if (first !== undefined) return { ...base, kind: "hardlink", size: 0, linkname: first };
    if (st.nlink > 1n) links.set(key, rel);
    const size = Number(st.size);
    return { ...base, kind, size, open: () => readChunks(abs, size), ...(size <= SYNC_READ_BYTES ? { readInto: readIntoSync(abs, rel, size) } : {}) };
  }
  if (kind === "symlink") return { ...base, kind, size: 0, linkname: readlinkSync(abs) };
  if (kind === "char" || kind === "block") {
    const { major, minor } = devNumbers(st.rdev);
    return { ...base, kind, size: 0, devmajor: major, devminor: minor };
  }
  return { ...base, kind, size: 0 };
}

/** YIELD_MS is how long diffUpper's synchronous walk runs before it lets the event loop turn. */
const YIELD_MS = 8;

/**
 * diffUpper reads a layer dir in overlayfs upper format into its change list, in layer-tar order
 * (depth-first, siblings bytewise). Whiteouts (character devices 0/0, or files marked with
 * `trusted.overlay.whiteout`) become `whiteout` entries; a directory with
 * `trusted.overlay.opaque=y` is followed by an `opaque` entry; `trusted.overlay.*` attributes are
 * dropped and every other attribute is kept byte-exact; files sharing an inode become one `file`
 * and `hardlink`s to it. Sockets are left out. The root directory itself is not an entry.
 * Throws when the dir uses overlay features tsbuild does not mount with (redirect, metacopy).
 * `attrs`, when given, is readXattrTree(upper) as read by the caller since the dir last changed.
 */
export async function diffUpper(upper: string, attrs?: ReadonlyMap<string, Xattrs>): Promise<DiffEntry[]> {
  attrs ??= await readXattrTree(upper);
  const links = new Map<string, string>();
  const out: DiffEntry[] = [];
  let since = performance.now();
  for (const node of walkTreeSync(upper)) {
    // The walk is synchronous (tsbuild's own dir); the event loop still turns every few milliseconds.
    if (performance.now() - since > YIELD_MS) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      since = performance.now();
    }
    const all = attrs.get(node.rel);
    if (isOverlayWhiteout(node.st) || (node.st.isFile() && all?.[`${OVERLAY_XATTR_PREFIX}whiteout`] !== undefined)) {
      out.push(marker(node.rel, "whiteout"));
      continue;
    }
    const kind = kindOf(node);
    if (kind === undefined) continue;
    out.push(entryOf(node, kind, layerXattrs(node.rel, all), links));
    // A step's upper has none left (expandOpaqueDirs); an imported layer's opaque markers are kept as they were.
    if (kind === "dir" && all?.[`${OVERLAY_XATTR_PREFIX}opaque`]?.toString("latin1") === "y") out.push(marker(node.rel, "opaque"));
  }
  return out;
}
