import { compareUnits, utf8Rank } from "../core/utf8-order.js";

/** EntryCommon holds what every layer tar entry carries; `path` is relative, `/`-separated, without `./` or a trailing slash. */
interface EntryCommon {
  readonly path: string;
  readonly mode?: number;
  readonly uid?: number;
  readonly gid?: number;
  /** mtime in seconds since the epoch (fractions are truncated). */
  readonly mtime?: number;
  /** xattrs maps names such as `security.capability` to their exact bytes. */
  readonly xattrs?: Readonly<Record<string, Uint8Array>>;
}

/**
 * FileContent is a regular file's bytes: a buffer, or a function that opens a stream of exactly
 * `size` bytes. `readInto`, when given, reads the same bytes synchronously into `target` at
 * `offset` (which has room for `size + 1` bytes, so one read can tell the file grew) and throws
 * when the file is not `size` bytes long; writers use it for small files.
 */
export type FileContent =
  | Uint8Array
  | { readonly size: number; readonly open: () => AsyncIterable<Uint8Array>; readonly readInto?: (target: Buffer, offset: number) => void };

/**
 * LayerEntry is one item of a layer changeset. `whiteout` deletes `path` from lower layers
 * (written as `dir/.wh.name`); `opaque` hides every lower child of the directory `path` (written as
 * `path/.wh..wh..opq`); `hardlink` targets another path of the same layer that comes earlier.
 */
export type LayerEntry =
  | (EntryCommon & { readonly type: "file"; readonly content: FileContent })
  | (EntryCommon & { readonly type: "directory" })
  | (EntryCommon & { readonly type: "symlink"; readonly target: string })
  | (EntryCommon & { readonly type: "hardlink"; readonly target: string })
  | (EntryCommon & { readonly type: "character-device" | "block-device"; readonly devmajor: number; readonly devminor: number })
  | (EntryCommon & { readonly type: "fifo" })
  | { readonly type: "whiteout"; readonly path: string }
  | { readonly type: "opaque"; readonly path: string };

export const WHITEOUT_PREFIX = ".wh.";
export const OPAQUE_MARKER = ".wh..wh..opq";

/** tarNameOf returns the name an entry is stored under in the tar (directories end with `/`). */
export function tarNameOf(e: LayerEntry): string {
  if (e.type === "whiteout") {
    const i = e.path.lastIndexOf("/");
    return i < 0 ? WHITEOUT_PREFIX + e.path : `${e.path.slice(0, i + 1)}${WHITEOUT_PREFIX}${e.path.slice(i + 1)}`;
  }
  if (e.type === "opaque") return e.path === "" ? OPAQUE_MARKER : `${e.path}/${OPAQUE_MARKER}`;
  return e.type === "directory" ? `${e.path}/` : e.path;
}

/** NOT_PLAIN finds what normalizeEntryPath changes or refuses: a leading, trailing or doubled `/`, a `.` or `..` component, a NUL. */
const NOT_PLAIN = /^\/|\/$|\/\/|(?:^|\/)\.\.?(?:\/|$)|\0/;

/** normalizeEntryPath turns `./a/b/`, `/a//b` into `a/b` and refuses `..`, empty and NUL-containing paths. */
export function normalizeEntryPath(p: string, allowRoot = false): string {
  // Most paths (all of a directory walk's) are already plain: one regex test, no split and join.
  if (p !== "" && !NOT_PLAIN.test(p)) return p;
  if (p.includes("\0")) throw new TypeError(`layer entry path ${JSON.stringify(p)} contains a NUL byte`);
  const parts = p.split("/").filter((s) => s !== "" && s !== ".");
  if (parts.includes("..")) throw new TypeError(`layer entry path ${JSON.stringify(p)} contains ".."`);
  if (parts.length === 0 && !allowRoot) throw new TypeError(`layer entry path ${JSON.stringify(p)} names the root`);
  return parts.join("/");
}

/**
 * compareTarPaths orders paths depth-first with each directory's children sorted bytewise by
 * their UTF-8 names (so `a`, `a/b`, `a-b`), the order containerd's differ emits: code units in
 * UTF-8 byte order with `/` first (a path's components compare before anything after them), no
 * path split or encoded, as a sort of thousands of entries would do tens of thousands of times.
 */
export function compareTarPaths(a: string, b: string): number {
  return compareUnits(a, b, tarRank);
}

/** tarRank is utf8Rank with `/` below every other code unit. */
function tarRank(c: number): number {
  return c === 0x2f ? -1 : utf8Rank(c);
}

/** sortPathOf is the path an entry sorts by: whiteouts and opaque markers sort by their tar name. */
export function sortPathOf(e: LayerEntry): string {
  return e.type === "whiteout" || e.type === "opaque" ? tarNameOf(e) : e.path;
}
