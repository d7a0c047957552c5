// A Debian bookworm minbase rootfs tar for end-to-end tests, made with debootstrap from the Debian
// mirror apt already uses. It is kept under DEBIAN_CACHE_DIR and made again only when missing.
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";

/** DEBIAN_CACHE_DIR holds the rootfs tars between test runs (a clean CI machine makes it once). */
export const DEBIAN_CACHE_DIR = process.env.TSBUILD_TEST_DEBIAN_DIR ?? "/var/tmp/tsbuild-test-debian";

function readOr(path: string): string {
  return existsSync(path) ? readFileSync(path, "utf8") : "";
}

/** aptMirror returns the first non-security Debian archive URI in apt's sources, or undefined. */
export function aptMirror(): string | undefined {
  const uris: string[] = [];
  const dir = "/etc/apt/sources.list.d";
  const files = existsSync(dir) ? readdirSync(dir).map((f) => join(dir, f)) : [];
  for (const f of files.filter((f) => f.endsWith(".sources"))) {
    for (const m of readOr(f).matchAll(/^URIs:\s*(.+)$/gm)) uris.push(...m[1]!.trim().split(/\s+/));
  }
  for (const f of ["/etc/apt/sources.list", ...files.filter((f) => f.endsWith(".list"))]) {
    for (const m of readOr(f).matchAll(/^deb\s+(?:\[[^\]]*\]\s+)?(\S+)/gm)) uris.push(m[1]!);
  }
  return uris.find((u) => /^https?:\/\//.test(u) && !u.includes("-security") && /\/debian\/?$/.test(u));
}

/** debianMissing names what making the Debian base needs and lacks here, or undefined. */
export function debianMissing(): string | undefined {
  if (spawnSync("debootstrap", ["--version"], { stdio: "ignore" }).error) return "debootstrap is not installed (apt-get install debootstrap)";
  if (!aptMirror()) return "no Debian mirror is configured in apt's sources";
  return undefined;
}

/**
 * debianRootfsTar returns a tar of `debootstrap --variant=minbase bookworm` without apt's
 * downloaded lists and packages, and, like Docker's official Debian images, without
 * /etc/resolv.conf and /etc/hostname (the builder provides name resolution). Made once per mirror.
 */
export function debianRootfsTar(): string {
  const mirror = aptMirror();
  if (!mirror) throw new Error("no Debian mirror is configured in apt's sources");
  const tar = join(DEBIAN_CACHE_DIR, `bookworm-minbase-${createHash("sha256").update(mirror).digest("hex").slice(0, 12)}.tar`);
  if (existsSync(tar)) return tar;
  mkdirSync(DEBIAN_CACHE_DIR, { recursive: true });
  const work = mkdtempSync(join(DEBIAN_CACHE_DIR, ".debootstrap-"));
  try {
    const root = join(work, "rootfs");
    const r = spawnSync("debootstrap", ["--variant=minbase", "bookworm", root, mirror], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    if (r.status !== 0) throw new Error(`debootstrap failed (exit ${r.status}): ${(r.stderr || r.stdout).slice(-2000)}`);
    for (const p of ["debootstrap", "etc/resolv.conf", "etc/hostname"]) rmSync(join(root, p), { recursive: true, force: true });
    // Downloaded lists and packages go; the `partial` dirs (owned by apt's _apt user) and locks stay.
    for (const d of ["var/lib/apt/lists", "var/cache/apt/archives"]) {
      for (const f of readdirSync(join(root, d)).filter((f) => f !== "partial" && f !== "lock")) rmSync(join(root, d, f), { recursive: true, force: true });
    }
    execFileSync("tar", ["--numeric-owner", "--xattrs", "-C", root, "-cf", join(work, "rootfs.tar"), "."]);
    renameSync(join(work, "rootfs.tar"), tar);
    return tar;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
