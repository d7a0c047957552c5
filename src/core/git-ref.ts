/**
 * Git source references as ADD takes them (BuildKit's gitutil.ParseGitRef): `git://` and
 * `ssh://` URLs, scp-like `user@host:path`, and `http(s)://` URLs whose path ends in `.git`, each
 * with an optional `#ref:subdir` fragment or a `?ref=...&subdir=...` query. Also the two ways a URL's credentials are kept out of
 * what tsbuild shows and stores: redacted for display, stripped for cache keys.
 */

/**
 * GitRef is a parsed git source: the remote to fetch, the ref (branch, tag, full ref name or
 * commit), the subdirectory to copy, and the options a URL query may carry (Dockerfile 1.18):
 * `checksum` (a commit id or prefix the ref must resolve to), `keepGitDir` and `submodules`.
 */
export interface GitRef {
  readonly remote: string;
  readonly ref: string | undefined;
  readonly subdir: string | undefined;
  readonly checksum?: string;
  readonly keepGitDir?: boolean;
  readonly submodules?: boolean;
}

/** GitRefResult is a parsed reference, or why a source that looks like a git reference is not a valid one. */
export type GitRefResult = { readonly ok: true; readonly value: GitRef } | { readonly ok: false; readonly message: string };

const SCP_LIKE = /^([A-Za-z0-9_][A-Za-z0-9_.+-]*)@([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]):(?!\/\/)(.+)$/;
const SCHEMES = new Set(["http:", "https:", "git:", "ssh:"]);
const QUERY_KEYS = ["ref", "tag", "branch", "checksum", "commit", "subdir", "keep-git-dir", "submodules"];

/** splitFragment separates `remote#ref:subdir`. */
function splitFragment(src: string): GitRef {
  const hash = src.indexOf("#");
  if (hash < 0) return { remote: src, ref: undefined, subdir: undefined };
  const fragment = src.slice(hash + 1);
  const colon = fragment.indexOf(":");
  const ref = colon < 0 ? fragment : fragment.slice(0, colon);
  const subdir = colon < 0 ? "" : fragment.slice(colon + 1);
  return { remote: src.slice(0, hash), ref: ref === "" ? undefined : ref, subdir: subdir === "" ? undefined : subdir };
}

/** boolOf reads a query flag as Go's strconv.ParseBool does; undefined when absent. */
function boolOf(v: string | null, key: string): boolean | undefined {
  if (v === null) return undefined;
  if (["1", "t", "T", "true", "TRUE", "True", ""].includes(v)) return true;
  if (["0", "f", "F", "false", "FALSE", "False"].includes(v)) return false;
  throw new Error(`${key}=${v} is not a boolean`);
}

/**
 * splitQuery reads the `?ref=&tag=&branch=&checksum=&subdir=&keep-git-dir=&submodules=` form
 * (BuildKit's URL queries); `tag` and `branch` become full ref names. Throws on unknown keys, on
 * more than one of ref/tag/branch, and on a query combined with a `#` fragment.
 */
function splitQuery(src: string, parsed: GitRef): GitRef {
  const q = parsed.remote.indexOf("?");
  if (q < 0) return parsed;
  if (parsed.ref !== undefined || parsed.subdir !== undefined) throw new Error("a git URL takes either a #fragment or a ?query, not both");
  const params = new URLSearchParams(parsed.remote.slice(q + 1));
  const unknown = [...params.keys()].find((k) => !QUERY_KEYS.includes(k));
  if (unknown !== undefined) throw new Error(`unknown query parameter ${JSON.stringify(unknown)} (known: ${QUERY_KEYS.join(", ")})`);
  const refs = [params.get("ref"), params.get("tag") && `refs/tags/${params.get("tag")}`, params.get("branch") && `refs/heads/${params.get("branch")}`].filter((r): r is string => !!r);
  if (refs.length > 1) throw new Error("give only one of ref, tag and branch");
  const checksum = params.get("checksum") ?? params.get("commit") ?? undefined;
  const keepGitDir = boolOf(params.get("keep-git-dir"), "keep-git-dir");
  const submodules = boolOf(params.get("submodules"), "submodules");
  return {
    remote: parsed.remote.slice(0, q),
    ref: refs[0],
    subdir: params.get("subdir") || undefined,
    ...(checksum ? { checksum } : {}),
    ...(keepGitDir !== undefined ? { keepGitDir } : {}),
    ...(submodules !== undefined ? { submodules } : {}),
  };
}

/** checkParts refuses refs, subdirectories and commit ids that could be read as options or leave the repository. */
function checkParts(src: string, g: GitRef): string | undefined {
  if (g.ref !== undefined && (g.ref.startsWith("-") || /[\s\0\\~^?*[]|\.\.|@\{/.test(g.ref))) return `git source ${redactUrl(src)}: ${JSON.stringify(g.ref)} is not a valid ref name`;
  if (g.subdir !== undefined && (g.subdir.includes("\0") || g.subdir.split("/").includes(".."))) return `git source ${redactUrl(src)}: subdirectory ${JSON.stringify(g.subdir)} must stay inside the repository`;
  if (g.checksum !== undefined && !/^[0-9a-f]{4,40}$/.test(g.checksum)) return `git source ${redactUrl(src)}: checksum ${JSON.stringify(g.checksum)} must be a commit id (4 to 40 hex digits)`;
  return undefined;
}

/** isGitRemote says whether `remote` (no fragment) names a git repository: scp-like, or a git/ssh URL, or an http(s) URL whose path ends in `.git`. */
function isGitRemote(remote: string): boolean {
  if (SCP_LIKE.test(remote)) return true;
  let url: URL;
  try {
    url = new URL(remote);
  } catch {
    return false;
  }
  if (!SCHEMES.has(url.protocol)) return false;
  return (url.protocol !== "http:" && url.protocol !== "https:") || url.pathname.endsWith(".git");
}

/**
 * parseGitRef reads `src` as a git source. Returns undefined when `src` is not a git reference at
 * all (a path, or an http(s) URL not ending in `.git`, which ADD downloads as a file), and an
 * error when it is one but its ref, subdirectory, checksum or query is invalid or unsafe (a ref
 * starting with `-` would be an option to git).
 */
export function parseGitRef(src: string): GitRefResult | undefined {
  if (src.startsWith("./") || src.startsWith("../") || src.startsWith("/")) return undefined;
  const fragment = splitFragment(src);
  if (!isGitRemote(fragment.remote)) return undefined;
  let value: GitRef;
  try {
    value = splitQuery(src, fragment);
  } catch (err) {
    return { ok: false, message: `git source ${redactUrl(src)}: ${(err as Error).message}` };
  }
  const problem = checkParts(src, value);
  return problem ? { ok: false, message: problem } : { ok: true, value };
}

/**
 * redactUrl hides a URL's credentials for display (progress, history, errors): a password
 * becomes `xxxxx` as BuildKit does, and so does a user name given without a password in an
 * http(s) or git URL (the usual place for an access token). Every URL in `text` is redacted;
 * the rest of the text is unchanged.
 */
export function redactUrl(text: string): string {
  return text.replace(/([A-Za-z][A-Za-z0-9+.-]*:\/\/)([^/@#?\s]*)@/g, (_all, scheme: string, userinfo: string) => {
    const colon = userinfo.indexOf(":");
    // Deviation: BuildKit keeps a user name without a password; tsbuild hides it too in http(s) and git URLs (grammar/DEVIATIONS.md).
    const shown = colon >= 0 ? `${userinfo.slice(0, colon)}:xxxxx` : scheme.toLowerCase() === "ssh://" ? userinfo : "xxxxx";
    return `${scheme}${shown}@`;
  });
}

/** stripCredentials removes the user information of a URL (for cache keys, which must never hold secrets). */
export function stripCredentials(text: string): string {
  return text.replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^/@#?]*@/, "$1");
}
