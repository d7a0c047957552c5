/**
 * analyze() is the first, cheap half of planning: split stages, evaluate global ARGs, expand and
 * resolve every FROM, build the stage dependency graph, pick the target and prune to the stages
 * it needs. It tells the caller which images to resolve before plan() runs (read -> plan -> apply).
 */
import type { Diagnostic } from "../core/diagnostic.js";
import type { Dockerfile } from "../parser/ast.js";
import { automaticArgs } from "../parser/arg-scope.js";
import { processWord } from "../parser/shell/index.js";
import { evalMetaArgs } from "./args.js";
import type { PlanInputs } from "./context.js";
import { formatPlatform, parsePlatform, samePlatform, type Platform } from "./platform.js";
import { findCycle, fromReferences, reachable, resolveBase, resolveFrom, splitStages, stageByName, type StageAst, type StageRef } from "./stages.js";

/** Analysis is the graph half of planning: the stages, what each is based on, the target and the stages it needs, the global ARGs and the images to resolve. */
export interface Analysis {
  readonly stages: readonly StageAst[];
  readonly bases: readonly StageRef[];
  readonly targetIndex: number;
  /** Indices of the stages the target needs, ascending. */
  readonly needed: readonly number[];
  readonly globalArgs: ReadonlyMap<string, string>;
  readonly targetPlatform: Platform;
  /** Image references (as expanded) the needed stages read: bases and `--from` images. */
  readonly imageRefs: readonly string[];
  readonly usedArgs: Set<string>;
}

function pickTarget(stages: readonly StageAst[], target: string | undefined, ast: Dockerfile, diags: Diagnostic[]): number | undefined {
  if (target === undefined) return stages.length - 1;
  const s = stageByName(stages, target);
  if (s) return s.index;
  const names = stages.flatMap((st) => (st.name ? [st.name] : []));
  diags.push({
    code: "UnknownTarget",
    severity: "error",
    message: `target stage ${JSON.stringify(target)} could not be found${names.length ? ` (stages: ${names.join(", ")})` : ""}`,
    file: ast.file,
    range: ast.range,
    notes: [],
  });
  return undefined;
}

/** expandFrom expands a FROM's image (and --platform) against the global scope only. */
function expandFrom(stage: StageAst, scope: ReadonlyMap<string, string>, escapeChar: "\\" | "`", target: Platform, file: string, diags: Diagnostic[]): string | undefined {
  const err = (message: string, range = stage.from.image.range) => {
    diags.push({ code: "InvalidFrom", severity: "error", message, file, range, notes: [] });
    return undefined;
  };
  const r = processWord(stage.from.image.value, scope, { escapeChar });
  if (!r.ok) return err(`cannot expand ${JSON.stringify(stage.from.image.value)}: ${r.message}`);
  if (r.value === "") return err(`base name (${stage.from.image.value}) should not be blank`);
  const pf = stage.from.platform;
  if (pf?.value !== undefined) {
    const pr = processWord(pf.value, scope, { escapeChar });
    if (!pr.ok) return err(`cannot expand --platform: ${pr.message}`, pf.range);
    const p = parsePlatform(pr.value, target);
    if ("error" in p) return err(p.error, pf.range);
    // Deviation: only the target platform can be built for now (no emulation); see DEVIATIONS.md.
    if (!samePlatform(p, target)) {
      return err(`FROM --platform=${pr.value}: building for ${formatPlatform(p)} is not supported: tsbuild builds only for the host platform ${formatPlatform(target)} (no emulation); drop --platform or use $BUILDPLATFORM`, pf.range);
    }
  }
  return r.value;
}

/** analyze runs the graph half of planning; diagnostics receive every error found. */
export function analyze(ast: Dockerfile, inputs: PlanInputs, diags: Diagnostic[]): Analysis | undefined {
  const { metaArgs, stages } = splitStages(ast);
  if (stages.length === 0) {
    diags.push({ code: "NoStages", severity: "error", message: "the Dockerfile has no FROM instruction", file: ast.file, range: ast.range, notes: [] });
    return undefined;
  }
  const targetIndex = pickTarget(stages, inputs.target, ast, diags);
  if (targetIndex === undefined) return undefined;
  const targetPlatform = inputs.targetPlatform ?? inputs.buildPlatform;
  const usedArgs = new Set<string>();
  const auto = automaticArgs(inputs.buildPlatform, targetPlatform, stages[targetIndex]!.name ?? "default");
  const argCtx = { file: ast.file, escapeChar: ast.escapeChar, diagnostics: diags, inputs, usedArgs };
  const globalArgs = evalMetaArgs(metaArgs, auto, argCtx);
  const before = diags.length;
  const bases = stages.map((s): StageRef => {
    const name = expandFrom(s, globalArgs, ast.escapeChar, targetPlatform, ast.file, diags);
    return name === undefined ? { kind: "scratch" } : resolveBase(stages, s.index, name);
  });
  const deps = stages.map((s) => stageDeps(s, stages, bases));
  const cycle = findCycle(deps);
  if (cycle) {
    const names = cycle.map((i) => stages[i]!.name ?? `stage-${i}`);
    diags.push({ code: "CircularDependency", severity: "error", message: `circular dependency between stages: ${names.join(" -> ")}`, file: ast.file, range: stages[cycle[0]!]!.from.range, notes: [] });
  }
  if (diags.length > before && diags.slice(before).some((d) => d.severity === "error")) return undefined;
  const needed = reachable(deps, targetIndex);
  const imageRefs = new Set<string>();
  for (const i of needed) {
    const b = bases[i]!;
    if (b.kind === "image") imageRefs.add(b.ref);
    for (const ref of fromReferences(stages[i]!)) {
      const r = resolveFrom(stages, ref.value);
      if (!("error" in r) && r.kind === "image") imageRefs.add(r.ref);
    }
  }
  return { stages, bases, targetIndex, needed, globalArgs, targetPlatform, imageRefs: [...imageRefs], usedArgs };
}

/** stageDeps lists the stages one stage reads: its base, `--from` stages, and its base's ONBUILD `--from`s. */
function stageDeps(s: StageAst, stages: readonly StageAst[], bases: readonly StageRef[]): number[] {
  const out = new Set<number>();
  const base = bases[s.index]!;
  const refs = fromReferences(s).map((r) => r.value);
  if (base.kind === "stage") {
    out.add(base.index);
    for (const ins of stages[base.index]!.instructions) {
      if (ins.kind !== "ONBUILD") continue;
      const t = ins.trigger;
      if (t.kind === "COPY" && t.from?.value) refs.push(t.from.value);
      if (t.kind === "RUN") for (const m of t.mounts) if (m.from) refs.push(m.from);
    }
  }
  for (const v of refs) {
    const r = resolveFrom(stages, v);
    if (!("error" in r) && r.kind === "stage") out.add(r.index);
  }
  return [...out];
}
