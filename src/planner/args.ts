/**
 * ARG scoping as BuildKit implements it (Dockerfile reference "ARG", "Scope"):
 *
 * - ARGs before the first FROM are global ("meta") ARGs, evaluated in order against the automatic
 *   platform ARGs and earlier meta ARGs; a --build-arg replaces a default. They are visible only to
 *   FROM lines, and to `ARG NAME` (no default) inside a stage, which brings the global value in.
 * - Inside a stage, `ARG NAME=default` takes the --build-arg value if given, else the default
 *   expanded against the stage's environment. From that line on, the value is in the environment
 *   of later instructions (and RUN), but never in the image config.
 */
import type { ArgInstruction } from "../parser/ast.js";
import { processWord } from "../parser/shell/index.js";
import { report, type PlanContext } from "./context.js";
import { makeExpander } from "./expand.js";
import { commitHistory, type StageState } from "./state.js";

/** NON_ENV_ARGS are declared like ARGs but never put in the environment (BuildKit's nonEnvArgs). */
const NON_ENV_ARGS = new Set(["BUILDKIT_SBOM_SCAN_CONTEXT", "BUILDKIT_SBOM_SCAN_STAGE"]);

/**
 * evalMetaArgs evaluates the global ARGs. Returns the global scope (automatic ARGs, overridden by
 * build args of the same name, then meta ARGs) and records which build args were used.
 */
export function evalMetaArgs(
  metaArgs: readonly ArgInstruction[],
  automatic: ReadonlyMap<string, string>,
  ctx: Pick<PlanContext, "file" | "escapeChar" | "diagnostics" | "inputs" | "usedArgs">,
): Map<string, string> {
  const scope = new Map(automatic);
  for (const [k, v] of ctx.inputs.buildArgs) {
    if (scope.has(k)) {
      scope.set(k, v);
      ctx.usedArgs.add(k);
    }
  }
  for (const ins of metaArgs) {
    for (const decl of ins.decls) {
      const key = decl.name.value;
      const given = ctx.inputs.buildArgs.get(key);
      if (given !== undefined) {
        ctx.usedArgs.add(key);
        scope.set(key, given);
      } else if (decl.defaultValue) {
        const r = processWord(decl.defaultValue.value, scope, { escapeChar: ctx.escapeChar });
        if (!r.ok) {
          ctx.diagnostics.push({
            code: "ExpansionError",
            severity: "error",
            message: `cannot expand ARG ${key}: ${r.message}`,
            file: ctx.file,
            range: decl.defaultValue.range,
            notes: [],
          });
          continue;
        }
        scope.set(key, r.value);
      }
    }
  }
  return scope;
}

/** lowerArg applies a stage ARG instruction to the state (BuildKit's dispatchArg). */
export function lowerArg(ins: ArgInstruction, state: StageState, ctx: PlanContext): void {
  const parts: string[] = [];
  for (const decl of ins.decls) {
    const key = decl.name.value;
    if (key === "") {
      report(ctx, "error", "InvalidArg", "ARG names can not be blank", decl.range);
      continue;
    }
    const given = ctx.inputs.buildArgs.get(key);
    let value: string | undefined;
    if (given !== undefined) {
      value = given;
      ctx.usedArgs.add(key);
    } else if (decl.defaultValue) {
      // Each default sees the environment as it stands after the previous declarations.
      const x = makeExpander(state.env, ctx.escapeChar, ctx.file, ctx.diagnostics);
      value = x.word(decl.defaultValue.value, decl.defaultValue.range);
    } else {
      value = ctx.globalArgs.get(key);
    }
    if (value !== undefined && !NON_ENV_ARGS.has(key)) state.env.set(key, value);
    state.args.push({ key, value });
    parts.push(value === undefined ? key : `${key}=${value}`);
  }
  commitHistory(state, `ARG ${parts.join(" ")}`, false, false);
}
