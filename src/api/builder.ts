/**
 * The public build entry points. `createBuilder(opts)` opens the store, the stat-keyed hash cache
 * and one scheduler and keeps them across builds (watch modes rebuild without reopening
 * anything); its builds run one after another. `build(opts)` is a builder used for one build.
 */
import { InputError } from "../core/errors.js";
import type { BuildEventListener } from "../core/events.js";
import type { CacheStore, ContextHasher, OpRunner } from "../executor/index.js";
import { Scheduler } from "../executor/index.js";
import { createFsCache } from "../executor/ops/cache.js";
import type { FsResult } from "../executor/ops/types.js";
import { HashCache } from "../store/hashcache.js";
import { resolveStoreRoot } from "../store/root.js";
import { openStore } from "../store/store.js";
import { runBuild, type BuilderOptions, type BuildOptions, type BuildRequest, type BuildResult, type BuildSession } from "./build.js";
import { createHandle, type BuildHandle } from "./handle.js";

/** Builder runs builds on one open store; `close()` when done. */
export interface Builder {
  /** root is the store directory the builder uses. */
  readonly root: string;
  /** build starts a build once the builder's previous builds have ended; see BuildHandle. */
  build(request: BuildRequest): BuildHandle<BuildResult>;
  /** close waits for the builder's builds to end, then closes the store and hash cache; later builds reject with InputError. */
  close(): Promise<void>;
}

/**
 * createBuilder opens the store at `opts.root` (default as for build()) with its hash cache and a
 * scheduler limited to `opts.jobs` steps at once. Throws InputError when `jobs` is not a positive
 * integer, and the store's error when it cannot be opened.
 */
export function createBuilder(opts: BuilderOptions = {}): Builder {
  const { builder } = openBuilder(opts);
  return builder;
}

/** Seams are what each build binds into the shared scheduler: its op runner, context hasher and, with --cache-from, its cache. */
type Seams = { runner: OpRunner<FsResult>; context: ContextHasher; cache?: CacheStore<FsResult> };

/**
 * boundScheduler makes the builder's one scheduler; its runner, context hasher and cache forward
 * to the seams the running build bound with `bind` (the cache falls back to `local`, the store's;
 * a step outside a build throws).
 */
function boundScheduler(local: CacheStore<FsResult>, jobs: number | undefined): { scheduler: Scheduler<FsResult>; bind: (s: Seams) => void } {
  let seams: Seams | undefined;
  // A build with --cache-from binds a cache that reads the store first, then the imported records.
  const cache = (): CacheStore<FsResult> => seams?.cache ?? local;
  const bound = (): Seams => {
    if (!seams) throw new InputError("internal: a step ran outside a build");
    return seams;
  };
  const scheduler = new Scheduler<FsResult>({
    runner: { run: (v, inputs, ctx) => bound().runner.run(v, inputs, ctx), sourceDigests: (v, signal) => bound().runner.sourceDigests?.(v, signal) ?? Promise.resolve([]) },
    cache: { get: (key) => cache().get(key), put: (key, result) => cache().put(key, result) },
    context: { digestOf: (selectors, signal) => bound().context.digestOf(selectors, signal) },
    ...(jobs !== undefined ? { jobs } : {}),
  });
  return { scheduler, bind: (s) => (seams = s) };
}

/** openBuilder is createBuilder plus the unwrapped run function build() uses (no second handle). */
function openBuilder(opts: BuilderOptions): { builder: Builder; run: (req: BuildRequest, onEvent: BuildEventListener, signal: AbortSignal) => Promise<BuildResult> } {
  if (opts.jobs !== undefined && (!Number.isSafeInteger(opts.jobs) || opts.jobs < 1)) throw new InputError(`jobs must be a positive integer, got ${opts.jobs}`);
  const store = openStore(resolveStoreRoot(opts.root === undefined ? {} : { flag: opts.root }));
  let hashCache: HashCache;
  try {
    hashCache = new HashCache(store.root);
  } catch (err) {
    store.close();
    throw err;
  }
  const local = createFsCache(store);
  const { scheduler, bind } = boundScheduler(local, opts.jobs);
  const session: BuildSession = { store, hashCache, scheduler, cache: local, runtime: opts.runtime ?? "auto", bind };
  let queue: Promise<unknown> = Promise.resolve();
  let closed = false;
  const run = (req: BuildRequest, onEvent: BuildEventListener, signal: AbortSignal): Promise<BuildResult> => {
    if (closed) return Promise.reject(new InputError("this builder is closed; create a new one with createBuilder()"));
    const mine = queue.then(() => runBuild(session, req, onEvent, signal));
    queue = mine.catch(() => undefined); // The next build waits for this one's end, not for its success.
    return mine;
  };
  const builder: Builder = {
    root: store.root,
    build: (req) => createHandle(req, (onEvent, signal) => run(req, onEvent, signal)),
    async close() {
      if (closed) return;
      closed = true;
      await queue;
      hashCache.close();
      store.close();
    },
  };
  return { builder, run };
}

/**
 * build runs one build with a builder of its own (opened and closed around it). The handle is a
 * Promise of the BuildResult and an async iterable of the build's events; failures are typed
 * (DockerfileSyntaxError, RunStepError, BuildCanceledError, InputError).
 */
export function build(opts: BuildOptions): BuildHandle<BuildResult> {
  return createHandle(opts, async (onEvent, signal) => {
    const { builder, run } = openBuilder({ ...(opts.root !== undefined ? { root: opts.root } : {}), ...(opts.runtime !== undefined ? { runtime: opts.runtime } : {}), ...(opts.jobs !== undefined ? { jobs: opts.jobs } : {}) });
    try {
      return await run(opts, onEvent, signal);
    } finally {
      await builder.close();
    }
  });
}
