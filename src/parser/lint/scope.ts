/**
 * The ARG/ENV scope walk the scoping rules need (BuildKit: dispatchEnv, dispatchState.init; the
 * ARG rules are src/parser/arg-scope.ts, which the planner uses too). It evaluates the global
 * (meta) ARGs with the automatic platform ARGs, and records for every instruction the
 * environment, the declared ARG names and the WORKDIR/SHELL state in force just before it.
 * Stages built on another stage (`FROM base`) start from that stage's final state.
 */
import { automaticArgs, dispatchArg, evalMetaArgs, type ExpandDefault, type StageAst } from "../arg-scope.js";
import type { ArgInstruction, Instruction } from "../ast.js";

/** ExpandResult is one expanded word with the variable names it used. */
export interface ExpandResult {
  readonly value: string;
  readonly matched: ReadonlySet<string>;
  readonly unmatched: ReadonlySet<string>;
}

/** Expander is the shell-word expansion the walk and rules use; undefined means a syntax error. */
export interface Expander {
  /** word expands one word (quotes removed, no splitting). */
  word(text: string, env: ReadonlyMap<string, string>): ExpandResult | undefined;
  /** words expands with word splitting (EXPOSE). */
  words(text: string, env: ReadonlyMap<string, string>): readonly string[] | undefined;
  /** raw expands a heredoc body: `\` is the escape character and quotes are kept. */
  raw(text: string, env: ReadonlyMap<string, string>): ExpandResult | undefined;
}

/** StageInfo is one `FROM` and the instructions up to the next one. */
export type StageInfo = StageAst;

/** GlobalScope is what FROM lines see. */
export interface GlobalScope {
  readonly metaArgs: readonly ArgInstruction[];
  /** Automatic platform ARGs plus meta ARGs that have a value (build args applied). */
  readonly values: ReadonlyMap<string, string>;
  /** The same with meta ARG defaults only (no build args), for InvalidDefaultArgInFrom. */
  readonly defaultValues: ReadonlyMap<string, string>;
  /** Names a FROM may use: every meta ARG name and every key of `values`. */
  readonly declared: ReadonlySet<string>;
}

/** Step is one instruction with the scope in force before it. */
export interface Step {
  readonly instruction: Instruction;
  readonly stage: StageInfo;
  /** The stage this stage is built on, when its FROM names an earlier stage. */
  readonly parent: StageInfo | undefined;
  readonly env: ReadonlyMap<string, string>;
  /** ARG names declared in this stage chain (with or without a value). */
  readonly declared: ReadonlySet<string>;
  /** True once a WORKDIR ran in this stage chain. */
  readonly workdirSet: boolean;
  /** True once a SHELL ran in this stage chain. */
  readonly shellSet: boolean;
}

/** platformArgs builds the automatic platform ARGs for one platform string `os/arch[/variant]`, the build's and the target's. */
function platformArgs(platform: string, target: string): Map<string, string> {
  const [os = "linux", architecture = "amd64", variant] = platform.split("/");
  const parts = { os, architecture, variant: variant || undefined };
  return automaticArgs(parts, parts, target);
}

/** defaultOf adapts an Expander to the ARG defaults of src/parser/arg-scope.ts. */
function defaultOf(expander: Expander): ExpandDefault {
  return (value, env) => expander.word(value.value, env)?.value;
}

/** globalScope evaluates the meta ARGs with and without build args. */
export function globalScope(
  metaArgs: readonly ArgInstruction[],
  expander: Expander,
  buildArgs: ReadonlyMap<string, string>,
  platform: string,
  target: string,
): GlobalScope {
  const auto = platformArgs(platform, target);
  const withArgs = evalMetaArgs(metaArgs, auto, buildArgs, defaultOf(expander));
  // The defaults still see build args that replace automatic ARGs.
  const automaticOnly = new Map([...buildArgs].filter(([key]) => auto.has(key)));
  const defaults = evalMetaArgs(metaArgs, auto, automaticOnly, defaultOf(expander));
  const declared = new Set([...withArgs.names, ...withArgs.values.keys()]);
  return { metaArgs, values: withArgs.values, defaultValues: defaults.values, declared };
}

/** State is the mutable walk state of one stage chain; maps are replaced, never mutated. */
interface State {
  env: ReadonlyMap<string, string>;
  declared: ReadonlySet<string>;
  workdirSet: boolean;
  shellSet: boolean;
}

/** WalkInput is what walkSteps needs. */
export interface WalkInput {
  readonly stages: readonly StageInfo[];
  readonly global: GlobalScope;
  readonly expander: Expander;
  readonly buildArgs: ReadonlyMap<string, string>;
  readonly baseImageEnv: ((image: string) => readonly string[] | undefined) | undefined;
}

/**
 * parentOf finds the stage a FROM builds on: the latest earlier stage whose name equals the
 * base name expanded with the global ARGs (lower-cased), from `earlier` (name -> stage).
 */
function parentOf(stage: StageInfo, earlier: ReadonlyMap<string, StageInfo>, global: GlobalScope, expander: Expander): StageInfo | undefined {
  const base = expander.word(stage.from.image.value, global.values)?.value.toLowerCase();
  return base === undefined ? undefined : earlier.get(base);
}

/** initialState is the state a stage starts from: its parent's end state, or a base image's. */
function initialState(stage: StageInfo, parentEnd: State | undefined, input: WalkInput): State {
  if (parentEnd) return parentEnd;
  // Every image BuildKit builds on has a PATH (it adds a default one when missing).
  // Deviation: other base image variables are known only through `baseImageEnv`.
  const env = new Map([["PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]]);
  const image = input.expander.word(stage.from.image.value, input.global.values)?.value;
  for (const name of (image !== undefined ? input.baseImageEnv?.(image) : undefined) ?? []) {
    if (!env.has(name)) env.set(name, "");
  }
  return { env, declared: new Set(), workdirSet: false, shellSet: false };
}

/** applyArg updates the state for one ARG instruction (dispatchArg). */
function applyArg(arg: ArgInstruction, s: State, input: WalkInput): State {
  const env = new Map(s.env);
  const declared = new Set(s.declared);
  dispatchArg(arg, env, { buildArgs: input.buildArgs, globals: input.global.values, expand: defaultOf(input.expander) }, declared);
  return { ...s, env, declared };
}

/** applyEnv updates the state for one ENV instruction: every pair sees the old environment. */
function applyEnv(ins: Extract<Instruction, { kind: "ENV" }>, s: State, expander: Expander): State {
  const env = new Map(s.env);
  for (const pair of ins.pairs) {
    const key = expander.word(pair.key.value, s.env)?.value ?? pair.key.value;
    env.set(key, expander.word(pair.value.value, s.env)?.value ?? "");
  }
  return { ...s, env };
}

/** apply returns the state after one instruction. */
function apply(ins: Instruction, s: State, input: WalkInput): State {
  switch (ins.kind) {
    case "ARG":
      return applyArg(ins, s, input);
    case "ENV":
      return applyEnv(ins, s, input.expander);
    case "WORKDIR":
      return s.workdirSet ? s : { ...s, workdirSet: true };
    case "SHELL":
      return s.shellSet ? s : { ...s, shellSet: true };
    default:
      return s;
  }
}

/** walkSteps runs the walk over all stages and returns one Step per stage instruction, in file order. */
export function walkSteps(input: WalkInput): Step[] {
  const ends = new Map<number, State>();
  const earlier = new Map<string, StageInfo>();
  const steps: Step[] = [];
  for (const stage of input.stages) {
    const parent = parentOf(stage, earlier, input.global, input.expander);
    let state = initialState(stage, parent ? ends.get(parent.index) : undefined, input);
    for (const instruction of stage.instructions) {
      steps.push({ instruction, stage, parent, ...state });
      state = apply(instruction, state, input);
    }
    ends.set(stage.index, state);
    if (stage.name !== undefined) earlier.set(stage.name, stage);
  }
  return steps;
}
