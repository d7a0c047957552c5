/**
 * EventChannel turns a push-style listener (the executor's `onEvent`) into an async iterable for
 * one consumer (`for await (const e of build)`). `push` never blocks: events are buffered until
 * read. `close()` ends the iteration after the buffered events; `close(error)` makes the
 * iteration throw `error` after them. Pushes after close are ignored.
 */
export class EventChannel<T> implements AsyncIterable<T> {
  private readonly buffer: T[] = [];
  private waiting: ((r: IteratorResult<T>) => void) | undefined;
  private failWaiting: ((e: unknown) => void) | undefined;
  private closed = false;
  private error: { readonly value: unknown } | undefined;
  private iterating = false;

  /** push queues one event (bound, so it can be passed as a listener). */
  readonly push = (event: T): void => {
    if (this.closed) return;
    if (this.waiting) return this.settle({ value: event, done: false });
    this.buffer.push(event);
  };

  /** close ends the stream, optionally with an error the consumer receives after the buffered events. */
  close(error?: unknown): void {
    if (this.closed) return;
    this.closed = true;
    if (arguments.length > 0) this.error = { value: error };
    if (!this.waiting) return;
    if (this.error) {
      const fail = this.failWaiting!;
      this.waiting = this.failWaiting = undefined;
      fail(this.error.value);
    } else this.settle({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    if (this.iterating) throw new TypeError("EventChannel supports one consumer");
    this.iterating = true;
    return { next: () => this.next() };
  }

  private next(): Promise<IteratorResult<T>> {
    if (this.buffer.length > 0) return Promise.resolve({ value: this.buffer.shift()!, done: false });
    if (this.closed) return this.error ? Promise.reject(this.error.value) : Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.waiting = resolve;
      this.failWaiting = reject;
    });
  }

  private settle(r: IteratorResult<T>): void {
    const resolve = this.waiting!;
    this.waiting = this.failWaiting = undefined;
    resolve(r);
  }
}
