import { randomHex } from "../core/random.js";
import type { Digest } from "../core/digest.js";
import type { Store } from "./store.js";

/** DEFAULT_LEASE_MS bounds how long a lease outlives a process that hangs; a dead process's lease ends at once. */
const DEFAULT_LEASE_MS = 24 * 3600 * 1000;

/** Lease is held by a running operation; content it names, and every blob written since it began, survive prune. */
export interface Lease {
  readonly id: string;
  add(digests: readonly Digest[]): void;
}

/**
 * withLease runs fn while holding a lease in the store's metadata and releases it afterwards
 * (also on failure). Prune keeps every blob committed after the oldest live lease began, which
 * covers the window between a blob's commit and the record that references it.
 */
export async function withLease<T>(store: Store, fn: (lease: Lease) => Promise<T>, ttlMs = DEFAULT_LEASE_MS): Promise<T> {
  const id = `${process.pid}-${randomHex(6)}`;
  // A lease matters only while its process lives, and no process outlives a power loss: its
  // records are committed without the WAL fsync (still atomic, and kept when the process is killed).
  store.meta.relaxed(() => store.meta.addLease(id, process.pid, Date.now() + ttlMs));
  try {
    return await fn({ id, add: (digests) => store.meta.relaxed(() => store.meta.leaseContent(id, digests)) });
  } finally {
    store.meta.relaxed(() => store.meta.releaseLease(id));
  }
}
