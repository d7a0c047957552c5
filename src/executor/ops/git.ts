/**
 * ADD of a git repository, with the git binary. The ref is resolved to a commit with
 * `git ls-remote` before the cache lookup (the commit, never the credentials, enters the key);
 * the step then fetches that commit shallowly into a private temp dir under the work root and
 * checks it out, with hooks off, no system config, no prompts and the file and ext transports
 * refused (a hostile .gitmodules must not reach host paths). Errors show redacted URLs only.
 */
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { lstat, mkdir, readdir, readlink, rm } from "node:fs/promises";
import type { Digest } from "../../core/digest.js";
import { InputError } from "../../core/errors.js";
import { redactUrl, stripCredentials, type GitRef } from "../../core/git-ref.js";
import { hostFileReader, type Item } from "./copy-items.js";

/** GitSource is an ADD git source as the planner parsed it (core's GitRef). */
export type GitSource = GitRef;

/** GitFetch is a git source with the instruction's flags folded in. */
export interface GitFetch {
  readonly src: GitSource;
  /** Commit ids or prefixes the resolved commit must start with (`--checksum`, `?checksum=`). */
  readonly checksums: readonly string[];
  readonly keepGitDir: boolean;
}

/**
 * gitFetchOf merges a source's URL options with ADD's `--checksum` and `--keep-git-dir`. A full
 * commit id given only as a checksum becomes the ref, so that commit is fetched by itself.
 */
export function gitFetchOf(src: GitSource, checksum: string | undefined, keepGitDir: boolean): GitFetch {
  const checksums = [checksum, src.checksum].filter((c): c is string => c !== undefined);
  const pinned = src.ref === undefined ? checksums.find(isCommit) : undefined;
  return { src: pinned ? { ...src, ref: pinned } : src, checksums, keepGitDir: keepGitDir || src.keepGitDir === true };
}

/** MAX_GIT_OUTPUT bounds what tsbuild keeps of one git command's output. */
const MAX_GIT_OUTPUT = 1024 * 1024;

/** GIT_CONFIG are `-c` settings for every git command tsbuild runs. */
const GIT_CONFIG = ["core.hooksPath=/dev/null", "protocol.file.allow=never", "protocol.ext.allow=never", "advice.detachedHead=false", "init.defaultBranch=main", "core.fsmonitor=false"];

/** gitEnv is the environment git runs with: no prompts, no system config, the caller's HOME and SSH agent for credentials. */
function gitEnv(): NodeJS.ProcessEnv {
  const keep = ["PATH", "HOME", "SSH_AUTH_SOCK", "GIT_SSH_COMMAND", "GIT_SSL_CAINFO", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy"];
  const env: NodeJS.ProcessEnv = { GIT_TERMINAL_PROMPT: "0", GIT_CONFIG_NOSYSTEM: "1", GIT_ASKPASS: "/bin/false", LC_ALL: "C" };
  for (const k of keep) if (process.env[k] !== undefined) env[k] = process.env[k];
  return env;
}

/**
 * git runs `git -c ... args` in `cwd` and resolves with its stdout; a failure rejects with its
 * (redacted) stderr. git runs in a process group of its own: an abort kills that group (git and
 * the transport helpers it started), and the promise settles once git has exited.
 */
export function git(args: readonly string[], cwd: string, remote: string, signal?: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const child = spawn("git", [...GIT_CONFIG.flatMap((c) => ["-c", c]), ...args], { cwd, env: gitEnv(), stdio: ["ignore", "pipe", "pipe"], detached: true });
    const onAbort = (): void => {
      if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, "SIGKILL");
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let size = 0;
    const take = (into: Buffer[]) => (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_GIT_OUTPUT) into.push(chunk);
    };
    child.stdout.on("data", take(out));
    child.stderr.on("data", take(err));
    child.on("error", (e: NodeJS.ErrnoException) => {
      signal?.removeEventListener("abort", onAbort);
      reject(e.code === "ENOENT" ? new InputError("ADD of a git repository needs the git program: install git (apt-get install git)") : e);
    });
    child.on("close", (code) => {
      signal?.removeEventListener("abort", onAbort);
      if (signal?.aborted) return reject(signal.reason);
      if (code === 0) return resolve(Buffer.concat(out).toString("utf8"));
      const text = redactUrl(Buffer.concat(err).toString("utf8").split(remote).join(redactUrl(remote))).trim();
      reject(new InputError(`git ${args[0]} ${redactUrl(remote)} failed (exit ${code}): ${text.split("\n").slice(-5).join("\n")}`));
    });
  });
}

/** isCommit says whether a ref is a full commit id. */
function isCommit(ref: string | undefined): ref is string {
  return ref !== undefined && /^[0-9a-f]{40}$/.test(ref);
}

/** pickRef chooses the commit for `ref` from `git ls-remote` output: HEAD, then a tag (peeled), a branch, or a full ref name. */
function pickRef(listing: string, ref: string | undefined): string | undefined {
  const refs = new Map<string, string>();
  for (const line of listing.split("\n")) {
    const [sha, name] = line.split("\t");
    if (sha && name && /^[0-9a-f]{40}$/.test(sha)) refs.set(name, sha);
  }
  const want = ref ?? "HEAD";
  const candidates = want === "HEAD" ? ["HEAD"] : [`refs/tags/${want}^{}`, `refs/tags/${want}`, `refs/heads/${want}`, `${want}^{}`, want];
  for (const c of candidates) if (refs.has(c)) return refs.get(c);
  return undefined;
}

/** resolveCommit finds the commit a git source names (a full commit id names itself). */
export async function resolveCommit(src: GitSource, workRoot: string, signal?: AbortSignal): Promise<string> {
  if (isCommit(src.ref)) return src.ref;
  const listing = await git(["ls-remote", "--", src.remote, ...(src.ref === undefined ? ["HEAD"] : [src.ref, `${src.ref}^{}`])], workRoot, src.remote, signal);
  const commit = pickRef(listing, src.ref);
  if (!commit) throw new InputError(`ADD ${redactUrl(src.remote)}: the repository has no ${src.ref === undefined ? "HEAD" : `branch or tag ${JSON.stringify(src.ref)}`} (give a branch, a tag or a full commit id after #)`);
  return commit;
}

/** checkChecksums applies ADD --checksum (and `?checksum=`) to a git source: the commit must start with each given id. */
function checkChecksums(src: GitSource, commit: string, checksums: readonly string[]): void {
  for (const checksum of checksums) {
    if (!/^[0-9a-f]{4,40}$/.test(checksum)) throw new InputError(`ADD --checksum=${checksum} for a git source must be a commit id (4 to 40 hex digits)`);
    if (!commit.startsWith(checksum)) throw new InputError(`ADD ${redactUrl(src.remote)}: checksum mismatch: the checksum says ${checksum}, the ref resolves to commit ${commit}`);
  }
}

/**
 * gitSourceDigest resolves the source's commit, checks the checksums, and digests what it
 * contributes to the step's cache key: the remote without credentials, the commit, the
 * subdirectory, the submodule choice and (with `--keep-git-dir`, whose .git records it) the ref
 * name. `seen` receives the commit the step must fetch.
 */
export async function gitSourceDigest(fetch: GitFetch, workRoot: string, signal: AbortSignal, seen: Map<string, string>): Promise<Digest> {
  const { src, keepGitDir } = fetch;
  const commit = await resolveCommit(src, workRoot, signal);
  checkChecksums(src, commit, fetch.checksums);
  seen.set(src.remote, commit);
  const parts = ["git", stripCredentials(src.remote), commit, src.subdir ?? "", keepGitDir ? (src.ref ?? "HEAD") : "", src.submodules === false ? "no-submodules" : ""];
  return `sha256:${createHash("sha256").update(parts.join("\0")).digest("hex")}` as Digest;
}

/** branchName is the local branch a kept .git checks out for `ref`: `refs/heads/X` and plain names are branches; other full ref names and HEAD stay detached. */
function branchName(ref: string | undefined): string | undefined {
  if (ref === undefined) return undefined;
  if (ref.startsWith("refs/heads/")) return ref.slice("refs/heads/".length);
  return ref.startsWith("refs/") ? undefined : ref;
}

/** Checkout is a fetched working tree in a private temp dir; `root` is the (sub)directory to copy, `commitTime` the commit's time. */
export interface Checkout {
  readonly root: string;
  readonly commitTime: Date;
  remove(): Promise<void>;
}

/** subdirIn resolves `subdir` inside the checkout one component at a time, refusing symlinks and anything but directories. */
async function subdirIn(dir: string, src: GitSource): Promise<string> {
  let at = dir;
  for (const part of (src.subdir ?? "").split("/").filter((p) => p !== "" && p !== ".")) {
    if (part === ".." || part === ".git") throw new InputError(`ADD ${redactUrl(src.remote)}: subdirectory ${JSON.stringify(src.subdir)} must stay inside the repository`);
    at = `${at}/${part}`;
    const st = await lstat(at).catch(() => undefined);
    if (!st?.isDirectory()) throw new InputError(`ADD ${redactUrl(src.remote)}: subdirectory ${JSON.stringify(src.subdir)} is not a directory in the repository${st?.isSymbolicLink() ? " (it goes through a symlink)" : ""}`);
  }
  return at;
}

/**
 * checkout fetches `commit` of the source (depth 1, submodules too unless `?submodules=false`) into
 * a new private dir under `workRoot`, drops `.git` unless `keepGitDir`, and returns the tree to
 * copy. The caller removes it.
 */
export async function checkout(fetch: GitFetch, commit: string, workRoot: string, signal?: AbortSignal): Promise<Checkout> {
  const { src, keepGitDir } = fetch;
  const base = `${workRoot}/git-${randomBytes(8).toString("hex")}`;
  const dir = `${base}/repo`;
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const remove = () => rm(base, { recursive: true, force: true });
  try {
    const run = (args: string[]) => git(args, dir, src.remote, signal);
    await run(["init", "-q"]);
    await run(["remote", "add", "origin", "--", src.remote]);
    // Branches, tags and HEAD are fetched by name (any server serves those); a commit id by itself.
    const byName = !isCommit(src.ref);
    await run(["fetch", "-q", "--depth=1", "--no-tags", "origin", "--", byName ? (src.ref ?? "HEAD") : commit]);
    const fetched = (await run(["rev-parse", "FETCH_HEAD^{commit}"])).trim();
    if (fetched !== commit) throw new InputError(`ADD ${redactUrl(src.remote)}: ${src.ref ?? "HEAD"} moved to ${fetched} while building (it was ${commit}); build again`);
    const branch = keepGitDir && byName ? branchName(src.ref) : undefined;
    await run(["checkout", "-q", ...(branch ? ["-B", branch] : ["--detach"]), commit]);
    if (src.submodules !== false) await run(["submodule", "update", "-q", "--init", "--recursive", "--depth=1"]);
    const commitTime = new Date(Number((await run(["show", "-s", "--format=%ct", commit])).trim()) * 1000);
    if (!keepGitDir) await rm(`${dir}/.git`, { recursive: true, force: true });
    return { root: await subdirIn(dir, src), commitTime, remove };
  } catch (err) {
    await remove();
    throw err;
  }
}

/**
 * checkoutItems lists a checkout's tree (not following symlinks) as copy items: owned by root,
 * files 0644 or 0755 as git records them, directories 0755, every time the commit's (Deviation:
 * BuildKit keeps checkout-time mtimes unless SOURCE_DATE_EPOCH is set; see grammar/DEVIATIONS.md).
 * `.git` entries (the repository, submodules' gitfiles) are left out unless `keepGitDir`.
 */
export async function checkoutItems(root: string, commitTime: Date, keepGitDir: boolean, rel = "", out: Item[] = []): Promise<Item[]> {
  for (const name of (await readdir(rel === "" ? root : `${root}/${rel}`)).sort()) {
    if (name === ".git" && !keepGitDir) continue;
    const r = rel === "" ? name : `${rel}/${name}`;
    const host = `${root}/${r}`;
    const st = await lstat(host);
    const meta = { uid: 0, gid: 0, mtime: commitTime };
    if (st.isSymbolicLink()) out.push({ rel: r, kind: "symlink", mode: 0o777, ...meta, target: await readlink(host) });
    else if (st.isFile()) out.push({ rel: r, kind: "file", mode: st.mode & 0o111 ? 0o755 : 0o644, ...meta, open: hostFileReader(host) });
    else if (st.isDirectory()) {
      out.push({ rel: r, kind: "dir", mode: 0o755, ...meta });
      await checkoutItems(root, commitTime, keepGitDir, r, out);
    }
  }
  return out;
}
