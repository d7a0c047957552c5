/**
 * run() starts a container from a stored image in the foreground, as `docker run --rm` does: the
 * image's config (Entrypoint/Cmd combination, Env, WorkingDir, User) with Docker's semantics, a
 * private writable layer over the image that is discarded at exit (the image is never modified),
 * and the container's exit code as the result.
 */
import { randomBytes } from "node:crypto";
import type { Readable, Writable } from "node:stream";
import { InputError } from "../core/errors.js";
import { baseImage } from "../executor/ops/runner.js";
import { readImage, resolveImage } from "../image/images.js";
import type { RunResult } from "../runtime/driver.js";
import type { SpecMount } from "../runtime/spec-input.js";
import { resolveStoreRoot } from "../store/root.js";
import { openStore } from "../store/store.js";
import { createServices, type RuntimeName } from "./services.js";

/** DEFAULT_PATH is the PATH a container gets when its image sets none (Docker's default). */
const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** RunOptions configure one foreground container. */
export interface RunOptions {
  readonly image: string;
  /** Replaces the image's Cmd when non-empty. */
  readonly command?: readonly string[];
  /** Replaces the image's Entrypoint (an empty string clears it). */
  readonly entrypoint?: string;
  readonly env?: Readonly<Record<string, string>>;
  readonly workdir?: string;
  readonly user?: string;
  readonly hostname?: string;
  readonly network?: "host" | "none";
  /** Bind mounts: host path, container path, read-only. */
  readonly volumes?: readonly { readonly host: string; readonly container: string; readonly readOnly: boolean }[];
  readonly tmpfs?: readonly string[];
  readonly memoryBytes?: number;
  readonly pidsLimit?: number;
  readonly cpus?: number;
  readonly readOnly?: boolean;
  readonly root?: string;
  readonly runtime?: RuntimeName | "auto";
  readonly stdin?: Readable;
  readonly stdout: Writable;
  readonly stderr: Writable;
  readonly signal?: AbortSignal;
}

/** commandLine combines Entrypoint and Cmd with Docker's rules. */
export function commandLine(config: { Entrypoint?: readonly string[] | null; Cmd?: readonly string[] | null }, opts: Pick<RunOptions, "command" | "entrypoint">): string[] {
  const entrypoint = opts.entrypoint !== undefined ? (opts.entrypoint === "" ? [] : [opts.entrypoint]) : [...(config.Entrypoint ?? [])];
  // A new --entrypoint drops the image's Cmd, as in Docker.
  const cmd = opts.command && opts.command.length > 0 ? [...opts.command] : opts.entrypoint !== undefined ? [] : [...(config.Cmd ?? [])];
  return [...entrypoint, ...cmd];
}

/** run starts the container and resolves with how it ended. */
export async function run(opts: RunOptions): Promise<RunResult> {
  const store = openStore(resolveStoreRoot(opts.root === undefined ? {} : { flag: opts.root }));
  try {
    const digest = resolveImage(store, opts.image);
    const img = await readImage(store, digest);
    const config = img.config.config ?? {};
    const argv = commandLine(config, opts);
    if (argv.length === 0) throw new InputError(`image ${opts.image} has no Entrypoint or Cmd: give a command (tsbuild run ${opts.image} sh)`);
    const services = await createServices(store, undefined, { runtime: opts.runtime ?? "auto" });
    const base = await baseImage(services, digest);
    const dirs = await services.createSnapshotDirs();
    try {
      const snap = await services.mountSnapshot({ lowers: base.layers.map((l) => l.dir), upper: dirs.upper, work: dirs.work, target: dirs.target });
      try {
        const env = [...(config.Env ?? []), ...Object.entries(opts.env ?? {}).map(([k, v]) => `${k}=${v}`)];
        if (!env.some((e) => e.startsWith("PATH="))) env.unshift(`PATH=${DEFAULT_PATH}`);
        const user = await services.resolveUser(snap.target, opts.user ?? config.User ?? "");
        const cwd = opts.workdir ?? (config.WorkingDir || "/");
        await services.resolveInRoot(snap.target, cwd, "dir");
        const mounts: SpecMount[] = [
          ...(opts.volumes ?? []).map((v) => ({ type: "bind" as const, source: v.host, destination: v.container, readonly: v.readOnly })),
          ...(opts.tmpfs ?? []).map((t) => ({ type: "tmpfs" as const, source: "tmpfs", destination: t })),
        ];
        return await services.runContainer(
          {
            rootfs: snap.target,
            argv,
            env,
            cwd,
            user,
            hostname: opts.hostname ?? randomBytes(6).toString("hex"),
            mounts,
            network: opts.network ?? "host",
            limits: { ...(opts.memoryBytes !== undefined && { memoryBytes: opts.memoryBytes }), ...(opts.pidsLimit !== undefined && { pidsLimit: opts.pidsLimit }), ...(opts.cpus !== undefined && { cpus: opts.cpus }) },
            tty: false,
            readonlyRootfs: opts.readOnly === true,
          },
          { stdout: opts.stdout, stderr: opts.stderr, ...(opts.stdin && { stdin: opts.stdin }), ...(opts.signal && { signal: opts.signal }) },
        );
      } finally {
        await snap.release();
      }
    } finally {
      await services.removeSnapshotDirs(dirs);
    }
  } finally {
    store.close();
  }
}
