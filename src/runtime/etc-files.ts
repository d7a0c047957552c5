/**
 * The name-resolution files a sandboxed process sees, as Docker and BuildKit give them:
 * /etc/resolv.conf derived from the host's, /etc/hosts naming localhost and the hostname, and
 * /etc/hostname. Build steps and containers both bind-mount them from files tsbuild writes.
 */
import { lstatSync, readFileSync, renameSync, unlinkSync, writeFileSync } from "node:fs";
import { posix } from "node:path";
import { hostsFile, resolvConf } from "../core/etc-files.js";
import { relativeInRoot, resolveInRootSync } from "./confined.js";
import type { EtcFiles, NetworkMode } from "./spec-input.js";
import { randomHex } from "../core/random.js";

/** HOST_RESOLV_CONF is where the host's resolver configuration is read from. */
export const HOST_RESOLV_CONF = "/etc/resolv.conf";

/** readHostResolvConf reads the host's resolv.conf at `path`; undefined when it does not exist, any other error rejects. */
export async function readHostResolvConf(path = HOST_RESOLV_CONF): Promise<string | undefined> {
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

/** writeAtomic replaces `path` with `text` (mode 0644) through a new temp file in the same dir and a rename. */
function writeAtomic(path: string, text: string): void {
  const tmp = `${path}.${randomHex(4)}.tmp`;
  writeFileSync(tmp, text, { mode: 0o644, flag: "wx" });
  renameSync(tmp, path);
}

/**
 * writeEtcFiles writes resolv.conf, hosts and hostname for a sandbox named `hostname` into `dir`
 * (a directory tsbuild owns, such as a container's state dir) atomically, and returns them as the
 * spec's EtcFiles. `hostResolvConf` is the host file copied (tests point it elsewhere). The three
 * small files are written synchronously (cheaper than thread-pool round trips).
 */
export async function writeEtcFiles(dir: string, hostname: string, network: NetworkMode, hostResolvConf = HOST_RESOLV_CONF): Promise<EtcFiles> {
  const files = { resolvConf: `${dir}/resolv.conf`, hosts: `${dir}/hosts`, hostname: `${dir}/hostname` };
  writeAtomic(files.resolvConf, resolvConf(await readHostResolvConf(hostResolvConf), network));
  writeAtomic(files.hosts, hostsFile(hostname));
  writeAtomic(files.hostname, `${hostname}\n`);
  return files;
}

/** ETC_TARGETS are the container paths the /etc files are bind-mounted over. */
export const ETC_TARGETS = ["/etc/resolv.conf", "/etc/hosts", "/etc/hostname"];

/**
 * missingEtcTargets lists the /etc file targets absent from `rootfs`: the runtime creates them as
 * empty mount points in the container's writable layer, and removeEtcStubs takes them out again.
 * Each is given relative to the rootfs with its directory resolved (symlinks followed inside the
 * rootfs), so that it names the same file in the writable layer's upper dir.
 */
export async function missingEtcTargets(rootfs: string): Promise<string[]> {
  const out: string[] = [];
  for (const t of ETC_TARGETS) {
    if (resolveInRootSync(rootfs, t) !== undefined) continue;
    const dir = resolveInRootSync(rootfs, posix.dirname(t));
    out.push(posix.join(dir === undefined ? posix.dirname(t).slice(1) : relativeInRoot(rootfs, dir), posix.basename(t)));
  }
  return out;
}

/**
 * removeEtcStubs deletes from `root` (the rootfs after the container stopped, or the upper dir
 * of its writable layer) the mount points `paths` (from missingEtcTargets) that are still empty
 * regular files, so they do not reach an image committed from the layer (Docker keeps them out
 * of its layer likewise).
 */
export async function removeEtcStubs(root: string, paths: readonly string[]): Promise<void> {
  for (const p of paths) {
    const host = resolveInRootSync(root, p);
    if (host === undefined) continue;
    const st = lstatSync(host);
    if (st.isFile() && st.size === 0) unlinkSync(host);
  }
}
