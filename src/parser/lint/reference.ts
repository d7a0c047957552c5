/**
 * Minimal checks of image references and platform strings for the FROM rules: what
 * distribution/reference's ParseNormalizedNamed accepts, and containerd's platform parsing.
 */

const COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const DOMAIN_PART = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const DOMAIN = `(?:${DOMAIN_PART}(?:\\.${DOMAIN_PART})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?`;
const TAG = "[\\w][\\w.-]{0,127}";
const DIGEST = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}";
const PATH_RE = new RegExp(`^${COMPONENT}(?:/${COMPONENT})*$`);
const DOMAIN_RE = new RegExp(`^${DOMAIN}$`);
const TAG_RE = new RegExp(`^${TAG}$`);
const DIGEST_RE = new RegExp(`^${DIGEST}$`);

/** splitDomain separates a registry host the way docker does: the first part is a host only if it looks like one. */
function splitDomain(name: string): { domain: string | undefined; path: string } {
  const i = name.indexOf("/");
  if (i < 0) return { domain: undefined, path: name };
  const first = name.slice(0, i);
  const isHost = /[.:]/.test(first) || first === "localhost" || first.toLowerCase() !== first;
  return isHost ? { domain: first, path: name.slice(i + 1) } : { domain: undefined, path: name };
}

/** isValidImageReference reports whether `ref` is a valid, normalizable image reference. */
export function isValidImageReference(ref: string): boolean {
  if (ref === "" || ref.length > 512) return false;
  let rest = ref;
  const at = rest.indexOf("@");
  if (at >= 0) {
    if (!DIGEST_RE.test(rest.slice(at + 1))) return false;
    rest = rest.slice(0, at);
  }
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/")) {
    if (!TAG_RE.test(rest.slice(colon + 1))) return false;
    rest = rest.slice(0, colon);
  }
  const { domain, path } = splitDomain(rest);
  if (domain !== undefined && !DOMAIN_RE.test(domain)) return false;
  if (/^[a-f0-9]{64}$/.test(path)) return false;
  return rest.length <= 255 && PATH_RE.test(path);
}

/** Platform is an OS and architecture after normalization. */
export interface Platform {
  readonly os: string;
  readonly arch: string;
}

const KNOWN_OS = new Set(["aix", "android", "darwin", "dragonfly", "freebsd", "hurd", "illumos", "ios", "js", "linux", "nacl", "netbsd", "openbsd", "plan9", "solaris", "wasip1", "windows", "zos"]);
const ARCH_ALIASES: Readonly<Record<string, string>> = { i386: "386", x86_64: "amd64", "x86-64": "amd64", aarch64: "arm64", armhf: "arm", armel: "arm" };
const KNOWN_ARCH = new Set(["386", "amd64", "arm", "arm64", "loong64", "mips", "mips64", "mips64le", "mipsle", "ppc64", "ppc64le", "riscv64", "s390x", "wasm"]);

/** parsePlatform parses `os[/arch[/variant]]` or a lone architecture; undefined when invalid. */
export function parsePlatform(spec: string): Platform | undefined {
  const parts = spec.toLowerCase().split("/");
  if (parts.some((p) => !/^[a-z0-9_.-]+$/.test(p)) || parts.length > 3) return undefined;
  const norm = (a: string): string => ARCH_ALIASES[a] ?? a;
  const os = (p: string): string => (p === "macos" ? "darwin" : p);
  if (parts.length === 1) {
    const only = parts[0] ?? "";
    if (KNOWN_OS.has(os(only))) return { os: os(only), arch: "amd64" };
    if (KNOWN_ARCH.has(norm(only))) return { os: "linux", arch: norm(only) };
    return undefined;
  }
  return { os: os(parts[0] ?? ""), arch: norm(parts[1] ?? "") };
}
