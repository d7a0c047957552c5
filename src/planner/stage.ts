/**
 * lowerStage turns one stage into vertices: it starts from the base (image, scratch or an earlier
 * stage's final state), runs the base's ONBUILD triggers, then lowers each instruction.
 */
import type { Instruction } from "../parser/ast.js";
import { lowerArg } from "./args.js";
import { addVertex, type PlanContext } from "./context.js";
import { makeExpander } from "./expand.js";
import { lowerCmd, lowerEntrypoint, lowerShell } from "./lower/command.js";
import { lowerCopy } from "./lower/copy.js";
import { lowerEnv, lowerLabel } from "./lower/env.js";
import { lowerExpose } from "./lower/expose.js";
import { lowerHealthcheck, lowerMaintainer, lowerOnbuild, lowerStopsignal, lowerUser, lowerVolume } from "./lower/meta.js";
import { nextLabel } from "./lower/progress.js";
import { lowerRun } from "./lower/run.js";
import { imageVertex } from "./lower/sources.js";
import { lowerWorkdir } from "./lower/workdir.js";
import type { StageAst, StageRef } from "./stages.js";
import { DEFAULT_PATH, cloneConfig, envFromList, type StageState } from "./state.js";

const LAYER_KINDS = new Set(["RUN", "COPY", "ADD", "WORKDIR"]);

/** initState builds the starting state from the base; undefined when the base is unavailable. */
function initState(stage: StageAst, base: StageRef, ctx: PlanContext, displayName: string): { state: StageState; triggers: readonly Instruction[] } | undefined {
  const common = { index: stage.index, displayName, cmdIndex: 0, workdirSet: false, cmdSet: false, onbuild: [] as Instruction[] };
  const cmdTotal = stage.instructions.filter((i) => LAYER_KINDS.has(i.kind)).length + (base.kind === "image" ? 1 : 0);
  if (base.kind === "stage") {
    const from = ctx.done[base.index];
    if (!from) return undefined;
    const config = cloneConfig(from.config);
    delete config.OnBuild; // triggers run here and are not passed on to grandchildren
    const state: StageState = { ...common, cmdTotal, platform: from.platform, root: from.root, config, author: from.author, history: [...from.history], env: new Map(from.env), args: [...from.args] };
    return { state, triggers: from.onbuild };
  }
  if (base.kind === "scratch") {
    const root = addVertex(ctx, { kind: "scratch" }, [], { name: "scratch", stage: displayName, range: stage.from.range });
    const config = cloneConfig({ Env: [`PATH=${DEFAULT_PATH}`], WorkingDir: "/" });
    const state: StageState = { ...common, cmdTotal, platform: ctx.targetPlatform, root, config, author: undefined, history: [], env: envFromList(config.Env), args: [] };
    return { state, triggers: [] };
  }
  const img = ctx.inputs.images.get(base.ref);
  const root = imageVertex(base.ref, ctx, displayName, stage.from.range);
  if (!img || !root) return undefined;
  const config = cloneConfig(img.config);
  delete config.OnBuild;
  // BuildKit gives every stage a PATH: an image config without one gets the default appended.
  if (!envFromList(config.Env).has("PATH")) config.Env = [...config.Env, `PATH=${DEFAULT_PATH}`];
  const state: StageState = { ...common, cmdTotal, platform: img.platform, root, config, author: img.author, history: [...img.history], env: envFromList(config.Env), args: [] };
  nextLabel(state, `FROM ${img.ref}`);
  return { state, triggers: img.onbuild };
}

/** lowerInstruction dispatches one instruction; every word sees the env from before it. */
export function lowerInstruction(ins: Instruction, state: StageState, ctx: PlanContext, onbuild: boolean): void {
  const x = makeExpander(state.env, ctx.escapeChar, ctx.file, ctx.diagnostics);
  switch (ins.kind) {
    case "RUN": return lowerRun(ins, state, x, ctx, onbuild);
    case "COPY":
    case "ADD": return lowerCopy(ins, state, x, ctx, onbuild);
    case "WORKDIR": return lowerWorkdir(ins, state, x, ctx);
    case "ENV": return lowerEnv(ins, state, x);
    case "LABEL": return lowerLabel(ins, state, x);
    case "ARG": return lowerArg(ins, state, ctx);
    case "USER": return lowerUser(ins, state, x);
    case "EXPOSE": return lowerExpose(ins, state, x, ctx);
    case "VOLUME": return lowerVolume(ins, state, x, ctx);
    case "STOPSIGNAL": return lowerStopsignal(ins, state, x, ctx);
    case "CMD": return lowerCmd(ins, state);
    case "ENTRYPOINT": return lowerEntrypoint(ins, state);
    case "SHELL": return lowerShell(ins, state);
    case "HEALTHCHECK": return lowerHealthcheck(ins, state);
    case "MAINTAINER": return lowerMaintainer(ins, state);
    case "ONBUILD": return lowerOnbuild(ins, state);
    case "FROM":
    case "UNKNOWN":
      return; // FROM starts stages (splitStages); UNKNOWN was reported by the parser.
  }
}

/** lowerStage lowers one stage and records its final state in ctx.done. */
export function lowerStage(stage: StageAst, base: StageRef, ctx: PlanContext, single: boolean): void {
  const displayName = single ? "" : (stage.name ?? `stage-${stage.index}`);
  const init = initState(stage, base, ctx, displayName);
  if (!init) return;
  const { state, triggers } = init;
  for (const t of triggers) lowerInstruction(t, state, ctx, true);
  for (const ins of stage.instructions) lowerInstruction(ins, state, ctx, false);
  ctx.done[stage.index] = state;
}
