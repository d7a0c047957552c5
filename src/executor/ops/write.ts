/**
 * Writing into a rootfs during COPY and WORKDIR. Every destination is resolved inside the rootfs
 * with services.resolveInRoot (symlinks expanded as if the rootfs were `/`, never escaping it),
 * and the last component is replaced rather than written through, so a symlink planted in an
 * image can never redirect a write to the host.
 */
import { constants } from "node:fs";
import { chown, lchown, lstat, mkdir, open, rm, symlink, utimes, lutimes, chmod } from "node:fs/promises";
import { posix } from "node:path";
import { InputError } from "../../core/errors.js";
import type { OpServices } from "./types.js";

const CREATE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/** Owner is the uid/gid written files get, or undefined to keep the source's. */
export type Owner = { readonly uid: number; readonly gid: number } | undefined;

/** dirIn resolves (creating as needed) a directory inside the rootfs and returns its host path. */
export async function dirIn(services: OpServices, rootfs: string, path: string): Promise<string> {
  const host = await services.resolveInRoot(rootfs, path, "dir");
  if (!host) throw new InputError(`cannot create directory ${path} in the image`);
  const st = await lstat(host);
  if (!st.isDirectory()) throw new InputError(`cannot copy to ${path}: it exists in the image and is not a directory`);
  return host;
}

/** clearSlot removes whatever non-directory sits at a host path so the next create is fresh. */
export async function clearSlot(host: string): Promise<void> {
  const st = await lstat(host).catch(() => undefined);
  if (st && !st.isDirectory()) await rm(host, { force: true });
  else if (st?.isDirectory()) throw new InputError(`cannot replace directory ${host} with a file`);
}

export interface WriteMeta {
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly mtime: Date;
}

/** writeFileInDir writes `name` inside the already-resolved host dir from a byte stream. */
export async function writeFileInDir(dir: string, name: string, content: AsyncIterable<Uint8Array>, meta: WriteMeta): Promise<void> {
  const host = posix.join(dir, name);
  await clearSlot(host);
  const fh = await open(host, CREATE, 0o600);
  try {
    for await (const chunk of content) await fh.write(chunk);
    await fh.chown(meta.uid, meta.gid);
    await fh.chmod(meta.mode);
  } finally {
    await fh.close();
  }
  await utimes(host, meta.mtime, meta.mtime);
}

/** writeSymlinkInDir creates the symlink `name` -> target inside the resolved host dir. */
export async function writeSymlinkInDir(dir: string, name: string, target: string, meta: WriteMeta): Promise<void> {
  const host = posix.join(dir, name);
  await clearSlot(host);
  await symlink(target, host);
  await lchown(host, meta.uid, meta.gid);
  await lutimes(host, meta.mtime, meta.mtime);
}

/** makeDirInDir creates (or updates) the subdirectory `name` with the given metadata. */
export async function makeDirInDir(dir: string, name: string, meta: WriteMeta): Promise<string> {
  const host = posix.join(dir, name);
  const st = await lstat(host).catch(() => undefined);
  if (st && !st.isDirectory()) await rm(host, { force: true });
  if (!st || !st.isDirectory()) await mkdir(host);
  await chown(host, meta.uid, meta.gid);
  await chmod(host, meta.mode);
  await utimes(host, meta.mtime, meta.mtime);
  return host;
}

/** missingPrefixes lists the prefixes of `path` (shortest first) that do not exist yet in rootfs. */
export async function missingPrefixes(services: OpServices, rootfs: string, path: string): Promise<string[]> {
  const parts = path.split("/").filter((p) => p !== "" && p !== ".");
  const out: string[] = [];
  for (let i = 1; i <= parts.length; i++) {
    const prefix = `/${parts.slice(0, i).join("/")}`;
    if ((await services.resolveInRoot(rootfs, prefix)) === undefined) out.push(prefix);
  }
  return out;
}
