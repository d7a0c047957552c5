// A throwaway buildah for tests: its own storage (vfs driver) and run root under a temp dir, a
// registries.conf with no unqualified-search registries and no registry at all (base images come
// from OCI archives, so nothing is pulled from a network), chroot isolation, host network.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** buildahMissing names what buildah tests lack here (root, the buildah binary), or undefined. */
export function buildahMissing(): string | undefined {
  if (process.getuid?.() !== 0) return "buildah's chroot isolation needs root";
  const r = spawnSync("buildah", ["--version"], { encoding: "utf8" });
  if (r.error || r.status !== 0) return "buildah is not installed (apt-get install buildah)";
  return undefined;
}

/** BudOptions are the `buildah bud` inputs a fixture may need. */
export interface BudOptions {
  readonly tag: string;
  readonly buildArgs?: Readonly<Record<string, string>>;
  /** Secret id to the file holding its value. */
  readonly secretFiles?: Readonly<Record<string, string>>;
  readonly target?: string;
}

/** BudResult is what `buildah bud` did: its exit status and its combined output. */
export interface BudResult {
  readonly status: number;
  readonly output: string;
}

/** Buildah runs buildah commands against one private store. */
export interface Buildah {
  /** importArchive stores the image of an OCI archive (tagged with the name the archive carries). */
  importArchive(file: string): void;
  /** bud runs `buildah bud` without blocking the event loop (a fixture's HTTP server may have to answer). */
  bud(context: string, opts: BudOptions): Promise<BudResult>;
  /** dockerConfig returns the `config` of the image's Docker-format configuration (`buildah inspect`). */
  dockerConfig(tag: string): Record<string, unknown>;
  /** pushOci writes the image `tag` to an OCI layout directory. */
  pushOci(tag: string, dir: string): void;
  cleanup(): void;
}

/** unmountUnder unmounts every mount point below dir, deepest first (containers/storage may leave some). */
function unmountUnder(dir: string): void {
  const mounts = readFileSync("/proc/mounts", "utf8")
    .split("\n")
    .map((l) => l.split(" ")[1] ?? "")
    .filter((m) => m.startsWith(`${dir}/`))
    .sort()
    .reverse();
  for (const m of mounts) execFileSync("umount", ["-l", m]);
}

/** createBuildah prepares a private buildah store under dir (created if missing). */
export function createBuildah(dir: string): Buildah {
  mkdirSync(dir, { recursive: true });
  const conf = join(dir, "registries.conf");
  writeFileSync(conf, "unqualified-search-registries = []\n");
  // TMPDIR: buildah keeps RUN --mount=type=cache directories in $TMPDIR/buildah-cache (default
  // /var/tmp), outside --root; pointing it here keeps every test build's cache private.
  const tmp = join(dir, "tmp");
  mkdirSync(tmp);
  const env = { ...process.env, CONTAINERS_REGISTRIES_CONF: conf, BUILDAH_ISOLATION: "chroot", TMPDIR: tmp };
  const global = ["--root", join(dir, "root"), "--runroot", join(dir, "run"), "--storage-driver", "vfs"];
  const run = (args: string[]): string => execFileSync("buildah", [...global, ...args], { env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  return {
    importArchive: (file) => void run(["pull", "-q", `oci-archive:${file}`]),
    bud(context, opts) {
      // --format docker: buildah's OCI format has no HEALTHCHECK (it drops it with a warning).
      const args = ["bud", "--isolation", "chroot", "--layers", "--pull=never", "--network", "host", "--format", "docker", "-t", opts.tag];
      for (const [k, v] of Object.entries(opts.buildArgs ?? {})) args.push("--build-arg", `${k}=${v}`);
      for (const [id, src] of Object.entries(opts.secretFiles ?? {})) args.push("--secret", `id=${id},src=${src}`);
      if (opts.target !== undefined) args.push("--target", opts.target);
      return new Promise((ok, fail) => {
        const child = spawn("buildah", [...global, ...args, context], { env, stdio: ["ignore", "pipe", "pipe"] });
        let output = "";
        child.stdout.on("data", (c: Buffer) => (output += c.toString("utf8")));
        child.stderr.on("data", (c: Buffer) => (output += c.toString("utf8")));
        child.on("error", fail);
        child.on("close", (code) => ok({ status: code ?? -1, output }));
      });
    },
    dockerConfig(tag) {
      const info = JSON.parse(run(["inspect", "--type", "image", tag])) as { Docker?: { config?: Record<string, unknown> } };
      if (!info.Docker?.config) throw new Error(`buildah inspect ${tag}: no Docker config`);
      return info.Docker.config;
    },
    pushOci: (tag, out) => void run(["push", "-q", tag, `oci:${out}`]),
    cleanup() {
      try {
        run(["rm", "--all"]);
      } finally {
        unmountUnder(dir);
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
