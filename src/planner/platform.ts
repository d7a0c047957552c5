/**
 * Platforms in OCI terms (GOOS/GOARCH names). The automatic platform ARGs made from them are
 * in src/parser/arg-scope.ts.
 */

/** Platform is an OCI platform: os, architecture and optional variant, in Go's names. */
export interface Platform {
  readonly os: string;
  readonly architecture: string;
  readonly variant: string | undefined;
}

/** KNOWN_OS are Go's GOOS values: a lone platform component naming one is an OS (containerd's rule). */
const KNOWN_OS = new Set(["aix", "android", "darwin", "dragonfly", "freebsd", "hurd", "illumos", "ios", "js", "linux", "nacl", "netbsd", "openbsd", "plan9", "solaris", "wasip1", "windows", "zos"]);

/** KNOWN_ARCH are Go's GOARCH values: a lone component naming one (after aliases) is an architecture. */
const KNOWN_ARCH = new Set(["386", "amd64", "amd64p32", "arm", "armbe", "arm64", "arm64be", "loong64", "mips", "mipsle", "mips64", "mips64le", "ppc", "ppc64", "ppc64le", "riscv", "riscv64", "s390", "s390x", "sparc", "sparc64", "wasm"]);

/** COMPONENT is what one `/`-separated part of a platform may hold (containerd's specifier pattern). */
const COMPONENT = /^[A-Za-z0-9_.-]+$/;

/**
 * normalizeArchVariant maps architecture and variant spellings to Go's names as containerd's
 * platforms.Normalize does: x86_64 is amd64 (whose v1 is no variant), aarch64 is arm64 (8 is v8),
 * armhf is arm/v7, armel arm/v6, i386 is 386.
 */
function normalizeArchVariant(arch: string, variant: string): { architecture: string; variant: string } {
  const a = arch.toLowerCase();
  const v = variant.toLowerCase();
  if (a === "i386") return { architecture: "386", variant: "" };
  if (a === "x86_64" || a === "x86-64" || a === "amd64") return { architecture: "amd64", variant: v === "v1" ? "" : v };
  if (a === "aarch64" || a === "arm64") return { architecture: "arm64", variant: ["8", "v8", "v8.0"].includes(v) ? "v8" : ["9", "9.0", "v9.0"].includes(v) ? "v9" : v };
  if (a === "armhf") return { architecture: "arm", variant: "v7" };
  if (a === "armel") return { architecture: "arm", variant: "v6" };
  if (a === "arm") return { architecture: "arm", variant: v === "" || v === "7" ? "v7" : ["5", "6", "8"].includes(v) ? `v${v}` : v };
  return { architecture: a, variant: v };
}

/** normalizeArch maps an architecture name to Go's spelling. */
export function normalizeArch(arch: string): string {
  return normalizeArchVariant(arch, "").architecture;
}

/** normalizeOs lower-cases an OS name; macos is darwin. */
function normalizeOs(os: string): string {
  const lower = os.toLowerCase();
  return lower === "macos" ? "darwin" : lower;
}

/** platformOf builds a Platform, dropping the variant that is implied (arm's v7 for os/arch forms). */
function platformOf(os: string, arch: { architecture: string; variant: string }, dropArmV7: boolean): Platform {
  const variant = dropArmV7 && arch.architecture === "arm" && arch.variant === "v7" ? "" : arch.variant;
  return { os, architecture: arch.architecture, variant: variant === "" ? undefined : variant };
}

/**
 * parsePlatform reads a platform specifier as containerd's platforms.Parse does: `os/arch[/variant]`
 * (e.g. `linux/arm64/v8`, `linux/x86_64`), or one component that is either a known OS (the
 * architecture is then `host`'s) or a known architecture (the OS is then `host`'s, e.g. `amd64`).
 * Returns an error string for anything else, or for a lone OS when no host is given.
 */
export function parsePlatform(text: string, host?: Platform): Platform | { error: string } {
  const parts = text.trim().split("/");
  const invalid = { error: `invalid platform ${JSON.stringify(text)}: expected os/arch[/variant], e.g. linux/amd64` };
  if (parts.length > 3 || parts.some((p) => !COMPONENT.test(p))) return invalid;
  const [first, arch, variant] = parts as [string, string | undefined, string | undefined];
  if (arch !== undefined) return platformOf(normalizeOs(first), normalizeArchVariant(arch, variant ?? ""), variant === undefined);
  const os = normalizeOs(first);
  if (KNOWN_OS.has(os)) return host ? { os, architecture: host.architecture, variant: host.variant } : invalid;
  const only = normalizeArchVariant(first, "");
  if (!KNOWN_ARCH.has(only.architecture)) return { error: `invalid platform ${JSON.stringify(text)}: unknown operating system or architecture` };
  return platformOf(host?.os ?? "linux", only, true);
}

/** formatPlatform writes `os/arch[/variant]`. */
export function formatPlatform(p: Platform): string {
  return p.variant ? `${p.os}/${p.architecture}/${p.variant}` : `${p.os}/${p.architecture}`;
}

/** DEFAULT_VARIANTS are the variants implied when none is given (containerd's normalization). */
const DEFAULT_VARIANTS: Readonly<Record<string, string>> = { arm64: "v8", arm: "v7" };

/** samePlatform compares two platforms, treating an implied default variant as equal to none. */
export function samePlatform(a: Platform, b: Platform): boolean {
  const va = a.variant ?? DEFAULT_VARIANTS[a.architecture];
  const vb = b.variant ?? DEFAULT_VARIANTS[b.architecture];
  return a.os === b.os && a.architecture === b.architecture && va === vb;
}

/**
 * hostOnlyPlatform checks a `--platform` value (a comma-separated list, as BuildKit takes it)
 * against the host platform: every entry must name the host, and the host comes back, normalized.
 * Anything else is an error string saying that only the host platform can be built.
 */
export function hostOnlyPlatform(spec: string, host: Platform): Platform | { error: string } {
  const entries = spec.split(",").map((e) => e.trim());
  if (entries.some((e) => e === "")) return { error: `invalid --platform ${JSON.stringify(spec)}: expected os/arch[/variant][,...], e.g. linux/amd64` };
  for (const e of entries) {
    const p = parsePlatform(e, host);
    if ("error" in p) return { error: `--platform: ${p.error}` };
    // Deviation: only the host platform can be built (no emulation); see DEVIATIONS.md.
    if (!samePlatform(p, host)) return { error: `--platform ${e}: building for ${formatPlatform(p)} is not supported: tsbuild builds only for the host platform ${formatPlatform(host)} (no emulation)` };
  }
  return host;
}
