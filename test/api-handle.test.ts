// The build handle without a real build: it is a Promise of the result and an async iterable of
// every event from the start; the loop throws the build's error; cancel() and the caller's
// signal abort the build's signal; options are strict types (checked by `tsc` in npm test).
import { describe, expect, it } from "vitest";
import { build, createBuilder, InputError, type BuildEvent, type BuildOptions } from "../src/api/index.js";
import { createHandle } from "../src/api/handle.js";

const log = (data: string): BuildEvent => ({ type: "log", vertex: `sha256:${"a".repeat(64)}` as never, stream: "stdout", data, time: 1 });
const tick = () => new Promise((r) => setTimeout(r, 5));

describe("build handle", () => {
  it("resolves like a promise and replays every event to a late iterator", async () => {
    const seen: string[] = [];
    const h = createHandle({ onEvent: (e) => seen.push((e as { data: string }).data) }, async (emit) => {
      emit(log("one"));
      await tick();
      emit(log("two"));
      return 42;
    });
    expect(await h).toBe(42);
    const got: string[] = [];
    for await (const e of h) got.push((e as { data: string }).data);
    expect(got).toEqual(["one", "two"]);
    expect(seen).toEqual(["one", "two"]);
  });

  it("throws the build's error from the loop after the events, without an unhandled rejection", async () => {
    const h = createHandle({}, async (emit) => {
      emit(log("before"));
      await tick();
      throw new InputError("boom");
    });
    const got: string[] = [];
    await expect(
      (async () => {
        for await (const e of h) got.push((e as { data: string }).data);
      })(),
    ).rejects.toThrow("boom");
    expect(got).toEqual(["before"]);
  });

  it("aborts the build's signal on cancel() and on the caller's signal", async () => {
    const reasons: unknown[] = [];
    const body = (_emit: unknown, signal: AbortSignal) =>
      new Promise<never>((_, reject) => {
        const stop = () => (reasons.push(signal.reason), reject(signal.reason));
        if (signal.aborted) stop();
        else signal.addEventListener("abort", stop);
      });
    const a = createHandle({}, body);
    a.cancel("stop");
    await expect(a).rejects.toBe("stop");
    const ctl = new AbortController();
    const b = createHandle({ signal: ctl.signal }, body);
    await tick();
    ctl.abort("caller");
    await expect(b).rejects.toBe("caller");
    expect(reasons).toEqual(["stop", "caller"]);
    const pre = new AbortController();
    pre.abort("early");
    let sawAborted = false;
    await createHandle({ signal: pre.signal }, async (_e, signal) => (sawAborted = signal.aborted));
    expect(sawAborted).toBe(true);
  });
});

describe("build options", () => {
  it("are strict object types: a misspelled option does not compile", () => {
    const typo = (): BuildOptions => ({
      context: ".",
      // @ts-expect-error `tag` is not an option (it is `tags`); tsc fails if this ever compiles.
      tag: ["app"],
    });
    expect(typeof typo).toBe("function");
    const builderTypo = () => createBuilder({
      // @ts-expect-error `context` belongs to a build request, not to the builder.
      context: ".",
    });
    expect(typeof builderTypo).toBe("function");
    expect(typeof build).toBe("function");
  });

  it("rejects a job limit that is not a positive integer before opening a store", () => {
    expect(() => createBuilder({ jobs: 0, root: "/nonexistent/tsbuild-jobs-test" })).toThrow(InputError);
    expect(() => createBuilder({ jobs: 1.5, root: "/nonexistent/tsbuild-jobs-test" })).toThrow(/jobs must be a positive integer, got 1.5/);
  });
});
