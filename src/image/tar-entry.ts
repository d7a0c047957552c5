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
 * their UTF-8 names (so `a`, `a/b`, `a-b`), the order containerd's differ emits. It compares
 * UTF-16 code units through unitRank, which orders them as UTF-8 orders its bytes, with `/`
 * first (a path's components compare before anything after them): no path is split or encoded,
 * as a sort of thousands of entries would do tens of thousands of times.
 */
export function compareTarPaths(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return unitRank(x) - unitRank(y);
  }
  return a.length - b.length;
}

/**
 * unitRank ranks a UTF-16 code unit in UTF-8 byte order: `/` below all; surrogates (the halves of
 * characters past U+FFFF, whose UTF-8 starts with 0xF0-0xF4) above U+E000-U+FFFF (0xEE-0xEF);
 * everything else in code point order, which UTF-8 keeps.
 */
function unitRank(c: number): number {
  if (c === 0x2f) return -1;
  if (c < 0xd800) return c;
  return c >= 0xe000 ? c - 0x800 : c + 0x2000;
}

/** sortPathOf is the path an entry sorts by: whiteouts and opaque markers sort by their tar name. */
export function sortPathOf(e: LayerEntry): string {
  return e.type === "whiteout" || e.type === "opaque" ? tarNameOf(e) : e.path;
}
