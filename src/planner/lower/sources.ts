import type { Digest } from "../../core/digest.js";
import type { SourceRange } from "../../core/diagnostic.js";
import { addVertex, report, type PlanContext } from "../context.js";
import { resolveFrom } from "../stages.js";
import type { StageState } from "../state.js";

/** imageVertex returns the vertex of a resolved base image, or reports that it was not resolved. */
export function imageVertex(ref: string, ctx: PlanContext, stage: string, range: SourceRange): Digest | undefined {
  const img = ctx.inputs.images.get(ref);
  if (!img) {
    report(ctx, "error", "UnresolvedImage", `image ${JSON.stringify(ref)} was not resolved before planning`, range);
    return undefined;
  }
  return addVertex(ctx, { kind: "image", ref: img.ref, digest: img.digest }, [], { name: `FROM ${img.ref}@${img.digest}`, stage, range });
}

/**
 * fromSource resolves a `--from` value to the vertex it reads: a stage defined BEFORE the current
 * one (BuildKit requires it to be dispatched first), `scratch`, or an image.
 */
export function fromSource(value: string, state: StageState, ctx: PlanContext, range: SourceRange): Digest | undefined {
  const r = resolveFrom(ctx.stages, value);
  if ("error" in r) {
    report(ctx, "error", "InvalidFrom", r.error, range);
    return undefined;
  }
  if (r.kind === "scratch") return addVertex(ctx, { kind: "scratch" }, [], { name: "scratch", stage: state.displayName, range });
  if (r.kind === "image") return imageVertex(r.ref, ctx, state.displayName, range);
  const done = ctx.done[r.index];
  if (r.index >= state.index || !done) {
    report(
      ctx,
      "error",
      "InvalidFrom",
      `cannot copy from stage ${JSON.stringify(value)}, it needs to be defined before current stage ${JSON.stringify(state.displayName)}`,
      range,
    );
    return undefined;
  }
  return done.root;
}
