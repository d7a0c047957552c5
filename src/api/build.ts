/**
 * build() is the composition root of `tsbuild build`: read everything the plan depends on
 * (Dockerfile, base images from the store, build args), plan, then execute on the scheduler with
 * the real ops, and export the image into the store (read -> plan -> apply).
 */
import { readFile } from "node:fs/promises";
import { isAbsolute, resolve } from "node:path";
import type { Digest } from "../core/digest.js";
import type { Diagnostic } from "../core/diagnostic.js";
import { DockerfileSyntaxError, InputError } from "../core/errors.js";
import type { BuildEventListener } from "../core/events.js";
import { createContextHasher, openContext } from "../executor/context.js";
import { Scheduler } from "../executor/index.js";
import { exportImage } from "../executor/export.js";
import { createFsCache } from "../executor/ops/cache.js";
import { createOpRunner } from "../executor/ops/runner.js";
import { hostPlatform } from "../image/platform.js";
import { parse } from "../parser/index.js";
import type { Dockerfile, Instruction } from "../parser/ast.js";
import { imageRefs, plan, type ContainerConfig, type ResolvedImage } from "../planner/index.js";
import type { ImagePlan } from "../planner/plan.js";
import type { FsResult } from "../executor/ops/types.js";
import { resolveStoreRoot } from "../store/root.js";
import { HashCache } from "../store/hashcache.js";
import { openStore, type Store } from "../store/store.js";
import { createServices, type RuntimeName } from "./services.js";
import { writeMetadataFile, writeOutput, type BuildOutput } from "./build-output.js";
import { push as pushImage, type PushOptions, type PushResult } from "../registry/push.js";
import { registryEnv } from "./registry.js";
import { readImage, resolveImage } from "../image/images.js";
import { pull as pullImage } from "../registry/pull.js";
import { registryEnv } from "./registry.js";

/** BuildOptions are the inputs of one build. Unknown options are type errors. */
export interface BuildOptions {
  /** The build context directory. */
  readonly context: string;
  /** Dockerfile path (default `<context>/Dockerfile`), or its text with `dockerfileText`. */
  readonly dockerfile?: string;
  readonly dockerfileText?: string;
  readonly target?: string;
  readonly buildArgs?: Readonly<Record<string, string>>;
  readonly labels?: Readonly<Record<string, string>>;
  readonly tags?: readonly string[];
  readonly noCache?: boolean;
  readonly noCacheFilter?: readonly string[];
  /** Secrets for `RUN --mount=type=secret`, by id. */
  readonly secrets?: Readonly<Record<string, Uint8Array | string>>;
  /** Seconds since the epoch: image and layer times are set or clamped to it (reproducible builds). */
  readonly sourceDateEpoch?: number;
  /** Parallel ops (default: CPU cores). */
  readonly jobs?: number;
  /** Store root (default: TSBUILD_ROOT, /var/lib/tsbuild for root, else the XDG data dir). */
  readonly root?: string;
  /** Sandbox driver: runc, crun, builtin, or auto (the first installed of runc, crun, then builtin). */
  readonly runtime?: RuntimeName | "auto";
  /** Where the image goes besides the store (`--output`); default: the store only. */
  readonly output?: BuildOutput;
  /** Push every tag to its registry after the build (`--push`). */
  readonly push?: boolean;
  /** Registry client options for the push (credentials, insecure registries). */
  readonly registry?: PushOptions;
  /** Write BuildKit's `--metadata-file` JSON here. */
  readonly metadataFile?: string;
  readonly signal?: AbortSignal;
  readonly onEvent?: BuildEventListener;
}

/** BuildResult describes the image a build produced. */
export interface BuildResult {
  readonly manifestDigest: Digest;
  readonly manifestSize: number;
  readonly configDigest: Digest;
  readonly tags: readonly string[];
  readonly layers: readonly { readonly digest: Digest; readonly diffId: Digest; readonly size: number }[];
  readonly size: number;
  readonly cached: number;
  readonly executed: number;
  readonly durationMs: number;
  readonly warnings: readonly Diagnostic[];
  /** What `push` uploaded, one entry per tag. */
  readonly pushed: readonly PushResult[];
  /** Build args given but used by no stage the target needs (BuildKit warns about these). */
  readonly unusedBuildArgs: readonly string[];
}

function throwOnErrors(diags: readonly Diagnostic[]): void {
  if (diags.some((d) => d.severity === "error")) throw new DockerfileSyntaxError(diags);
}

/** parseTriggers parses an image's ONBUILD trigger texts. */
function parseTriggers(texts: readonly string[] | undefined, ref: string): Instruction[] {
  return (texts ?? []).map((t) => {
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

/** resolveBases looks every base image up in the local store, pulling those it lacks from their registries. */
async function resolveBases(store: Store, refs: readonly string[]): Promise<Map<string, ResolvedImage>> {
  const out = new Map<string, ResolvedImage>();
  for (const ref of refs) {
    let digest: Digest;
    try {
      digest = resolveImage(store, ref);
    } catch {
      // Not stored: pull it, as docker build does; only a failed pull is an error.
      try {
        digest = (await pullImage(store, ref, registryEnv({}))).digest;
      } catch (err) {
        throw new InputError(`base image ${ref} is not in the local store (${store.root}) and pulling it failed: ${(err as Error).message}; import, load or pull it first (tsbuild import ROOTFS.tar ${ref})`, { cause: err });
      }
    }
    const img = await readImage(store, digest);
    const c = img.config;
    out.set(ref, {
      ref: img.refs[0] ?? ref,
      digest,
      platform: { os: c.os, architecture: c.architecture, variant: c.variant },
      config: withoutNulls(c.config),
      history: (c.history ?? []).map((h) => ({ ...h })),
      author: c.author,
      onbuild: parseTriggers(c.config?.OnBuild ?? undefined, ref),
    });
  }
  return out;
}

async function readDockerfile(opts: BuildOptions, contextDir: string): Promise<{ text: string; file: string; path: string | undefined }> {
  if (opts.dockerfileText !== undefined) return { text: opts.dockerfileText, file: opts.dockerfile ?? "Dockerfile", path: undefined };
  const path = opts.dockerfile ? (isAbsolute(opts.dockerfile) ? opts.dockerfile : resolve(opts.dockerfile)) : resolve(contextDir, "Dockerfile");
  const text = await readFile(path, "utf8").catch((err: NodeJS.ErrnoException) => {
    throw new InputError(`cannot read Dockerfile ${path}: ${err.code === "ENOENT" ? "no such file" : err.message}`);
  });
  return { text, file: opts.dockerfile ?? "Dockerfile", path };
}

function planOrThrow(ast: Dockerfile, opts: BuildOptions, file: string, images: ReadonlyMap<string, ResolvedImage>) {
  const platform = hostPlatform();
  const r = plan(ast, {
    file,
    target: opts.target,
    buildArgs: new Map(Object.entries(opts.buildArgs ?? {})),
    buildPlatform: { os: platform.os, architecture: platform.architecture, variant: platform.variant },
    images,
    labels: new Map(Object.entries(opts.labels ?? {})),
  });
  throwOnErrors(r.diagnostics);
  if (!r.plan) throw new DockerfileSyntaxError(r.diagnostics);
  return { plan: r.plan, warnings: r.diagnostics };
}

/** wantsPush says whether the build pushes (`--push` or an output with push=true). */
function wantsPush(opts: BuildOptions): boolean {
  return opts.push === true || opts.output?.push === true;
}

/** namesOf lists the image's names: the tags, then the output's `name=` values. */
function namesOf(opts: BuildOptions): string[] {
  return [...(opts.tags ?? []), ...(opts.output?.names ?? [])];
}

/** deliver stores the built image under its names, then writes the requested output, pushes and writes the metadata file. */
async function deliver(store: Store, image: ImagePlan, root: FsResult, opts: BuildOptions) {
  const tags = namesOf(opts);
  const exported = await exportImage(store, image, root, { tags, created: opts.sourceDateEpoch ?? Math.floor(Date.now() / 1000) });
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

/** build runs one build and resolves with the stored image; failures are typed errors. */
export async function build(opts: BuildOptions): Promise<BuildResult> {
  const started = Date.now();
  if (wantsPush(opts) && namesOf(opts).length === 0) throw new InputError("--push needs an image name to push to: give -t REGISTRY/REPOSITORY:TAG");
  const contextDir = resolve(opts.context);
  const df = await readDockerfile(opts, contextDir);
  const parsed = parse(df.text, { file: df.file });
  throwOnErrors(parsed.diagnostics);
  const store = openStore(resolveStoreRoot(opts.root === undefined ? {} : { flag: opts.root }));
  let hashCache: HashCache | undefined;
  try {
    const platform = hostPlatform();
    const refs = imageRefs(parsed.ast, { file: df.file, target: opts.target, buildArgs: new Map(Object.entries(opts.buildArgs ?? {})), buildPlatform: { os: platform.os, architecture: platform.architecture, variant: platform.variant } });
    throwOnErrors(refs.diagnostics);
    const images = await resolveBases(store, refs.refs);
    const { plan: p, warnings } = planOrThrow(parsed.ast, opts, df.file, images);
    for (const diagnostic of warnings) opts.onEvent?.({ type: "diagnostic", diagnostic, time: Date.now() });
    const context = await openContext(contextDir, { dockerfile: df.path });
    hashCache = new HashCache(store.root);
    const services = await createServices(store, context, opts);
    const scheduler = new Scheduler({ runner: createOpRunner(services), cache: createFsCache(store), context: createContextHasher(context, { cache: hashCache }), ...(opts.jobs !== undefined ? { jobs: opts.jobs } : {}) });
    const res = await scheduler.execute(p.vertices, { signal: opts.signal, onEvent: opts.onEvent, dockerfile: df.file, noCache: opts.noCache, noCacheFilter: opts.noCacheFilter });
    const root = res.results.get(p.root);
    if (!root) throw new InputError("internal: the build finished without a result for its target");
    const { exported, tags, pushed } = await deliver(store, p.image, root, opts);
    return {
      manifestDigest: exported.manifestDigest,
      manifestSize: exported.manifestSize,
      configDigest: exported.configDigest,
      tags,
      pushed,
      layers: exported.layers.map((l) => ({ digest: l.digest, diffId: l.diffId, size: l.size })),
      size: exported.size,
      cached: res.cached.length,
      executed: res.executed.length,
      durationMs: Date.now() - started,
      warnings,
      unusedBuildArgs: p.unusedBuildArgs,
    };
  } finally {
    hashCache?.close();
    store.close();
  }
}
