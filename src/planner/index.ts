/**
 * The planner: `plan(ast, inputs) -> {plan, diagnostics}`, pure, synchronous and deterministic
 * (no fs, no clock, no env). Call imageRefs() first to learn which base images to resolve.
 */
import type { Diagnostic } from "../core/diagnostic.js";
import type { Dockerfile } from "../parser/ast.js";
import { analyze } from "./analyze.js";
import type { PlanContext, PlanInputs } from "./context.js";
import type { Plan } from "./plan.js";
import { lowerStage } from "./stage.js";
import { freezeConfig } from "./state.js";

export type { PlanInputs, ResolvedImage } from "./context.js";
export type * from "./plan.js";
export { formatPlatform, hostOnlyPlatform, parsePlatform, normalizeArch, type Platform } from "./platform.js";

/** PREDEFINED_ARGS never count as unused build args (proxy variables and BuildKit's own args). */
const PREDEFINED_ARGS = /^(https?_proxy|ftp_proxy|no_proxy|all_proxy|HTTPS?_PROXY|FTP_PROXY|NO_PROXY|ALL_PROXY|BUILDKIT_.*|SOURCE_DATE_EPOCH)$/;

/** imageRefs lists the base image references the target needs, as written after ARG expansion. */
export function imageRefs(ast: Dockerfile, inputs: Omit<PlanInputs, "images">): { refs: string[]; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const a = analyze(ast, { ...inputs, images: new Map() }, diagnostics);
  return { refs: a ? [...a.imageRefs] : [], diagnostics };
}

/** plan lowers the stages the target needs into a vertex DAG plus the target's image config. */
export function plan(ast: Dockerfile, inputs: PlanInputs): { plan: Plan | undefined; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const a = analyze(ast, inputs, diagnostics);
  if (!a) return { plan: undefined, diagnostics };
  const ctx: PlanContext = {
    file: ast.file,
    escapeChar: ast.escapeChar,
    inputs,
    targetPlatform: a.targetPlatform,
    stages: a.stages,
    globalArgs: a.globalArgs,
    diagnostics,
    vertices: new Map(),
    done: [],
    usedArgs: a.usedArgs,
  };
  for (const i of a.needed) lowerStage(a.stages[i]!, a.bases[i]!, ctx, a.stages.length === 1);
  const final = ctx.done[a.targetIndex];
  if (!final || diagnostics.some((d) => d.severity === "error")) return { plan: undefined, diagnostics };
  if (inputs.labels && inputs.labels.size > 0) final.config.Labels = { ...final.config.Labels, ...Object.fromEntries(inputs.labels) };
  const unusedBuildArgs = [...inputs.buildArgs.keys()].filter((k) => !ctx.usedArgs.has(k) && !PREDEFINED_ARGS.test(k)).sort();
  return {
    plan: {
      vertices: [...ctx.vertices.values()],
      root: final.root,
      target: { index: a.targetIndex, name: a.stages[a.targetIndex]!.name },
      image: { platform: final.platform, author: final.author, config: freezeConfig(final.config), history: final.history },
      unusedBuildArgs,
    },
    diagnostics,
  };
}
