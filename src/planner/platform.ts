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

/** ARCH_ALIASES maps kernel and common spellings to Go architecture names. */
const ARCH_ALIASES: Readonly<Record<string, string>> = {
  x86_64: "amd64",
  "x86-64": "amd64",
  aarch64: "arm64",
  armhf: "arm",
  armel: "arm",
  i386: "386",
  i686: "386",
};

/** DEFAULT_VARIANTS are the variants implied when none is given (containerd's normalization). */
const DEFAULT_VARIANTS: Readonly<Record<string, string>> = { arm64: "v8", arm: "v7" };

/** normalizeArch maps an architecture name to Go's spelling. */
export function normalizeArch(arch: string): string {
  const lower = arch.toLowerCase();
  return ARCH_ALIASES[lower] ?? lower;
}

/**
 * parsePlatform reads `os[/arch[/variant]]` (e.g. `linux/arm64/v8`), or returns an error string.
 * A missing architecture is an error: the planner never guesses one.
 */
export function parsePlatform(text: string): Platform | { error: string } {
  const parts = text.trim().split("/");
  if (parts.some((p) => p === "") || parts.length < 2 || parts.length > 3) {
    return { error: `invalid platform ${JSON.stringify(text)}: expected os/arch[/variant], e.g. linux/amd64` };
  }
  const [os, arch, variant] = parts as [string, string, string | undefined];
  return { os: os.toLowerCase(), architecture: normalizeArch(arch), variant: variant?.toLowerCase() };
}

/** formatPlatform writes `os/arch[/variant]`. */
export function formatPlatform(p: Platform): string {
  return p.variant ? `${p.os}/${p.architecture}/${p.variant}` : `${p.os}/${p.architecture}`;
}

/** samePlatform compares two platforms, treating an implied default variant as equal to none. */
export function samePlatform(a: Platform, b: Platform): boolean {
  const va = a.variant ?? DEFAULT_VARIANTS[a.architecture];
  const vb = b.variant ?? DEFAULT_VARIANTS[b.architecture];
  return a.os === b.os && a.architecture === b.architecture && va === vb;
}
