/** ByteStream is any ordered source of bytes: a Node stream, an async generator, or an array of buffers. */
export type ByteStream = AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

/** asyncIteratorOf iterates a ByteStream asynchronously. */
export function asyncIteratorOf(source: ByteStream): AsyncIterator<Uint8Array> {
  if (Symbol.asyncIterator in source) return source[Symbol.asyncIterator]();
  return (async function* () {
    yield* source;
  })();
}

/**
 * ByteSource reads exact byte counts from an async stream of chunks. It never buffers more than
 * one upstream chunk beyond what was asked, so memory stays bounded by the chunk size.
 */
export class ByteSource {
  private readonly it: AsyncIterator<Uint8Array>;
  private pending: Buffer = Buffer.alloc(0);
  private ended = false;

  constructor(source: ByteStream) {
    this.it = asyncIteratorOf(source);
  }

  /** fill pulls one more upstream chunk; returns false at end of stream. */
  private async fill(): Promise<boolean> {
    if (this.ended) return false;
    const r = await this.it.next();
    if (r.done) {
      this.ended = true;
      return false;
    }
    const chunk = Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength);
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    return true;
  }

  /** read returns exactly n bytes, or fewer only at end of stream. */
  async read(n: number): Promise<Buffer> {
    while (this.pending.length < n && (await this.fill()));
    const out = this.pending.subarray(0, n);
    this.pending = this.pending.subarray(out.length);
    return out;
  }

  /** chunks yields the next n bytes in upstream-sized pieces; it stops early only at end of stream. */
  async *chunks(n: number): AsyncGenerator<Buffer> {
    let left = n;
    while (left > 0) {
      if (this.pending.length === 0 && !(await this.fill())) return;
      const out = this.pending.subarray(0, Math.min(left, this.pending.length));
      this.pending = this.pending.subarray(out.length);
      left -= out.length;
      yield out;
    }
  }

  /** skip discards n bytes and returns how many were actually there. */
  async skip(n: number): Promise<number> {
    let got = 0;
    for await (const c of this.chunks(n)) got += c.length;
    return got;
  }

  /** restIsZero drains the stream and reports whether every remaining byte is zero. */
  async restIsZero(): Promise<boolean> {
    let zero = true;
    do {
      if (this.pending.some((b) => b !== 0)) zero = false;
      this.pending = Buffer.alloc(0);
    } while (await this.fill());
    return zero;
  }
}
