/**
 * ARG scoping as BuildKit implements it (Dockerfile reference "ARG", "Scope"; BuildKit's
 * buildMetaArgs and dispatchArg), shared by the planner and the linter so both see one scope:
 *
 * - ARGs before the first FROM are global ("meta") ARGs, evaluated in order against the automatic
 *   platform ARGs and earlier meta ARGs; a --build-arg replaces a default. They are visible only to
 *   FROM lines, and to `ARG NAME` (no default) inside a stage, which brings the global value in.
 * - Inside a stage, `ARG NAME=default` takes the --build-arg value if given, else the default
 *   expanded against the stage's environment. From that line on, the value is in the environment
 *   of later instructions (and RUN), but never in the image config.
 *
 * Expansion belongs to the caller (`ExpandDefault`): the planner reports failures as diagnostics,
 * the linter skips the word.
 */
import type { ArgInstruction, Dockerfile, FromInstruction, Instruction, Word } from "./ast.js";

/** StageAst is one stage as written: its FROM and the instructions up to the next FROM. */
export interface StageAst {
  readonly index: number;
  readonly from: FromInstruction;
  /** Lower-cased `AS` name (as BuildKit stores it), or undefined. */
  readonly name: string | undefined;
  readonly instructions: readonly Instruction[];
}

/** splitStages separates the global (meta) ARGs before the first FROM from the stages. */
export function splitStages(ast: Dockerfile): { metaArgs: ArgInstruction[]; stages: StageAst[] } {
  const metaArgs: ArgInstruction[] = [];
  const stages: { index: number; from: FromInstruction; name: string | undefined; instructions: Instruction[] }[] = [];
  for (const ins of ast.instructions) {
    if (ins.kind === "FROM") {
      stages.push({ index: stages.length, from: ins, name: ins.stageName?.value.toLowerCase(), instructions: [] });
    } else if (stages.length > 0) {
      stages[stages.length - 1]!.instructions.push(ins);
    } else if (ins.kind === "ARG") {
      metaArgs.push(ins);
    }
    // Anything else before the first FROM is reported by the parser's structure check.
  }
  return { metaArgs, stages };
}

/** NON_ENV_ARGS are declared like ARGs but never put in the environment nor reported as undefined (BuildKit's nonEnvArgs). */
export const NON_ENV_ARGS: ReadonlySet<string> = new Set(["BUILDKIT_SBOM_SCAN_CONTEXT", "BUILDKIT_SBOM_SCAN_STAGE"]);

/** PlatformParts is an OCI platform in Go's names, as far as the automatic ARGs need it. */
export interface PlatformParts {
  readonly os: string;
  readonly architecture: string;
  readonly variant: string | undefined;
}

/**
 * automaticArgs returns the predefined global ARGs for a build (Dockerfile reference "Automatic
 * platform ARGs in the global scope"): BUILD* describe the machine running the build, TARGET*
 * the image being built, TARGETSTAGE the selected stage name.
 */
export function automaticArgs(build: PlatformParts, target: PlatformParts, targetStage: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const [prefix, p] of [["BUILD", build], ["TARGET", target]] as const) {
    m.set(`${prefix}PLATFORM`, p.variant ? `${p.os}/${p.architecture}/${p.variant}` : `${p.os}/${p.architecture}`);
    m.set(`${prefix}OS`, p.os);
    m.set(`${prefix}OSVERSION`, "");
    m.set(`${prefix}ARCH`, p.architecture);
    m.set(`${prefix}VARIANT`, p.variant ?? "");
  }
  m.set("TARGETSTAGE", targetStage);
  return m;
}

/**
 * ExpandDefault expands the default `value` of ARG `key` against `env`; undefined when it cannot
 * be expanded (the caller reports why, or not). The declaration then takes no value.
 */
export type ExpandDefault = (value: Word, env: ReadonlyMap<string, string>, key: string) => string | undefined;

/** MetaScope is the global scope FROM lines see. */
export interface MetaScope {
  /** Automatic ARGs (a build arg of the same name replaces one), then meta ARGs with a value. */
  readonly values: Map<string, string>;
  /** Every meta ARG name, with or without a value. */
  readonly names: Set<string>;
  /** The build args that took effect. */
  readonly usedBuildArgs: Set<string>;
}

/** evalMetaArgs evaluates the global ARGs in order on top of the automatic ARGs (buildMetaArgs). */
export function evalMetaArgs(
  metaArgs: readonly ArgInstruction[],
  automatic: ReadonlyMap<string, string>,
  buildArgs: ReadonlyMap<string, string>,
  expand: ExpandDefault,
): MetaScope {
  const values = new Map(automatic);
  const names = new Set<string>();
  const usedBuildArgs = new Set<string>();
  for (const [k, v] of buildArgs) {
    if (!values.has(k)) continue;
    values.set(k, v);
    usedBuildArgs.add(k);
  }
  for (const ins of metaArgs) {
    for (const decl of ins.decls) {
      const key = decl.name.value;
      names.add(key);
      const given = buildArgs.get(key);
      if (given !== undefined) usedBuildArgs.add(key);
      const value = given ?? (decl.defaultValue ? expand(decl.defaultValue, values, key) : undefined);
      if (value !== undefined) values.set(key, value);
    }
  }
  return { values, names, usedBuildArgs };
}

/** ArgBinding is what one stage ARG declaration bound. */
export interface ArgBinding {
  readonly key: string;
  /** The value, or undefined for an `ARG NAME` with neither build arg nor global value. */
  readonly value: string | undefined;
  /** True when the value came from a build arg. */
  readonly fromBuildArg: boolean;
}

/** StageArgScope is what a stage ARG may draw its value from. */
export interface StageArgScope {
  readonly buildArgs: ReadonlyMap<string, string>;
  /** The global scope (MetaScope.values). */
  readonly globals: ReadonlyMap<string, string>;
  readonly expand: ExpandDefault;
}

/**
 * dispatchArg applies one stage ARG in place (BuildKit's dispatchArg), declaration by
 * declaration: the build arg if given, else the default expanded against `env` as the earlier
 * declarations left it, else the global value. A value enters `env` unless the name is one of
 * NON_ENV_ARGS; every name enters `declared` after its default was expanded. Declarations with a
 * blank name are skipped (the planner reports them). Returns the bindings in order.
 */
export function dispatchArg(ins: ArgInstruction, env: Map<string, string>, scope: StageArgScope, declared?: Set<string>): ArgBinding[] {
  const out: ArgBinding[] = [];
  for (const decl of ins.decls) {
    const key = decl.name.value;
    if (key === "") continue;
    const given = scope.buildArgs.get(key);
    let value: string | undefined;
    if (given !== undefined) value = given;
    else if (decl.defaultValue) value = scope.expand(decl.defaultValue, env, key);
    else value = scope.globals.get(key);
    if (value !== undefined && !NON_ENV_ARGS.has(key)) env.set(key, value);
    declared?.add(key);
    out.push({ key, value, fromBuildArg: given !== undefined });
  }
  return out;
}
