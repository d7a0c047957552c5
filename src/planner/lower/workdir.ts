import { posix } from "node:path";
import type { WorkdirInstruction } from "../../parser/ast.js";
import { addVertex, type PlanContext } from "../context.js";
import type { Expander } from "../expand.js";
import { commitHistory, type StageState } from "../state.js";
import { nextLabel } from "./progress.js";

/** normalizeWorkdir resolves p against the current working directory (BuildKit's NormalizeWorkdir). */
export function normalizeWorkdir(current: string | undefined, p: string): string {
  if (p.startsWith("/")) return posix.normalize(p).replace(/(.)\/$/, "$1");
  return posix.join(current && current !== "" ? current : "/", p).replace(/(.)\/$/, "$1");
}

/** lowerWorkdir sets WorkingDir and, unless it is `/`, creates it as the current USER (a layer). */
export function lowerWorkdir(ins: WorkdirInstruction, state: StageState, x: Expander, ctx: PlanContext): void {
  const raw = x.word(ins.path.value, ins.path.range);
  if (raw === undefined) return;
  const wd = normalizeWorkdir(state.config.WorkingDir, raw);
  state.config.WorkingDir = wd;
  const withLayer = wd !== "/";
  if (withLayer) {
    state.root = addVertex(ctx, { kind: "mkdir", path: wd, mode: 0o755, user: state.config.User ?? "" }, [state.root], {
      name: nextLabel(state, `WORKDIR ${raw}`),
      stage: state.displayName,
      range: ins.range,
    });
  }
  commitHistory(state, `WORKDIR ${wd}`, withLayer, false);
}
