/**
 * The sources of a COPY/ADD as Items: context entries (read through confined descriptors and
 * checked against the walk's record), trees of a read-only stage view (walked without following
 * symlinks; `--from` sources may use wildcards, matched per path component like filepath.Match),
 * and downloaded files.
 */
import { constants } from "node:fs";
import { lstat, open, readdir, readlink, type FileHandle } from "node:fs/promises";
import { posix } from "node:path";
import { InputError } from "../../core/errors.js";
import type { CopyOp } from "../../planner/plan.js";
import { changedError, openDirChain, openFileAt, unchanged } from "../context-fs.js";
import { containsWildcards, select } from "../context-select.js";
import type { BuildContext, ContextEntry } from "../context-types.js";
import type { OpServices } from "./types.js";

/** Item is one thing to write, relative to the destination it lands in. */
export interface Item {
  readonly rel: string;
  readonly kind: "file" | "dir" | "symlink";
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly mtime: Date;
  readonly target?: string;
  readonly open?: () => AsyncIterable<Uint8Array>;
  /** The context entry a context file comes from (written through the confined parallel reader). */
  readonly entry?: ContextEntry;
  /** A host path holding the file's bytes (opened without following a final symlink). */
  readonly hostPath?: string;
  /** ADD only: a file named directly as a source, extracted when it is a tar archive. */
  readonly archive?: boolean;
}

/** Group is what one source contributes; a directory source copies its contents. */
export interface Group {
  readonly items: Item[];
  readonly isDir: boolean;
}

/** readAll streams a file handle's bytes and closes it. */
export async function* readAll(fh: FileHandle): AsyncIterable<Uint8Array> {
  try {
    const buf = Buffer.alloc(1 << 16);
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) return;
      yield Buffer.from(buf.subarray(0, bytesRead));
    }
  } finally {
    await fh.close();
  }
}

/** hostFileReader opens a host file without following a final symlink. */
export function hostFileReader(host: string): () => AsyncIterable<Uint8Array> {
  return async function* () {
    yield* readAll(await open(host, constants.O_RDONLY | constants.O_NOFOLLOW));
  };
}

/** contextItems lists what one context source writes, with confined readers for file contents. */
export function contextItems(ctx: BuildContext, source: string, op: CopyOp, root: FileHandle): Group[] {
  const sel = select(ctx, [source], { excludes: op.excludes, parents: op.parents });
  const opener = (e: ContextEntry) => async function* () {
    const slash = e.path.lastIndexOf("/");
    const dir = await openDirChain(root, slash < 0 ? "." : e.path.slice(0, slash), ctx.entries);
    try {
      const fh = await openFileAt(dir, e.path.slice(slash + 1));
      if (!unchanged(await fh.stat({ bigint: true }), e)) {
        await fh.close();
        throw changedError(e.path, "changed");
      }
      yield* readAll(fh);
    } finally {
      if (dir !== root) await dir.close();
    }
  };
  return sel.roots.map((r) => {
    const rootEntry = r.entries[0]!;
    const isDir = rootEntry.type === "dir";
    const base = op.parents ? "" : isDir ? (r.path === "." ? "" : `${r.path}/`) : r.path.slice(0, r.path.lastIndexOf("/") + 1);
    const items: Item[] = [];
    for (const e of r.entries) {
      if (isDir && e === rootEntry && !op.parents) continue;
      // A file root is named after the source as written, even when that is a symlink to it.
      const own = !isDir && e === rootEntry && !op.parents ? r.named.slice(r.named.lastIndexOf("/") + 1) : undefined;
      const rel = own ?? (e.path.startsWith(base) ? e.path.slice(base.length) : e.path);
      if (rel === "" || rel === ".") continue;
      const archive = op.add && op.unpack !== false && !isDir && e === rootEntry && e.type === "file";
      items.push({ rel, kind: e.type, mode: e.mode, uid: 0, gid: 0, mtime: new Date(Number(e.mtimeNs / 1_000_000n)), target: e.target, ...(e.type === "file" ? { open: opener(e), entry: e } : {}), ...(archive ? { archive } : {}) });
    }
    return { items, isDir };
  });
}

/** treeItems walks a directory of a read-only stage view without following symlinks. */
async function treeItems(host: string, rel: string, out: Item[]): Promise<void> {
  const st = await lstat(host);
  const meta = { mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: st.mtime };
  if (st.isSymbolicLink()) out.push({ rel, kind: "symlink", ...meta, target: await readlink(host) });
  else if (st.isFile()) out.push({ rel, kind: "file", ...meta, open: hostFileReader(host), hostPath: host });
  else if (st.isDirectory()) {
    if (rel !== "") out.push({ rel, kind: "dir", ...meta });
    for (const name of (await readdir(host)).sort()) await treeItems(`${host}/${name}`, rel === "" ? name : `${rel}/${name}`, out);
  }
}

/** globRegExp turns one path component pattern (`*`, `?`, `[...]`, `\` escapes) into a RegExp. */
function globRegExp(pattern: string): RegExp {
  let re = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else if (c === "\\" && i + 1 < pattern.length) re += `\\${pattern[++i]}`;
    else if (c === "[") {
      const end = pattern.indexOf("]", i + 2);
      if (end < 0) throw new InputError(`bad pattern ${JSON.stringify(pattern)}: unterminated [`);
      const body = pattern.slice(i + 1, end).replace(/^!/, "^").replace(/[\\\]]/g, "\\$&");
      re += `[${body}]`;
      i = end;
    } else re += c.replace(/[.+^${}()|\\]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}

/** expandInView expands a --from source pattern to the concrete paths it names in the view. */
async function expandInView(services: OpServices, view: string, pattern: string): Promise<string[]> {
  if (!containsWildcards(pattern)) return [pattern];
  let paths = [""];
  for (const part of pattern.split("/").filter((p) => p !== "" && p !== ".")) {
    if (!containsWildcards(part)) {
      paths = paths.map((p) => `${p}/${part}`);
      continue;
    }
    const re = globRegExp(part);
    const next: string[] = [];
    for (const p of paths) {
      const host = await services.resolveInRoot(view, p === "" ? "/" : p);
      if (!host || !(await lstat(host)).isDirectory()) continue;
      for (const name of (await readdir(host)).sort()) if (re.test(name)) next.push(`${p}/${name}`);
    }
    paths = next;
  }
  return paths;
}

/** viewItems lists what the --from sources write, reading the stage or image view at `view`. */
export async function viewItems(services: OpServices, view: string, op: CopyOp): Promise<Group[]> {
  const groups: Group[] = [];
  for (const s of op.sources) {
    if (s.kind !== "path") continue;
    const paths = await expandInView(services, view, s.path);
    if (paths.length === 0) throw new InputError(`COPY --from: no source files were specified: ${JSON.stringify(s.path)} matches nothing`);
    for (const path of paths) {
      const host = await services.resolveInRoot(view, path);
      if (!host) throw new InputError(`COPY --from: ${JSON.stringify(path)}: not found`);
      const items: Item[] = [];
      const isDir = (await lstat(host)).isDirectory();
      await treeItems(host, isDir ? "" : posix.basename(path), items);
      groups.push({ items, isDir });
    }
  }
  return groups;
}
