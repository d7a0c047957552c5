/**
 * Container state in the store: `<root>/containers/<id>/` holds state.json (validated on every
 * read), the writable layer (upper, work), the mount point (merged), the runtime bundle, the
 * output log and pending signal requests; `<root>/containers/names/<name>` reserves a name.
 */
import { mkdirSync, readdirSync, renameSync, rmdirSync, unlinkSync, writeFileSync, type Dirent } from "node:fs";
import { readFile, readdir, rm } from "node:fs/promises";
import { InputError, TsbuildError } from "../../core/errors.js";
import { processStart, processStartSync } from "../../core/process.js";
import type { ContainerState } from "./state-schema.js";
import { randomHex } from "../../core/random.js";

export type { ContainerRun, ContainerState } from "./state-schema.js";

/** NAME_RE is the container names accepted (Docker's rule). */
export const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/** ContainerPaths are the files and dirs of one container. */
export interface ContainerPaths {
  readonly dir: string;
  readonly state: string;
  readonly upper: string;
  readonly work: string;
  readonly merged: string;
  readonly bundle: string;
  readonly log: string;
  readonly signals: string;
}

/** containersRoot is where a store keeps its containers. */
export function containersRoot(storeRoot: string): string {
  return `${storeRoot}/containers`;
}

/** containerPaths lays out container `id` under `root` (containersRoot). */
export function containerPaths(root: string, id: string): ContainerPaths {
  const dir = `${root}/${id}`;
  return { dir, state: `${dir}/state.json`, upper: `${dir}/upper`, work: `${dir}/work`, merged: `${dir}/merged`, bundle: `${dir}/bundle`, log: `${dir}/container.log`, signals: `${dir}/signals` };
}

/** bundleIdOf is the id the sandbox driver knows the container by. */
export function bundleIdOf(id: string): string {
  return `tsbuild-${id.slice(0, 12)}`;
}

/** newContainerId is a fresh container id: 64 random hex digits. */
export function newContainerId(): string {
  return randomHex(32);
}

/** readState reads and validates a container's state.json. */
export async function readState(root: string, id: string): Promise<ContainerState> {
  const path = containerPaths(root, id).state;
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") throw new InputError(`no such container: ${id}`);
    throw err;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new TsbuildError("Container", `${path} is not valid JSON (${(err as Error).message}); remove the container with tsbuild rm -f ${id.slice(0, 12)}`);
  }
  // The schema (and zod) load only when a state is read: starting a new container never reads one.
  const { stateSchema } = await import("./state-schema.js");
  const parsed = stateSchema.safeParse(json);
  if (!parsed.success) throw new TsbuildError("Container", `${path} is not a valid container state: ${parsed.error.issues[0]?.message ?? "invalid"}; remove the container with tsbuild rm -f ${id.slice(0, 12)}`);
  return parsed.data;
}

/**
 * writeState replaces a container's state.json atomically (temp file and rename). Container
 * records are small files: they are written with synchronous calls, which cost less than
 * thread-pool round trips on a container's start and exit.
 */
export async function writeState(root: string, state: ContainerState): Promise<void> {
  const path = containerPaths(root, state.id).state;
  const tmp = `${path}.${randomHex(4)}.tmp`;
  writeFileSync(tmp, JSON.stringify(state, null, 2));
  renameSync(tmp, path);
}

/** updateState applies `change` to the current state and writes the result. */
export async function updateState(root: string, id: string, change: (s: ContainerState) => Partial<ContainerState>): Promise<ContainerState> {
  const cur = await readState(root, id);
  const next = { ...cur, ...change(cur) };
  await writeState(root, next);
  return next;
}

/**
 * createContainerDir reserves `name` (failing when it is taken) and makes the container's dirs
 * and first state. `state` lacks the id, which is `id` (default: newContainerId()).
 */
export async function createContainerDir(root: string, state: Omit<ContainerState, "id">, id = newContainerId()): Promise<ContainerState> {
  if (!NAME_RE.test(state.name)) throw new InputError(`invalid container name ${JSON.stringify(state.name)}: use letters, digits, _ . and -, starting with a letter or digit`);
  mkdirSync(`${root}/names`, { recursive: true, mode: 0o700 });
  try {
    writeFileSync(`${root}/names/${state.name}`, id, { flag: "wx" });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") throw new InputError(`the container name "${state.name}" is already in use; remove that container (tsbuild rm ${state.name}) or choose another --name`);
    throw err;
  }
  const p = containerPaths(root, id);
  mkdirSync(p.dir, { mode: 0o700 });
  const full = { ...state, id };
  for (const d of [p.upper, p.work, p.merged, p.bundle, p.signals]) mkdirSync(d, { mode: 0o755 });
  await writeState(root, full);
  return full;
}

/** removeContainerDir deletes a container's dir and releases its name. */
export async function removeContainerDir(root: string, state: ContainerState): Promise<void> {
  const p = containerPaths(root, state.id);
  // A container that wrote little (the mount points its runtime made, a few files) has a few
  // dozen entries: removed synchronously, cheaper than thread-pool round trips; a writable layer
  // with more goes through the pool, so that a big one does not stall the event loop.
  if (entriesWithin(p.upper, SMALL_TREE_ENTRIES)) removeSmallTreeSync(p.dir);
  else await rm(p.dir, { recursive: true, force: true });
  try {
    unlinkSync(`${root}/names/${state.name}`);
  } catch (err) {
    // Already released by a concurrent rm: the goal is reached.
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
}

/**
 * removeSmallTreeSync removes `dir` and everything in it (symlinks themselves, never what they
 * point to); a missing `dir` is fine. For the few entries of a container dir: fs.rmSync's
 * recursive removal loads and runs Node's general rimraf (an lstat and a retry loop per entry),
 * twice the time.
 */
function removeSmallTreeSync(dir: string): void {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return;
    throw err;
  }
  for (const e of entries) {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory()) removeSmallTreeSync(path);
    else unlinkSync(path);
  }
  rmdirSync(dir);
}

/** SMALL_TREE_ENTRIES is the most entries a writable layer may have to be removed synchronously. */
const SMALL_TREE_ENTRIES = 64;

/** entriesWithin says whether the tree under `dir` (missing: none) has at most `limit` entries; it stops counting past the limit. */
function entriesWithin(dir: string, limit: number): boolean {
  let left = limit;
  const walk = (d: string): boolean => {
    let entries: Dirent[];
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return true;
      throw err;
    }
    left -= entries.length;
    if (left < 0) return false;
    return entries.every((e) => !e.isDirectory() || walk(`${d}/${e.name}`));
  };
  return walk(dir);
}

/** listIds returns the ids of every container under `root`. */
export async function listIds(root: string): Promise<string[]> {
  try {
    return (await readdir(root)).filter((n) => /^[0-9a-f]{64}$/.test(n));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
}

/** findContainer resolves a name, a full id or a unique id prefix to an id. */
export async function findContainer(root: string, ref: string): Promise<string> {
  if (NAME_RE.test(ref)) {
    const named = await readFile(`${root}/names/${ref}`, "utf8").catch((err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") return undefined;
      throw err;
    });
    if (named !== undefined) return named.trim();
  }
  const ids = (await listIds(root)).filter((id) => /^[0-9a-f]+$/.test(ref) && id.startsWith(ref));
  if (ids.length === 1) return ids[0]!;
  if (ids.length > 1) throw new InputError(`container id prefix ${ref} is ambiguous; give more digits`);
  throw new InputError(`no such container: ${ref} (tsbuild ps -a lists them)`);
}

/** supervisorAlive says whether the process recorded as the container's supervisor still runs. */
export async function supervisorAlive(state: ContainerState): Promise<boolean> {
  if (state.pid === undefined || state.pidStart === undefined) return false;
  return (await processStart(state.pid)) === state.pidStart;
}

/** ownIdentity is this process's pid and start time, as recorded for a supervisor. */
export async function ownIdentity(): Promise<{ pid: number; pidStart: string }> {
  const pidStart = processStartSync(process.pid);
  if (pidStart === undefined) throw new TsbuildError("Container", "cannot read this process's start time from /proc");
  return { pid: process.pid, pidStart };
}
