/**
 * The planner's side of ARG scoping; the rules themselves are in src/parser/arg-scope.ts (shared
 * with the linter). Here expansion failures become diagnostics, used build args are recorded, and
 * each stage ARG enters the image history.
 */
import type { ArgInstruction } from "../parser/ast.js";
import { dispatchArg, evalMetaArgs as evalMetaScope, type ExpandDefault } from "../parser/arg-scope.js";
import { processWord } from "../parser/shell/index.js";
import { report, type PlanContext } from "./context.js";
import { makeExpander } from "./expand.js";
import { commitHistory, type StageState } from "./state.js";

/**
 * evalMetaArgs evaluates the global ARGs. Returns the global scope (automatic ARGs, overridden by
 * build args of the same name, then meta ARGs) and records which build args were used.
 */
export function evalMetaArgs(
  metaArgs: readonly ArgInstruction[],
  automatic: ReadonlyMap<string, string>,
  ctx: Pick<PlanContext, "file" | "escapeChar" | "diagnostics" | "inputs" | "usedArgs">,
): Map<string, string> {
  const expand: ExpandDefault = (value, scope, key) => {
    const r = processWord(value.value, scope, { escapeChar: ctx.escapeChar });
    if (r.ok) return r.value;
    ctx.diagnostics.push({
      code: "ExpansionError",
      severity: "error",
      message: `cannot expand ARG ${key}: ${r.message}`,
      file: ctx.file,
      range: value.range,
      notes: [],
    });
    return undefined;
  };
  const meta = evalMetaScope(metaArgs, automatic, ctx.inputs.buildArgs, expand);
  for (const k of meta.usedBuildArgs) ctx.usedArgs.add(k);
  return meta.values;
}

/** lowerArg applies a stage ARG instruction to the state (BuildKit's dispatchArg). */
export function lowerArg(ins: ArgInstruction, state: StageState, ctx: PlanContext): void {
  for (const decl of ins.decls) {
    if (decl.name.value === "") report(ctx, "error", "InvalidArg", "ARG names can not be blank", decl.range);
  }
  const bindings = dispatchArg(ins, state.env, {
    buildArgs: ctx.inputs.buildArgs,
    globals: ctx.globalArgs,
    // Each default sees the environment as it stands after the previous declarations.
    expand: (value, env) => makeExpander(env, ctx.escapeChar, ctx.file, ctx.diagnostics).word(value.value, value.range),
  });
  const parts: string[] = [];
  for (const { key, value, fromBuildArg } of bindings) {
    if (fromBuildArg) ctx.usedArgs.add(key);
    state.args.push({ key, value });
    parts.push(value === undefined ? key : `${key}=${value}`);
  }
  commitHistory(state, `ARG ${parts.join(" ")}`, false, false);
}
