import { sha256 } from "../../src/core/digest.js";
import type { Instruction } from "../../src/parser/ast.js";
import { parse } from "../../src/parser/index.js";
import { plan, type PlanInputs, type ResolvedImage } from "../../src/planner/index.js";
import type { ExecOp, Plan, Vertex } from "../../src/planner/plan.js";

export const AMD64 = { os: "linux", architecture: "amd64", variant: undefined } as const;

/** fakeImage is a resolved base image as the API would hand it to the planner. */
export function fakeImage(ref: string, extra: Partial<ResolvedImage> = {}): ResolvedImage {
  return {
    ref: `docker.io/library/${ref}`,
    digest: sha256(ref),
    platform: AMD64,
    config: { Env: ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"], Cmd: ["sh"] },
    history: [{ created_by: `base of ${ref}` }],
    author: undefined,
    onbuild: [] as Instruction[],
    ...extra,
  };
}

const DEFAULT_IMAGES = new Map([
  ["busybox", fakeImage("busybox:latest")],
  ["alpine", fakeImage("alpine:latest")],
]);

/** planText parses and plans a Dockerfile; it fails the test on parse errors. */
export function planText(text: string, inputs: Partial<PlanInputs> = {}): ReturnType<typeof plan> {
  const parsed = parse(text, { file: "Dockerfile" });
  const errors = parsed.diagnostics.filter((d) => d.severity === "error");
  if (errors.length > 0) throw new Error(`parse errors: ${errors.map((d) => d.message).join("; ")}`);
  return plan(parsed.ast, {
    file: "Dockerfile",
    buildArgs: new Map(),
    buildPlatform: AMD64,
    images: DEFAULT_IMAGES,
    ...inputs,
  });
}

/** mustPlan returns the plan, failing with the diagnostics when there is none. */
export function mustPlan(text: string, inputs: Partial<PlanInputs> = {}): Plan {
  const r = planText(text, inputs);
  if (!r.plan) throw new Error(`no plan: ${r.diagnostics.map((d) => `${d.range.start.line}: ${d.message}`).join("; ")}`);
  return r.plan;
}

/** execs returns the exec ops of a plan in order. */
export function execs(p: Plan): ExecOp[] {
  return p.vertices.flatMap((v: Vertex) => (v.op.kind === "exec" ? [v.op] : []));
}

/** envOf returns an exec op's environment as a map. */
export function envOf(op: ExecOp): Map<string, string> {
  return new Map(op.env.map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]));
}
