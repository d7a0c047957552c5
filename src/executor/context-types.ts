/**
 * Types of the build context model: one in-memory snapshot of the context directory's metadata
 * (taken by openContext), the entries a COPY/ADD or bind mount selects from it, and the errors.
 */
import { TsbuildError } from "../core/errors.js";
import { compareBytes } from "../core/utf8-order.js";
import type { DockerignoreResult } from "../core/dockerignore.js";

/** EntryType is what a context entry is; FIFOs, sockets and devices never become entries. */
export type EntryType = "file" | "dir" | "symlink";

/** ContextEntry is one file, directory or symlink of the context, as lstat saw it during the walk. */
export interface ContextEntry {
  /** Slash-separated path relative to the context root; the root itself is "." (mode 0755, owner 0:0). */
  readonly path: string;
  readonly type: EntryType;
  /** Permission bits plus setuid, setgid and sticky (`st_mode & 0o7777`). */
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly size: bigint;
  readonly mtimeNs: bigint;
  readonly ctimeNs: bigint;
  readonly ino: bigint;
  readonly dev: bigint;
  /** Number of hard links to the inode (a file with several is copied as hardlinks). */
  readonly nlink: number;
  /** The symlink's target, verbatim (never followed); undefined for other types. */
  readonly target: string | undefined;
}

/** ContextWarning is something the walk skipped on purpose; the caller decides how to show it. */
export interface ContextWarning {
  readonly code: "ContextSpecialFile" | "ContextVanished" | "ContextDirSkipped";
  readonly path: string;
  readonly message: string;
}

/** BuildContext is an opened context directory: its ignore rules and the metadata of every kept entry. */
export interface BuildContext {
  /** The context directory as given (absolute). */
  readonly root: string;
  /** The ignore file that applied, or undefined when there is none. */
  readonly ignoreFile: string | undefined;
  readonly ignore: DockerignoreResult | undefined;
  /** Every entry not excluded by the ignore file, by path (the root is "."). */
  readonly entries: ReadonlyMap<string, ContextEntry>;
  /** Child names of every kept directory, sorted bytewise. */
  readonly children: ReadonlyMap<string, readonly string[]>;
  readonly warnings: readonly ContextWarning[];
}

/** ContextError is a build context problem the user can act on; `code` says which. */
export class ContextError extends TsbuildError {
  constructor(code: "ContextNotFound" | "ContextSourceNotFound" | "ContextPattern" | "ContextChanged" | "ContextIgnoreFile" | "ContextRead", message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** compareBytes (src/core/utf8-order.ts) orders strings by their UTF-8 bytes; re-exported for the context's users. */
export { compareBytes };

const SURROGATE_RE = /[\ud800-\udfff]/;

/**
 * sortByBytes sorts items in place by the UTF-8 byte order of key(item), as compareBytes does.
 * Without surrogates (astral code points) UTF-16 code unit order is that same order, so the
 * common case uses the engine's native string comparison.
 */
export function sortByBytes<T>(items: T[], key: (item: T) => string): T[] {
  if (items.some((it) => SURROGATE_RE.test(key(it)))) return items.sort((a, b) => compareBytes(key(a), key(b)));
  return items.sort((a, b) => {
    const x = key(a);
    const y = key(b);
    return x < y ? -1 : x > y ? 1 : 0;
  });
}

/** joinPath joins a context directory path and a child name ("." is the root). */
export function joinPath(dir: string, name: string): string {
  return dir === "." ? name : `${dir}/${name}`;
}
