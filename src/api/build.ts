/**
 * runBuild is the composition root of one build: read everything the plan depends on (Dockerfile,
 * base images from the store, build args), plan, then execute on the builder's scheduler with the
 * real ops, and export the image into the store (read -> plan -> apply). builder.ts owns the
 * long-lived parts (store, hash cache, scheduler) and the public build() and createBuilder().
 */
import { readFile } from "node:fs/promises";
import { isAbsolute, resolve } from "node:path";
import type { Digest } from "../core/digest.js";
import { pathWarning, type Diagnostic } from "../core/diagnostic.js";
import { BuildCanceledError, DockerfileSyntaxError, InputError } from "../core/errors.js";
import type { BuildEventListener } from "../core/events.js";
import { createContextHasher, openContext, type ContextWarning } from "../executor/context.js";
import type { CacheStore, ContextHasher, OpRunner, Scheduler } from "../executor/index.js";
import { createImportingCache } from "../executor/cache-import.js";
import { readCaches, writeCaches, type CacheExportSpec, type CacheImportSpec } from "./build-cache.js";
import { exportImage } from "../executor/export.js";
import type { FsResult } from "../executor/ops/types.js";
import { createOpRunner } from "../executor/ops/runner.js";
import { hostPlatform } from "../image/platform.js";
import type { Dockerfile, Instruction } from "../parser/ast.js";
import { parseDockerfile } from "./parse-cache.js";
import { hostOnlyPlatform, imageRefs, plan, type ContainerConfig, type Platform, type ResolvedImage } from "../planner/index.js";
import type { ImagePlan } from "../planner/plan.js";
import type { HashCache } from "../store/hashcache.js";
import type { Store } from "../store/store.js";
import { createServices, type RuntimeName } from "./services.js";
import { checkSshAgents } from "./ssh.js";
import { writeMetadataFile, writeOutput, type BuildOutput } from "./build-output.js";
import { push as pushImage, type PushOptions, type PushResult } from "../registry/push.js";
import { registryEnv } from "./registry.js";
import { readImage, resolveImage } from "../image/images.js";
import { pull as pullImage } from "../registry/pull.js";

/** BuildRequest is what one build needs on top of its builder's settings. Unknown options are type errors. */
export interface BuildRequest {
  /** The build context directory. */
  readonly context: string;
  /** Dockerfile path (default `<context>/Dockerfile`), or the name shown in messages when `dockerfileText` is given. */
  readonly dockerfile?: string;
  /** The Dockerfile's text, instead of reading `dockerfile`. */
  readonly dockerfileText?: string;
  /** The stage to build (default: the last one). */
  readonly target?: string;
  /**
   * The platform to build for (`--platform`): `os/arch[/variant]` or a lone `arch`/`os`, normalized
   * as containerd does (`amd64`, `linux/x86_64`). Only the host platform can be built; any other is an InputError.
   */
  readonly platform?: string;
  /** Values for ARG instructions, by name. */
  readonly buildArgs?: Readonly<Record<string, string>>;
  /** Labels added to the image config. */
  readonly labels?: Readonly<Record<string, string>>;
  /** Names given to the image in the store, e.g. `app:dev`. */
  readonly tags?: readonly string[];
  /** Resolve every base image against its registry, pulling it when the stored copy differs (`--pull`). */
  readonly pull?: boolean;
  /** Run every step, reading no cache (results are still stored). */
  readonly noCache?: boolean;
  /** Stages whose steps read no cache. */
  readonly noCacheFilter?: readonly string[];
  /** Secrets for `RUN --mount=type=secret`, by id. */
  readonly secrets?: Readonly<Record<string, Uint8Array | string>>;
  /**
   * SSH agents for `RUN --mount=type=ssh`, by id (`default` unless the mount names one): the path
   * of a running agent's Unix socket (`--ssh default=$SSH_AUTH_SOCK`). Steps reach the agent
   * through a relay socket at the mount's target; nothing of it enters a layer, key or history.
   */
  readonly ssh?: Readonly<Record<string, string>>;
  /** Seconds since the epoch: image and layer times are set or clamped to it (reproducible builds). */
  readonly sourceDateEpoch?: number;
  /** Where the image goes besides the store (`--output`); default: the store only. */
  readonly output?: BuildOutput;
  /** Push every tag to its registry after the build (`--push`). */
  readonly push?: boolean;
  /** Registry client options for pulls of base images and for the push (credentials, insecure registries). */
  readonly registry?: PushOptions;
  /** Write BuildKit's `--metadata-file` JSON here. */
  readonly metadataFile?: string;
  /** Local caches to read step results from (`--cache-from type=local,src=DIR`), after the store's own cache. */
  readonly cacheFrom?: readonly CacheImportSpec[];
  /** Local caches to write the build's step results to (`--cache-to type=local,dest=DIR[,mode=min|max]`). */
  readonly cacheTo?: readonly CacheExportSpec[];
  /** Cancels the build: the handle rejects with BuildCanceledError once every started step has stopped. */
  readonly signal?: AbortSignal;
  /** Receives every event as it happens (the handle's iterator sees the same events). */
  readonly onEvent?: BuildEventListener;
}

/** BuilderOptions are the settings a builder keeps across builds. */
export interface BuilderOptions {
  /** Store root (default: TSBUILD_ROOT, /var/lib/tsbuild for root, else the XDG data dir). */
  readonly root?: string;
  /** Sandbox driver: runc, crun, builtin, or auto (the first installed of runc, crun, then builtin). */
  readonly runtime?: RuntimeName | "auto";
  /** Parallel steps across the builder's builds (default: CPU cores). */
  readonly jobs?: number;
}

/** BuildOptions are the inputs of a one-shot build: a request plus the builder settings. Unknown options are type errors. */
export interface BuildOptions extends BuildRequest, BuilderOptions {}

/** BuildResult describes the image a build produced and how the build went. */
export interface BuildResult {
  /** The image manifest's digest (what `tsbuild inspect` shows as Digest). */
  readonly manifestDigest: Digest;
  /** The image manifest's size in bytes. */
  readonly manifestSize: number;
  /** The image config's digest: the image ID. */
  readonly configDigest: Digest;
  /** The names the image was given. */
  readonly tags: readonly string[];
  /** The image's layers, base first: compressed blob digest, uncompressed diffID, blob size. */
  readonly layers: readonly { readonly digest: Digest; readonly diffId: Digest; readonly size: number }[];
  /** The sum of the layer blob sizes in bytes. */
  readonly size: number;
  /** How many steps came from the build cache. */
  readonly cached: number;
  /** How many steps ran. */
  readonly executed: number;
  /** Wall time of the build in milliseconds. */
  readonly durationMs: number;
  /** The warnings found while planning (also sent as `diagnostic` events). */
  readonly warnings: readonly Diagnostic[];
  /** What `push` uploaded, one entry per tag. */
  readonly pushed: readonly PushResult[];
  /** Build args given but used by no stage the target needs (BuildKit warns about these). */
  readonly unusedBuildArgs: readonly string[];
}

function throwOnErrors(diags: readonly Diagnostic[]): void {
  if (diags.some((d) => d.severity === "error")) throw new DockerfileSyntaxError(diags);
}

/** parseTriggers parses an image's ONBUILD trigger texts (loading the parser only when there are any). */
async function parseTriggers(texts: readonly string[] | undefined, ref: string): Promise<Instruction[]> {
  if (texts === undefined || texts.length === 0) return [];
  const { parse } = await import("../parser/index.js");
  return texts.map((t) => {
    const r = parse(t, { file: `ONBUILD of ${ref}` });
    throwOnErrors(r.diagnostics);
    const ins = r.ast.instructions[0];
    if (!ins) throw new InputError(`image ${ref} has an empty ONBUILD trigger`);
    return ins;
  });
}

/** withoutNulls drops null fields (Docker writes `"Entrypoint": null`) so the config fits the planner's type. */
function withoutNulls(config: object | null | undefined): ContainerConfig {
  return Object.fromEntries(Object.entries(config ?? {}).filter(([, v]) => v !== null)) as ContainerConfig;
}

/** BaseResolution says how base images are found: `pull` always asks the registry; `platform` picks from an index. */
interface BaseResolution {
  readonly pull: boolean;
  readonly platform: Platform;
  readonly registry: PushOptions | undefined;
}

/**
 * resolveBase finds one base image's manifest digest. Without `pull`, a stored image is used as
 * is and only a missing one is pulled (docker build's default); with `pull` (`--pull`), the
 * reference is always resolved against its registry and pulled when its digest differs from the
 * stored one (blobs already stored are not downloaded again), as BuildKit's force-pull does.
 */
async function resolveBase(store: Store, ref: string, how: BaseResolution): Promise<Digest> {
  if (!how.pull) {
    try {
      return resolveImage(store, ref);
    } catch {
      // Not stored: pull it, as docker build does; only a failed pull is an error.
    }
  }
  const { onBlob: _progress, ...client } = how.registry ?? {};
  try {
    return (await pullImage(store, ref, registryEnv({ ...client, platform: how.platform }))).digest;
  } catch (err) {
    const why = (err as Error).message;
    if (how.pull) throw new InputError(`--pull: cannot resolve base image ${ref} against its registry: ${why}; build without --pull to use the stored copy`, { cause: err });
    throw new InputError(`base image ${ref} is not in the local store (${store.root}) and pulling it failed: ${why}; import, load or pull it first (tsbuild import ROOTFS.tar ${ref})`, { cause: err });
  }
}

/** resolveBases resolves every base image (see resolveBase) and reads its config for the planner. */
async function resolveBases(store: Store, refs: readonly string[], how: BaseResolution): Promise<Map<string, ResolvedImage>> {
  const out = new Map<string, ResolvedImage>();
  for (const ref of refs) {
    const digest = await resolveBase(store, ref, how);
    const img = await readImage(store, digest);
    const c = img.config;
    out.set(ref, {
      ref: img.refs[0] ?? ref,
      digest,
      platform: { os: c.os, architecture: c.architecture, variant: c.variant },
      config: withoutNulls(c.config),
      history: (c.history ?? []).map((h) => ({ ...h })),
      author: c.author,
      onbuild: await parseTriggers(c.config?.OnBuild ?? undefined, ref),
    });
  }
  return out;
}

async function readDockerfile(opts: BuildRequest, contextDir: string): Promise<{ text: string; file: string; path: string | undefined }> {
  if (opts.dockerfileText !== undefined) return { text: opts.dockerfileText, file: opts.dockerfile ?? "Dockerfile", path: undefined };
  const path = opts.dockerfile ? (isAbsolute(opts.dockerfile) ? opts.dockerfile : resolve(opts.dockerfile)) : resolve(contextDir, "Dockerfile");
  const text = await readFile(path, "utf8").catch((err: NodeJS.ErrnoException) => {
    throw new InputError(`cannot read Dockerfile ${path}: ${err.code === "ENOENT" ? "no such file" : err.message}`);
  });
  return { text, file: opts.dockerfile ?? "Dockerfile", path };
}

/** platformsOf returns the build platform (the host) and the target platform `--platform` asks for. */
function platformsOf(opts: BuildRequest): { buildPlatform: Platform; targetPlatform: Platform } {
  const host = hostPlatform();
  const buildPlatform = { os: host.os, architecture: host.architecture, variant: host.variant };
  if (opts.platform === undefined) return { buildPlatform, targetPlatform: buildPlatform };
  const target = hostOnlyPlatform(opts.platform, buildPlatform);
  if ("error" in target) throw new InputError(target.error);
  return { buildPlatform, targetPlatform: target };
}

function planOrThrow(ast: Dockerfile, opts: BuildRequest, file: string, images: ReadonlyMap<string, ResolvedImage>) {
  const r = plan(ast, {
    file,
    target: opts.target,
    buildArgs: new Map(Object.entries(opts.buildArgs ?? {})),
    ...platformsOf(opts),
    images,
    labels: new Map(Object.entries(opts.labels ?? {})),
  });
  throwOnErrors(r.diagnostics);
  if (!r.plan) throw new DockerfileSyntaxError(r.diagnostics);
  return { plan: r.plan, warnings: r.diagnostics };
}

/** wantsPush says whether the build pushes (`--push` or an output with push=true). */
function wantsPush(opts: BuildRequest): boolean {
  return opts.push === true || opts.output?.push === true;
}

/** namesOf lists the image's names: the tags, then the output's `name=` values. */
function namesOf(opts: BuildRequest): string[] {
  return [...(opts.tags ?? []), ...(opts.output?.names ?? [])];
}

/** deliver stores the built image under its names, then writes the requested output, pushes and writes the metadata file. */
async function deliver(store: Store, image: ImagePlan, root: FsResult, opts: BuildRequest) {
  const tags = namesOf(opts);
  const exported = await exportImage(store, image, root, { tags, ...(opts.sourceDateEpoch !== undefined && { sourceDateEpoch: opts.sourceDateEpoch }) });
  if (opts.output) await writeOutput(store, exported.manifestDigest, tags, opts.output, opts.sourceDateEpoch);
  const pushed = await pushTags(store, wantsPush(opts) ? tags : [], opts.registry);
  if (opts.metadataFile) await writeMetadataFile(opts.metadataFile, { ...exported, tags });
  return { exported, tags, pushed };
}

/** pushTags uploads the built image under each tag. */
async function pushTags(store: Store, tags: readonly string[], options: PushOptions | undefined): Promise<PushResult[]> {
  const out: PushResult[] = [];
  for (const tag of tags) out.push(await pushImage(store, tag, registryEnv(options ?? {})));
  return out;
}

/** BuildSession is what runBuild borrows from its builder: the open store and hash cache, and the scheduler whose per-build seams it binds. */
export interface BuildSession {
  readonly store: Store;
  readonly hashCache: HashCache;
  readonly scheduler: Scheduler<FsResult>;
  /** The store's own build cache (what the scheduler reads unless a build binds another). */
  readonly cache: CacheStore<FsResult>;
  readonly runtime: RuntimeName | "auto";
  /** bind points the scheduler's runner, context hasher and (optionally) cache at this build's (builds of one session run one at a time). */
  bind(seams: { readonly runner: OpRunner<FsResult>; readonly context: ContextHasher; readonly cache?: CacheStore<FsResult> }): void;
}

/** checkAbort throws BuildCanceledError between phases once `signal` fired. */
function checkAbort(signal: AbortSignal): void {
  if (signal.aborted) throw new BuildCanceledError(signal.reason);
}

/** prepare reads and plans: Dockerfile, base images from the store, build args (read -> plan). */
async function prepare(session: BuildSession, req: BuildRequest, onEvent: BuildEventListener) {
  const contextDir = resolve(req.context);
  const df = await readDockerfile(req, contextDir);
  const parsed = await parseDockerfile(session.store.root, df.text, df.file);
  throwOnErrors(parsed.diagnostics);
  const refs = imageRefs(parsed.ast, { file: df.file, target: req.target, buildArgs: new Map(Object.entries(req.buildArgs ?? {})), ...platformsOf(req) });
  throwOnErrors(refs.diagnostics);
  const images = await resolveBases(session.store, refs.refs, { pull: req.pull === true, platform: platformsOf(req).targetPlatform, registry: req.registry });
  const planned = planOrThrow(parsed.ast, req, df.file, images);
  for (const diagnostic of planned.warnings) onEvent({ type: "diagnostic", diagnostic, time: Date.now() });
  return { ...planned, df, contextDir };
}

/** contextWarning is a context walk's warning as a diagnostic about the path it names. */
function contextWarning(root: string, w: ContextWarning): Diagnostic {
  return pathWarning(w.code, w.message, w.path === "." ? root : `${root}/${w.path}`);
}

/** runBuild runs one build on `session` and resolves with the stored image; failures are typed errors. */
export async function runBuild(session: BuildSession, req: BuildRequest, onEvent: BuildEventListener, signal: AbortSignal): Promise<BuildResult> {
  const started = Date.now();
  if (wantsPush(req) && namesOf(req).length === 0) throw new InputError("--push needs an image name to push to: give -t REGISTRY/REPOSITORY:TAG");
  checkAbort(signal);
  const sshAgents = await checkSshAgents(req.ssh);
  const { plan: p, warnings, df, contextDir } = await prepare(session, req, onEvent);
  checkAbort(signal);
  const context = await openContext(contextDir, { dockerfile: df.path, skipDirs: [{ path: session.store.root, why: "it is tsbuild's store, which builds never send" }] });
  for (const w of context.warnings) onEvent({ type: "diagnostic", diagnostic: contextWarning(context.root, w), time: Date.now() });
  const services = await createServices(session.store, context, { runtime: session.runtime, secrets: req.secrets, sshAgents, sourceDateEpoch: req.sourceDateEpoch });
  checkAbort(signal);
  const sources = await readCaches(req.cacheFrom ?? [], onEvent);
  const cache = sources.length > 0 ? createImportingCache(session.cache, sources, services) : undefined;
  session.bind({ runner: createOpRunner(services), context: createContextHasher(context, { cache: session.hashCache }), ...(cache ? { cache } : {}) });
  const res = await session.scheduler.execute(p.vertices, { signal, onEvent, dockerfile: df.file, noCache: req.noCache, noCacheFilter: req.noCacheFilter });
  const root = res.results.get(p.root);
  if (!root) throw new InputError("internal: the build finished without a result for its target");
  const { exported, tags, pushed } = await deliver(session.store, p.image, root, req);
  await writeCaches(session.store, p, res, req.cacheTo ?? []);
  return {
    manifestDigest: exported.manifestDigest,
    manifestSize: exported.manifestSize,
    configDigest: exported.configDigest,
    tags,
    layers: exported.layers.map((l) => ({ digest: l.digest, diffId: l.diffId, size: l.size })),
    size: exported.size,
    cached: res.cached.length,
    executed: res.executed.length,
    durationMs: Date.now() - started,
    warnings,
    pushed,
    unusedBuildArgs: p.unusedBuildArgs,
  };
}
