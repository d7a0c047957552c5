/**
 * Git source references as ADD takes them (BuildKit's gitutil.ParseGitRef): `git://` and
 * `ssh://` URLs, scp-like `user@host:path`, and `http(s)://` URLs whose path ends in `.git`, each
 * with an optional `#ref:subdir` fragment. Also the two ways a URL's credentials are kept out of
 * what tsbuild shows and stores: redacted for display, stripped for cache keys.
 */

/** GitRef is a parsed git source: the remote to fetch, the ref (branch, tag or commit) and the subdirectory to copy. */
export interface GitRef {
  readonly remote: string;
  readonly ref: string | undefined;
  readonly subdir: string | undefined;
}

/** GitRefResult is a parsed reference, or why a source that looks like a git reference is not a valid one. */
export type GitRefResult = { readonly ok: true; readonly value: GitRef } | { readonly ok: false; readonly message: string };

const SCP_LIKE = /^([A-Za-z0-9_][A-Za-z0-9_.+-]*)@([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]):(?!\/\/)(.+)$/;
const SCHEMES = new Set(["http:", "https:", "git:", "ssh:"]);

/** splitFragment separates `remote#ref:subdir`. */
function splitFragment(src: string): { remote: string; ref: string | undefined; subdir: string | undefined } {
  const hash = src.indexOf("#");
  if (hash < 0) return { remote: src, ref: undefined, subdir: undefined };
  const fragment = src.slice(hash + 1);
  const colon = fragment.indexOf(":");
  const ref = colon < 0 ? fragment : fragment.slice(0, colon);
  const subdir = colon < 0 ? "" : fragment.slice(colon + 1);
  return { remote: src.slice(0, hash), ref: ref === "" ? undefined : ref, subdir: subdir === "" ? undefined : subdir };
}

/** checkParts refuses refs and subdirectories that could be read as options or leave the repository. */
function checkParts(src: string, ref: string | undefined, subdir: string | undefined): string | undefined {
  if (ref !== undefined && (ref.startsWith("-") || /[\s\0\\~^?*[]|\.\.|@\{/.test(ref))) return `git source ${redactUrl(src)}: ${JSON.stringify(ref)} is not a valid ref name`;
  if (subdir !== undefined && (subdir.includes("\0") || subdir.split("/").includes(".."))) return `git source ${redactUrl(src)}: subdirectory ${JSON.stringify(subdir)} must stay inside the repository`;
  return undefined;
}

/**
 * parseGitRef reads `src` as a git source. Returns undefined when `src` is not a git reference at
 * all (a path, or an http(s) URL not ending in `.git`, which ADD downloads as a file), and an
 * error when it is one but its ref or subdirectory is unsafe (a ref starting with `-` would be an
 * option to git).
 */
export function parseGitRef(src: string): GitRefResult | undefined {
  if (src.startsWith("./") || src.startsWith("../") || src.startsWith("/")) return undefined;
  const { remote, ref, subdir } = splitFragment(src);
  if (SCP_LIKE.test(remote)) {
    const problem = checkParts(src, ref, subdir);
    return problem ? { ok: false, message: problem } : { ok: true, value: { remote, ref, subdir } };
  }
  let url: URL;
  try {
    url = new URL(remote);
  } catch {
    return undefined;
  }
  if (!SCHEMES.has(url.protocol)) return undefined;
  if ((url.protocol === "http:" || url.protocol === "https:") && !url.pathname.endsWith(".git")) return undefined;
  const problem = checkParts(src, ref, subdir);
  return problem ? { ok: false, message: problem } : { ok: true, value: { remote, ref, subdir } };
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
