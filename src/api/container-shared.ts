/**
 * Shared container plumbing for the lifecycle commands: where containers live, recovery of
 * containers whose supervising process died (reclaimContainer), and waiting for an exit.
 */
import { mkdir, realpath, rm } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { InputError } from "../core/errors.js";
import { readMountinfo } from "../runtime/mountinfo.js";
import { unmount } from "../runtime/snapshot.js";
import { bundleIdOf, containerPaths, containersRoot, findContainer, listIds, readState, removeContainerDir, supervisorAlive, updateState, type ContainerState } from "../runtime/container/state.js";
import { resolveStoreRoot } from "../store/root.js";
import { pickDriver } from "./drivers.js";

/** ContainerScope names the store whose containers a call works on. */
export interface ContainerScope {
  readonly root?: string;
}

/** Where resolves a scope to the store root and its containers root. */
export interface Where {
  readonly storeRoot: string;
  readonly root: string;
}

/** whereOf resolves the store root of `scope` (--root, TSBUILD_ROOT, the default). */
export function whereOf(scope: ContainerScope): Where {
  const storeRoot = resolveStoreRoot(scope.root === undefined ? {} : { flag: scope.root });
  return { storeRoot, root: containersRoot(storeRoot) };
}

/** unmountUnder detaches every mount at or below `dir`, deepest first. */
export async function unmountUnder(dir: string): Promise<void> {
  const real = await realpath(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") return dir;
    throw err;
  });
  const mounts = (await readMountinfo()).filter((m) => m.mountPoint === real || m.mountPoint.startsWith(`${real}/`));
  for (const m of [...new Set(mounts.map((x) => x.mountPoint))].reverse()) await unmount(m);
}

/** isActive says whether a (reclaimed) state is a container whose supervisor is running. */
export function isActive(s: ContainerState): boolean {
  return s.status !== "exited" && s.pid !== undefined;
}

/**
 * reclaimContainer reads container `id` and, when its supervising process died without
 * recording the exit (killed with SIGKILL, say), kills what is left of the container through
 * its driver (processes, runtime state, cgroups), unmounts its root filesystem and records it as
 * exited (137, as for a killed process). An auto-remove container is then removed: the result
 * is undefined.
 */
export async function reclaimContainer(where: Where, id: string): Promise<ContainerState | undefined> {
  const s = await readState(where.root, id);
  if (!isActive(s) || (await supervisorAlive(s))) return s;
  if (s.driver !== undefined) await (await pickDriver(s.driver, `${where.storeRoot}/runtime`)).reclaim(bundleIdOf(id));
  const p = containerPaths(where.root, id);
  await unmountUnder(p.merged);
  // A copied (non-overlay) root filesystem is left full; the next start needs it empty.
  await rm(p.merged, { recursive: true, force: true });
  await rm(`${p.merged}.lowers`, { recursive: true, force: true });
  // recursive: a concurrent reclaim of the same container may have made it already.
  await mkdir(p.merged, { recursive: true, mode: 0o755 });
  const died = `the supervising process (pid ${s.pid}) died`;
  const next = await updateState(where.root, id, (cur) => ({ status: "exited", exitCode: cur.exitCode ?? 137, finished: new Date().toISOString(), error: died, pid: undefined, pidStart: undefined }));
  if (!next.autoRemove) return next;
  await removeContainerDir(where.root, next);
  return undefined;
}

/** lookup finds a container by name or id and reclaims it; a removed auto-remove container is an error. */
export async function lookup(where: Where, ref: string): Promise<ContainerState> {
  const id = await findContainer(where.root, ref);
  const s = await reclaimContainer(where, id);
  if (!s) throw new InputError(`no such container: ${ref} (it was removed)`);
  return s;
}

/** reclaimAll reclaims every container and returns those that remain. */
export async function reclaimAll(where: Where): Promise<ContainerState[]> {
  const out: ContainerState[] = [];
  for (const id of await listIds(where.root)) {
    const s = await reclaimContainer(where, id);
    if (s) out.push(s);
  }
  return out;
}

/** waitExit polls container `id` until it is no longer active or `ms` passed; says whether it ended. */
export async function waitExit(where: Where, id: string, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    const s = await reclaimContainer(where, id).catch((err: unknown) => {
      // A concurrent rm (or auto-remove) deleted it: it has ended.
      if (err instanceof InputError) return undefined;
      throw err;
    });
    if (!s || !isActive(s)) return true;
    if (Date.now() > deadline) return false;
    await sleep(50);
  }
}
