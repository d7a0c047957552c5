/**
 * Opening a build context directory: choose and read its ignore file, then take one metadata
 * snapshot of everything the ignore file keeps (see context-walk.ts). Nothing here reads a
 * context file's contents; context-hash.ts does that later, only for selected files.
 */
import { constants, promises as fsp } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import { resolve } from "node:path";
import { dockerignoreCandidates, parseDockerignore, type DockerignoreResult } from "../core/dockerignore.js";
import { lstatAt, openFileAt, openRoot, requireProcFd } from "./context-fs.js";
import { ContextError, type BuildContext } from "./context-types.js";
import { walkContext, type SkippedDir } from "./context-walk.js";

export * from "./context-types.js";
export { select, selectMount, type Selection, type SelectedRoot, type SelectOptions } from "./context-select.js";
export { forEachContextFile, type FileVisitor } from "./context-read.js";
export { hashSelection, hashFiles, createContextHasher, selectFor, selectorsOf, streamSha256, type ContextHasher, type ContextSelector, type HashOptions, type ContentReader } from "./context-hash.js";

/** MAX_IGNORE_FILE_BYTES caps the ignore file: real ones are a few kB; a huge one is a mistake or an attack (moby#38986). */
export const MAX_IGNORE_FILE_BYTES = 16 * 1024 * 1024;

/** SkipDir names a directory the walk leaves out, and the reason its warning gives. */
export interface SkipDir {
  readonly path: string;
  readonly why: string;
}

/** OpenContextOptions says which Dockerfile the build uses (for `<Dockerfile>.dockerignore`) and what the walk must leave out. */
export interface OpenContextOptions {
  /** Path of the Dockerfile on the host; undefined when it comes from stdin. */
  readonly dockerfile?: string | undefined;
  /**
   * skipDirs are directories never part of the context, whatever the ignore file says, each with
   * the reason its warning gives (the build passes its store: a store inside the context would be
   * sent into images, and the build's own writes to it would change the context it reads).
   * Missing ones are ignored; they are matched by device and inode, so any path spelling works.
   */
  readonly skipDirs?: readonly SkipDir[];
}

/**
 * openContext opens the context directory `root`: it picks the ignore file BuildKit would
 * (`<Dockerfile>.dockerignore` next to the Dockerfile beats `.dockerignore` at the context root),
 * parses it (an invalid pattern is an error naming file and line), and walks the context without
 * following symlinks. FIFOs, sockets and devices are skipped with a warning, never opened.
 */
export async function openContext(root: string, opts: OpenContextOptions = {}): Promise<BuildContext> {
  requireProcFd();
  const abs = resolve(root);
  const rootFd = await openRoot(abs);
  try {
    const found = await readIgnoreFile(rootFd, abs, opts.dockerfile);
    const ignore = found ? parseIgnore(found.file, found.text) : undefined;
    const walk = await walkContext(rootFd, ignore?.matcher, await identities(opts.skipDirs ?? []));
    return { root: abs, ignoreFile: found?.file, ignore, entries: walk.entries, children: walk.children, warnings: walk.warnings };
  } finally {
    await rootFd.close();
  }
}

/** identities stats the directories to skip (following symlinks: the directory itself counts); missing ones drop out. */
async function identities(dirs: readonly SkipDir[]): Promise<SkippedDir[]> {
  const out: SkippedDir[] = [];
  for (const d of dirs) {
    const st = await fsp.stat(d.path, { bigint: true }).catch((err: NodeJS.ErrnoException) => {
      // Not made yet, or not a directory: nothing of it can be in the context as that directory.
      if (err.code === "ENOENT" || err.code === "ENOTDIR") return undefined;
      throw err;
    });
    if (st?.isDirectory()) out.push({ dev: st.dev, ino: st.ino, why: d.why });
  }
  return out;
}

/** parseIgnore parses an ignore file and fails on its first invalid line. */
function parseIgnore(file: string, text: string): DockerignoreResult {
  const res = parseDockerignore(text, file);
  const bad = res.diagnostics.find((d) => d.severity === "error");
  if (bad) throw new ContextError("ContextIgnoreFile", `${file}:${bad.range.start.line}: ${bad.message}`);
  return res;
}

/** readIgnoreFile returns the applicable ignore file and its text, or undefined when there is none. */
async function readIgnoreFile(rootFd: FileHandle, root: string, dockerfile: string | undefined): Promise<{ file: string; text: string } | undefined> {
  if (dockerfile !== undefined) {
    const [specific] = dockerignoreCandidates(resolve(dockerfile), root);
    const st = await fsp.stat(specific).catch((err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT" || err.code === "ENOTDIR") return undefined;
      throw err;
    });
    if (st) {
      if (!st.isFile()) throw new ContextError("ContextIgnoreFile", `${specific} is not a regular file; remove it or make it a file`);
      const handle = await fsp.open(specific, constants.O_RDONLY | constants.O_NONBLOCK);
      return { file: specific, text: await readCapped(handle, specific) };
    }
  }
  const file = `${root}/.dockerignore`;
  const st = await lstatAt(rootFd, ".dockerignore").catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") return undefined;
    throw err;
  });
  if (!st) return undefined;
  if (!st.isFile()) {
    // Deviation: BuildKit reads a symlinked .dockerignore through the context transfer; tsbuild
    // refuses it rather than follow a link whose target may lie outside the context.
    throw new ContextError("ContextIgnoreFile", `${file} is not a regular file (a symlink or special file); tsbuild reads the ignore file only as a regular file inside the context`);
  }
  return { file, text: await readCapped(await openFileAt(rootFd, ".dockerignore"), file) };
}

/** readCapped reads a small text file and closes it; over MAX_IGNORE_FILE_BYTES is an error. */
async function readCapped(handle: FileHandle, file: string): Promise<string> {
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw new ContextError("ContextIgnoreFile", `${file} is not a regular file`);
    if (st.size > MAX_IGNORE_FILE_BYTES) {
      throw new ContextError("ContextIgnoreFile", `${file} is ${st.size} bytes, over the ${MAX_IGNORE_FILE_BYTES}-byte limit for an ignore file`);
    }
    return (await handle.readFile()).toString("utf8");
  } finally {
    await handle.close();
  }
}
