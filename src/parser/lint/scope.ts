/**
 * The small ARG/ENV scope walk the scoping rules need (BuildKit: buildMetaArgs, dispatchArg,
 * dispatchEnv, dispatchState.init). It splits the file into stages, evaluates the global (meta)
 * ARGs with the automatic platform ARGs, and records for every instruction the environment,
 * the declared ARG names and the WORKDIR/SHELL state in force just before it. Stages built on
 * another stage (`FROM base`) start from that stage's final state.
 */
import type { ArgInstruction, Dockerfile, FromInstruction, Instruction } from "../ast.js";

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
export interface StageInfo {
  readonly index: number;
  readonly from: FromInstruction;
  /** The stage name, lower-cased as BuildKit stores it, or undefined. */
  readonly name: string | undefined;
  readonly instructions: readonly Instruction[];
}

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

/** NON_ENV_ARGS are ARGs BuildKit never puts in the environment nor reports as undefined. */
export const NON_ENV_ARGS: ReadonlySet<string> = new Set(["BUILDKIT_SBOM_SCAN_CONTEXT", "BUILDKIT_SBOM_SCAN_STAGE"]);

/** splitStages returns the meta ARGs before the first FROM and the stages. */
export function splitStages(ast: Dockerfile): { metaArgs: ArgInstruction[]; stages: StageInfo[] } {
  const metaArgs: ArgInstruction[] = [];
  const stages: { index: number; from: FromInstruction; name: string | undefined; instructions: Instruction[] }[] = [];
  for (const ins of ast.instructions) {
    if (ins.kind === "FROM") {
      stages.push({ index: stages.length, from: ins, name: ins.stageName?.value.toLowerCase(), instructions: [] });
    } else if (stages.length > 0) {
      stages[stages.length - 1]?.instructions.push(ins);
    } else if (ins.kind === "ARG") {
      metaArgs.push(ins);
    }
  }
  return { metaArgs, stages };
}

/** platformArgs builds the automatic platform ARGs for one platform string `os/arch[/variant]`. */
export function platformArgs(platform: string, target: string): Map<string, string> {
  const [os = "linux", arch = "amd64", variant = ""] = platform.split("/");
  const m = new Map<string, string>();
  for (const prefix of ["BUILD", "TARGET"]) {
    m.set(`${prefix}PLATFORM`, platform);
    m.set(`${prefix}OS`, os);
    m.set(`${prefix}OSVERSION`, "");
    m.set(`${prefix}ARCH`, arch);
    m.set(`${prefix}VARIANT`, variant);
  }
  m.set("TARGETSTAGE", target);
  return m;
}

/** evalMetaArgs applies meta ARGs in order on top of `base` (buildMetaArgs). */
function evalMetaArgs(
  base: ReadonlyMap<string, string>,
  metaArgs: readonly ArgInstruction[],
  buildArgs: ReadonlyMap<string, string>,
  expander: Expander,
): { values: Map<string, string>; names: Set<string> } {
  const values = new Map(base);
  const names = new Set<string>();
  for (const arg of metaArgs) {
    for (const decl of arg.decls) {
      const key = decl.name.value;
      names.add(key);
      const given = buildArgs.get(key);
      const value = given ?? (decl.defaultValue ? expander.word(decl.defaultValue.value, values)?.value : undefined);
      if (value !== undefined) values.set(key, value);
    }
  }
  return { values, names };
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
  for (const key of auto.keys()) {
    const v = buildArgs.get(key);
    if (v !== undefined) auto.set(key, v);
  }
  const withArgs = evalMetaArgs(auto, metaArgs, buildArgs, expander);
  const defaults = evalMetaArgs(auto, metaArgs, new Map(), expander);
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
  for (const decl of arg.decls) {
    const key = decl.name.value;
    const given = input.buildArgs.get(key);
    let value: string | undefined;
    if (given !== undefined) value = given;
    else if (decl.defaultValue) value = input.expander.word(decl.defaultValue.value, env)?.value;
    else value = input.global.values.get(key);
    if (value !== undefined && !NON_ENV_ARGS.has(key)) env.set(key, value);
    declared.add(key);
  }
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
