/**
 * The executor's public surface: the Scheduler (topological, parallel, deduplicating, cancelable
 * walk of a Plan), cache keys, and the interfaces the ops, the cache store and the build-context
 * hasher implement.
 */
export { Scheduler, type ExecuteOptions, type ExecuteResult, type SchedulerOptions } from "./scheduler.js";
export { cacheKey, contextSelectors, readsCache, type CachePolicy } from "./cachekey.js";
export { LOG_TAIL_LINES } from "./log-tail.js";
export type { ByteProgress, CacheStore, ContextHasher, ContextSelector, OpContext, OpRunner, ResolvedInput } from "./types.js";
