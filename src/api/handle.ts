/**
 * BuildHandle is what `build()` and `builder.build()` return: a Promise of the BuildResult (so
 * `await build(opts)` works as it always did) that is also an async iterable of the build's
 * events and can cancel the build.
 */
import { EventChannel } from "../core/event-channel.js";
import type { BuildEvent, BuildEventListener } from "../core/events.js";

/**
 * BuildHandle resolves with the build's result or rejects with its typed error
 * (DockerfileSyntaxError, RunStepError, RegistryError, BuildCanceledError, InputError).
 * Iterating it (`for await (const e of handle)`) yields every event of the build from its start,
 * in order, and ends when the build ends; the loop throws the build's error after the last event.
 * Events are kept until read, so one handle can be iterated once, at any time.
 */
export interface BuildHandle<T> extends Promise<T>, AsyncIterable<BuildEvent> {
  /** cancel stops the build as its AbortSignal would; the handle then rejects with BuildCanceledError. */
  cancel(reason?: string): void;
}

/** Start is the body of a build: it gets the listener to emit to and the signal that cancels it. */
export type Start<T> = (onEvent: BuildEventListener, signal: AbortSignal) => Promise<T>;

/** createHandle starts `start` with a listener feeding both `onEvent` and the handle's iterator, and a signal tied to `signal` and cancel(). */
export function createHandle<T>(opts: { readonly signal?: AbortSignal | undefined; readonly onEvent?: BuildEventListener | undefined }, start: Start<T>): BuildHandle<T> {
  const channel = new EventChannel<BuildEvent>();
  const abort = new AbortController();
  const fromCaller = (): void => abort.abort(opts.signal?.reason);
  if (opts.signal?.aborted) fromCaller();
  else opts.signal?.addEventListener("abort", fromCaller, { once: true });
  const user = opts.onEvent;
  const onEvent: BuildEventListener = user ? (e) => (channel.push(e), user(e)) : channel.push;
  const promise = Promise.resolve()
    .then(() => start(onEvent, abort.signal))
    .then(
      (r) => (channel.close(), r),
      (err: unknown) => {
        channel.close(err);
        throw err;
      },
    )
    .finally(() => opts.signal?.removeEventListener("abort", fromCaller));
  const iterate = (): AsyncIterator<BuildEvent> => {
    // The loop receives the build's error itself; a caller that only iterates must not also get an unhandled rejection.
    promise.catch(() => undefined);
    return channel[Symbol.asyncIterator]();
  };
  return Object.assign(promise, {
    [Symbol.asyncIterator]: iterate,
    cancel: (reason?: string) => abort.abort(reason ?? "cancel() was called"),
  });
}
