/**
 * settled waits for every promise in `all` (so none is left running or unobserved when one fails)
 * and resolves with their values in order, or rejects with the first failure in list order, so
 * that steps run at once report the same error as when run one after another.
 */
export async function settled<T extends readonly unknown[]>(all: { readonly [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const results = await Promise.allSettled(all);
  for (const r of results) if (r.status === "rejected") throw r.reason;
  return results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as unknown as T;
}
