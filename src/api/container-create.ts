/**
 * createContainer records a new container from a stored image: the image config applied with
 * Docker's semantics (Entrypoint/Cmd combination, Env, WorkingDir, User), a reserved name and an
 * empty writable layer. Nothing runs until it is started.
 */
import { InputError } from "../core/errors.js";
import { createContainerDir, newContainerId, type ContainerState } from "../runtime/container/state.js";
import { mergeMountOptions } from "../runtime/spec.js";
import { openStore } from "../store/store.js";
import { whereOf } from "./container-shared.js";
import type { RuntimeName } from "./drivers.js";
import { resolveRunImage, type RunConfig, type RunImage } from "./run-image.js";
import { randomHex } from "../core/random.js";

/** DEFAULT_PATH is the PATH a container gets when its image sets none (Docker's default). */
const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** ContainerOptions say how a container from `image` runs. */
export interface ContainerOptions {
  readonly image: string;
  /** name must be unique in the store; default: `tsbuild_` and 12 random hex digits. */
  readonly name?: string;
  /** rm removes the container (state and writable layer) when it exits. */
  readonly rm?: boolean;
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
}

/** commandLine combines Entrypoint and Cmd with Docker's rules. */
export function commandLine(config: { Entrypoint?: readonly string[] | null; Cmd?: readonly string[] | null }, opts: Pick<ContainerOptions, "command" | "entrypoint">): string[] {
  const entrypoint = opts.entrypoint !== undefined ? (opts.entrypoint === "" ? [] : [opts.entrypoint]) : [...(config.Entrypoint ?? [])];
  // A new --entrypoint drops the image's Cmd, as in Docker.
  const cmd = opts.command && opts.command.length > 0 ? [...opts.command] : opts.entrypoint !== undefined ? [] : [...(config.Cmd ?? [])];
  return [...entrypoint, ...cmd];
}

/** TMPFS_OPTION is what `--tmpfs DIR:OPTIONS` may ask for: the tmpfs options Docker passes on. */
const TMPFS_OPTION = /^(ro|rw|exec|noexec|suid|nosuid|dev|nodev|size=\d+[kmg%]?|nr_inodes=\d+[kmg%]?|mode=[0-7]{3,4}|uid=\d+|gid=\d+)$/;

/**
 * tmpfsMount reads `--tmpfs DIR[:OPTIONS]` as Docker does: a tmpfs at DIR, noexec, nosuid and
 * nodev unless OPTIONS (comma-separated, e.g. `rw,exec,size=64m,mode=700`) say otherwise.
 */
export function tmpfsMount(text: string): { type: "tmpfs"; source: string; destination: string; readonly?: boolean; options: string[] } {
  const colon = text.indexOf(":");
  const destination = colon < 0 ? text : text.slice(0, colon);
  const options = colon < 0 ? [] : text.slice(colon + 1).split(",").filter((o) => o !== "");
  if (!destination.startsWith("/")) throw new InputError(`--tmpfs ${text}: the mount point must be an absolute path`);
  const bad = options.find((o) => !TMPFS_OPTION.test(o));
  if (bad !== undefined) throw new InputError(`--tmpfs ${text}: unsupported option ${JSON.stringify(bad)}; use ro, rw, exec, noexec, suid, nosuid, dev, nodev, size=, nr_inodes=, mode=, uid= or gid=`);
  const readonly = options.lastIndexOf("ro") > options.lastIndexOf("rw");
  return { type: "tmpfs", source: "tmpfs", destination, ...(readonly && { readonly }), options: mergeMountOptions(["noexec", "nosuid", "nodev"], options.filter((o) => o !== "ro" && o !== "rw")) };
}

/**
 * containerRecord is the first state of container `id` from `image` run with `opts` (without id
 * and status). Its hostname defaults to the id's first 12 digits, as in Docker.
 */
function containerRecord(opts: ContainerOptions, image: RunImage, id: string): Omit<ContainerState, "id" | "status"> {
  const config: RunConfig = image.config;
  const argv = commandLine(config, opts);
  if (argv.length === 0) throw new InputError(`image ${opts.image} has no Entrypoint or Cmd: give a command (tsbuild run ${opts.image} sh)`);
  const env = [...(config.Env ?? []), ...Object.entries(opts.env ?? {}).map(([k, v]) => `${k}=${v}`)];
  if (!env.some((e) => e.startsWith("PATH="))) env.unshift(`PATH=${DEFAULT_PATH}`);
  const mounts = [
    ...(opts.volumes ?? []).map((v) => ({ type: "bind" as const, source: v.host, destination: v.container, readonly: v.readOnly })),
    ...(opts.tmpfs ?? []).map(tmpfsMount),
  ];
  const limits = { ...(opts.memoryBytes !== undefined && { memoryBytes: opts.memoryBytes }), ...(opts.pidsLimit !== undefined && { pidsLimit: opts.pidsLimit }), ...(opts.cpus !== undefined && { cpus: opts.cpus }) };
  return {
    name: opts.name ?? `tsbuild_${randomHex(6)}`,
    image: opts.image,
    imageDigest: image.digest,
    config: config as Record<string, unknown>,
    argv,
    run: {
      env,
      cwd: opts.workdir ?? (config.WorkingDir || "/"),
      user: opts.user ?? config.User ?? "",
      hostname: opts.hostname ?? id.slice(0, 12),
      mounts,
      network: opts.network ?? "host",
      limits,
      readOnly: opts.readOnly === true,
      runtime: opts.runtime ?? "auto",
    },
    created: new Date().toISOString(),
    autoRemove: opts.rm === true,
  };
}

/**
 * newContainer records a container from `opts` and returns its state with its image ready to
 * start. `first` is merged into the first state written (a foreground run records itself as
 * running there, saving a second write).
 */
export async function newContainer(opts: ContainerOptions, first: Partial<ContainerState> = {}): Promise<{ state: ContainerState; image: RunImage }> {
  const where = whereOf(opts);
  const store = openStore(where.storeRoot);
  try {
    const image = await resolveRunImage(store, opts.image, opts.runtime ?? "auto");
    const id = newContainerId();
    const state = await createContainerDir(where.root, { ...containerRecord(opts, image, id), status: "created", ...first }, id);
    return { state, image };
  } finally {
    store.close();
  }
}

/** createContainer records the container and returns its state (status "created"). */
export async function createContainer(opts: ContainerOptions): Promise<ContainerState> {
  return (await newContainer(opts)).state;
}
