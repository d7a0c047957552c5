/**
 * Byte sizes written the way Docker and BuildKit read them (go-units' RAMInBytes): a number,
 * optionally with a fraction, then an optional unit b, k, m, g, t or p (any case), optionally
 * followed by `i` and/or `b`; every unit is a power of 1024 (`64m` and `64MiB` and `64MB` are
 * 67108864 bytes).
 */
const RAM_SIZE = /^(\d+(?:\.\d+)?) ?([bkmgtp])?i?b?$/i;

/** ramInBytes reads `text` as RAMInBytes does; undefined when it is not such a size. */
export function ramInBytes(text: string): number | undefined {
  const m = RAM_SIZE.exec(text.trim());
  if (!m) return undefined;
  const power = "bkmgtp".indexOf((m[2] ?? "b").toLowerCase());
  return Math.floor(Number(m[1]) * 1024 ** power);
}
