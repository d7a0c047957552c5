/**
 * The name-resolution files a sandboxed process sees, as Docker and BuildKit give them:
 * /etc/resolv.conf derived from the host's, /etc/hosts naming localhost and the hostname, and
 * /etc/hostname. Build steps and containers both bind-mount them from files tsbuild writes.
 */
import { randomBytes } from "node:crypto";
import { lstat, readFile, rename, unlink, writeFile } from "node:fs/promises";
import { hostsFile, resolvConf } from "../core/etc-files.js";
import { resolveInRoot } from "./confined.js";
import type { EtcFiles, NetworkMode } from "./spec-input.js";

/** HOST_RESOLV_CONF is where the host's resolver configuration is read from. */
export const HOST_RESOLV_CONF = "/etc/resolv.conf";

/** readHostResolvConf reads the host's resolv.conf at `path`; undefined when it does not exist, any other error rejects. */
export async function readHostResolvConf(path = HOST_RESOLV_CONF): Promise<string | undefined> {
  return readFile(path, "utf8").catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") return undefined;
    throw err;
  });
}

/** writeAtomic replaces `path` with `text` (mode 0644) through a new temp file in the same dir and a rename. */
async function writeAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.${randomBytes(4).toString("hex")}.tmp`;
  await writeFile(tmp, text, { mode: 0o644, flag: "wx" });
  await rename(tmp, path);
}

/**
 * writeEtcFiles writes resolv.conf, hosts and hostname for a sandbox named `hostname` into `dir`
 * (a directory tsbuild owns, such as a container's state dir) atomically, and returns them as the
 * spec's EtcFiles. `hostResolvConf` is the host file copied (tests point it elsewhere).
 */
export async function writeEtcFiles(dir: string, hostname: string, network: NetworkMode, hostResolvConf = HOST_RESOLV_CONF): Promise<EtcFiles> {
  const files = { resolvConf: `${dir}/resolv.conf`, hosts: `${dir}/hosts`, hostname: `${dir}/hostname` };
  await writeAtomic(files.resolvConf, resolvConf(await readHostResolvConf(hostResolvConf), network));
  await writeAtomic(files.hosts, hostsFile(hostname));
  await writeAtomic(files.hostname, `${hostname}\n`);
  return files;
}

/** ETC_TARGETS are the container paths the /etc files are bind-mounted over. */
const ETC_TARGETS = ["/etc/resolv.conf", "/etc/hosts", "/etc/hostname"];

/**
 * missingEtcTargets lists the /etc file targets absent from `rootfs`: the runtime creates them as
 * empty mount points in the container's writable layer, and removeEtcStubs takes them out again.
 */
export async function missingEtcTargets(rootfs: string): Promise<string[]> {
  const out: string[] = [];
  for (const t of ETC_TARGETS) if ((await resolveInRoot(rootfs, t)) === undefined) out.push(t);
  return out;
}

/**
 * removeEtcStubs deletes from `rootfs` (after the container stopped) the mount points in `paths`
 * that are still empty regular files, so they do not reach an image committed from the layer
 * (Docker keeps them out of its layer likewise).
 */
export async function removeEtcStubs(rootfs: string, paths: readonly string[]): Promise<void> {
  for (const p of paths) {
    const host = await resolveInRoot(rootfs, p);
    if (host === undefined) continue;
    const st = await lstat(host);
    if (st.isFile() && st.size === 0) await unlink(host);
  }
}
