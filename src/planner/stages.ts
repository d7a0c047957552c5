/**
 * The stage graph: which instructions belong to which stage, what each stage is based on, which
 * stages it reads from (`FROM <stage>`, `COPY --from`, `RUN --mount=from=`), and which stages a
 * target needs. Mirrors BuildKit's dispatch states (dockerfile2llb/convert.go): a FROM may name
 * only an EARLIER stage (later names are images), while `--from` may name any stage, by name or
 * index; a name that is no stage is an image reference. Cycles are errors.
 */
import type { Instruction } from "../parser/ast.js";
import type { StageAst } from "../parser/arg-scope.js";

export { splitStages, type StageAst } from "../parser/arg-scope.js";

/** StageRef is what a FROM or `--from` resolves to. */
export type StageRef =
  | { readonly kind: "stage"; readonly index: number }
  | { readonly kind: "image"; readonly ref: string }
  | { readonly kind: "scratch" };

/** SCRATCH is the reserved name of the empty image. */
export const SCRATCH = "scratch";

/** stageByName finds a stage by its (case-insensitive) name among stages[0..before). */
export function stageByName(stages: readonly StageAst[], name: string, before = stages.length): StageAst | undefined {
  const wanted = name.toLowerCase();
  let found: StageAst | undefined;
  for (const s of stages) {
    // A later duplicate name shadows an earlier one, as BuildKit's name map does.
    if (s.index < before && s.name === wanted) found = s;
  }
  return found;
}

/** resolveBase resolves a stage's expanded base name: an earlier stage, scratch, or an image. */
export function resolveBase(stages: readonly StageAst[], stageIndex: number, baseName: string): StageRef {
  const stage = stageByName(stages, baseName, stageIndex);
  if (stage) return { kind: "stage", index: stage.index };
  if (baseName.toLowerCase() === SCRATCH) return { kind: "scratch" };
  return { kind: "image", ref: baseName };
}

/**
 * resolveFrom resolves a `COPY --from` / `RUN --mount from=` value: a decimal stage index, a stage
 * name anywhere in the file, or an image reference. Returns an error string for a bad index.
 */
export function resolveFrom(stages: readonly StageAst[], value: string): StageRef | { error: string } {
  if (/^[0-9]+$/.test(value)) {
    const index = Number(value);
    if (index >= stages.length) return { error: `invalid stage index ${index}: the Dockerfile has ${stages.length} stage(s)` };
    return { kind: "stage", index };
  }
  const stage = stageByName(stages, value);
  if (stage) return { kind: "stage", index: stage.index };
  if (value.toLowerCase() === SCRATCH) return { kind: "scratch" };
  return { kind: "image", ref: value };
}

/** fromReferences lists the raw `--from` values a stage's instructions read (COPY and RUN mounts). */
export function fromReferences(stage: StageAst): { value: string; instruction: Instruction }[] {
  const out: { value: string; instruction: Instruction }[] = [];
  for (const ins of stage.instructions) {
    if (ins.kind === "COPY" && ins.from?.value) out.push({ value: ins.from.value, instruction: ins });
    if (ins.kind === "RUN") {
      for (const m of ins.mounts) if (m.from) out.push({ value: m.from, instruction: ins });
    }
  }
  return out;
}

/**
 * findCycle returns the stage indices of a dependency cycle (first stage repeated at the end), or
 * undefined. `deps[i]` lists the stages stage i depends on. Iterative, so deep chains cannot
 * overflow the stack.
 */
export function findCycle(deps: readonly (readonly number[])[]): number[] | undefined {
  const state = new Array<0 | 1 | 2>(deps.length).fill(0); // 0 new, 1 on stack, 2 done
  for (let root = 0; root < deps.length; root++) {
    if (state[root] !== 0) continue;
    const stack: { node: number; next: number }[] = [{ node: root, next: 0 }];
    state[root] = 1;
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const children = deps[top.node] ?? [];
      if (top.next >= children.length) {
        state[top.node] = 2;
        stack.pop();
        continue;
      }
      const child = children[top.next++]!;
      if (state[child] === 1) {
        const from = stack.findIndex((f) => f.node === child);
        return [...stack.slice(from).map((f) => f.node), child];
      }
      if (state[child] === 0) {
        state[child] = 1;
        stack.push({ node: child, next: 0 });
      }
    }
  }
  return undefined;
}

/** reachable returns the stages `target` needs (itself included), in ascending index order. */
export function reachable(deps: readonly (readonly number[])[], target: number): number[] {
  const seen = new Set<number>([target]);
  const todo = [target];
  while (todo.length > 0) {
    for (const d of deps[todo.pop()!] ?? []) {
      if (!seen.has(d)) {
        seen.add(d);
        todo.push(d);
      }
    }
  }
  return [...seen].sort((a, b) => a - b);
}
