/**
 * A cache of compiled seccomp filters for crun. crun compiles the spec's seccomp profile with
 * libseccomp at every start (about 10 ms for Docker's default profile, most of a bare crun start);
 * given the compiled filter in the `run.oci.seccomp_bpf_data` annotation it loads that instead,
 * still applying the spec's seccomp flags. The filter is crun's own output for the same profile:
 * a miss lets crun compile it once in a container that is created and deleted without running
 * anything (harvestSeccomp), and keeps the `seccomp.bpf` crun wrote into its state dir.
 *
 * A filter is keyed by the profile, the runtime binary (path, size, mtime, inode), the kernel and
 * the architecture, so an upgraded crun or kernel compiles afresh. The file is named by a cheap
 * (non-cryptographic) hash of that key and holds the key itself before the filter: a read takes
 * the filter only when the stored key equals the wanted one byte for byte, so two profiles whose
 * names collide cost a compilation, never the wrong filter, and no start loads node:crypto.
 */
import { spawn } from "node:child_process";
import { promises as fs, readFileSync, statSync } from "node:fs";
import { arch, release, version } from "node:os";
import { posix } from "node:path";
import { TsbuildError } from "../../core/index.js";
import { randomHex } from "../../core/random.js";
import { prepareMountTargets } from "../mount-targets.js";
import type { OciSpec } from "../oci-types.js";

/** SECCOMP_BPF_ANNOTATION is crun's annotation holding a compiled filter (base64). */
export const SECCOMP_BPF_ANNOTATION = "run.oci.seccomp_bpf_data";

/** seccompCompileId names the container in which crun compiles the profile for the run of container `id`. */
export function seccompCompileId(id: string): string {
  return `${id}-seccomp`;
}

/** SOCK_FILTER_SIZE is the size of one classic BPF instruction (struct sock_filter). */
const SOCK_FILTER_SIZE = 8;

/** SeccompKey is a filter's key: `material` (everything the filter depends on) and `name`, the cache file's name made from it. */
export interface SeccompKey {
  readonly name: string;
  readonly material: string;
}

/** HASH_STRIDE: the file name hashes every HASH_STRIDE-th word of the key (the key itself, stored in the file, is compared whole). */
const HASH_STRIDE = 4;

/**
 * wordHash is FNV-1a over every HASH_STRIDE-th 32-bit little-endian word of `words` from word
 * `start`, from `basis`: a file name only, made by code that runs once per process before V8 optimizes it,
 * where a quarter of the steps is most of a millisecond. A collision (keys differing only in
 * skipped words and not in length) costs a compilation: the full key is compared on every read.
 */
function wordHash(words: Int32Array, start: number, basis: number): number {
  let h = basis;
  for (let i = start; i < words.length; i += HASH_STRIDE) h = Math.imul(h ^ words[i]!, 0x01000193);
  return h >>> 0;
}

/** wordsOf is the UTF-8 bytes of `text`, zero-padded to whole words, as 32-bit words. */
function wordsOf(text: string): Int32Array {
  const size = Buffer.byteLength(text);
  // Buffer.alloc of its own (not the shared pool): the words start at offset 0.
  const buf = Buffer.alloc((size + 3) & ~3);
  buf.write(text, "utf8");
  return new Int32Array(buf.buffer, buf.byteOffset, buf.length >> 2);
}

/** seccompKey names the compiled form of `seccomp` for the runtime `binary` on this kernel. */
export async function seccompKey(seccomp: unknown, binary: string): Promise<SeccompKey> {
  const st = statSync(binary);
  // NUL never occurs in JSON text or a path: the parts cannot run into each other.
  const material = [JSON.stringify(seccomp), binary, String(st.size), String(st.mtimeMs), String(st.ino), release(), version(), arch()].join("\0");
  const hex = (n: number) => n.toString(16).padStart(8, "0");
  const words = wordsOf(material);
  return { material, name: `${hex(wordHash(words, 0, 0x811c9dc5))}${hex(wordHash(words, HASH_STRIDE / 2, 0x050c5d1f))}-${material.length}` };
}

/** isFilter says whether `bytes` can be a compiled filter: whole instructions, at least one. */
function isFilter(bytes: Buffer): boolean {
  return bytes.length > 0 && bytes.length % SOCK_FILTER_SIZE === 0;
}

/**
 * readCachedFilter returns the cached filter of `key` in `dir` as base64, or undefined when there
 * is none: no file, a file made for another key (a name collision), or no whole filter after the key.
 */
export async function readCachedFilter(dir: string, key: SeccompKey): Promise<string | undefined> {
  let bytes: Buffer;
  try {
    // One small read at every start: synchronous is cheaper than a thread-pool round trip.
    bytes = readFileSync(posix.join(dir, `${key.name}.bpf`));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  const head = Buffer.from(`${key.material}\n`);
  if (bytes.length < head.length || !bytes.subarray(0, head.length).equals(head)) return undefined;
  const filter = bytes.subarray(head.length);
  return isFilter(filter) ? filter.toString("base64") : undefined;
}

/** storeFilter keeps `bytes` as the filter of `key` in `dir`, after the key (written aside and renamed: readers never see half a filter). */
export async function storeFilter(dir: string, key: SeccompKey, bytes: Buffer): Promise<void> {
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  // Random: runs of one process may store the same filter at once.
  const tmp = posix.join(dir, `.${key.name}.${randomHex(4)}.tmp`);
  await fs.writeFile(tmp, Buffer.concat([Buffer.from(`${key.material}\n`), bytes]), { mode: 0o600 });
  await fs.rename(tmp, posix.join(dir, `${key.name}.bpf`));
}

/** quietStatus runs `argv` with no stdio at all (a created container keeps what it inherits) and resolves with its exit code. */
function quietStatus(argv: readonly string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const [cmd, ...args] = argv;
    if (cmd === undefined) return resolve(-1);
    const child = spawn(cmd, args, { stdio: "ignore" });
    child.on("error", reject);
    child.on("close", (code) => resolve(code ?? -1));
  });
}

/**
 * Harvest is how harvestSeccomp reaches the runtime: `command` wraps runtime arguments as the
 * driver runs them, `stateRoot` is the runtime's --root, `dir` an empty directory for the bundle.
 */
export interface Harvest {
  readonly command: (args: readonly string[]) => string[];
  readonly stateRoot: string;
  readonly dir: string;
  readonly id: string;
}

/**
 * harvestSeccomp has crun create container `h.id` from `config` (its process never starts), reads
 * the filter crun compiled into `<stateRoot>/<id>/seccomp.bpf` and deletes the container again.
 * Resolves with the filter, or undefined when crun wrote none. The filter depends on the profile
 * alone, so the container gets an empty scratch rootfs of its own (with its mount targets, not
 * the caller's binds) in `h.dir`: the real rootfs may be mounted where crun cannot see it.
 */
export async function harvestSeccomp(config: OciSpec, h: Harvest): Promise<Buffer | undefined> {
  const rootfs = posix.join(h.dir, "rootfs");
  await fs.mkdir(rootfs, { recursive: true, mode: 0o700 });
  // crun checks at create that the program exists: an empty executable file stands in (it never runs).
  await fs.writeFile(posix.join(rootfs, "init"), "", { mode: 0o755 });
  const scratch: OciSpec = { ...config, root: { path: rootfs, readonly: false }, mounts: config.mounts.filter((m) => m.type !== "bind"), process: { ...config.process, terminal: false, args: ["/init"], cwd: "/" } };
  prepareMountTargets(scratch, rootfs);
  await fs.writeFile(posix.join(h.dir, "config.json"), JSON.stringify(scratch));
  try {
    if ((await quietStatus(h.command(["create", "--bundle", h.dir, h.id]))) !== 0) return undefined;
    const bytes = await fs.readFile(posix.join(h.stateRoot, h.id, "seccomp.bpf"));
    return isFilter(bytes) ? bytes : undefined;
  } finally {
    await quietStatus(h.command(["delete", "--force", h.id]));
    await fs.rm(h.dir, { recursive: true, force: true });
    // A container left behind would hold namespaces and its state dir: that must not pass unnoticed.
    if (await exists(posix.join(h.stateRoot, h.id))) throw new TsbuildError("Runtime", `deleting the seccomp compile container ${h.id} failed; remove it with crun --root ${h.stateRoot} delete --force ${h.id}`);
  }
}

/** exists says whether `path` exists. */
async function exists(path: string): Promise<boolean> {
  return fs.stat(path).then(
    () => true,
    (err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") return false;
      throw err;
    },
  );
}
