import type { EnvInstruction, LabelInstruction } from "../../parser/ast.js";
import type { Expander } from "../expand.js";
import { commitHistory, setConfigEnv, type StageState } from "../state.js";
import { expandPairs } from "./common.js";

/** lowerEnv applies ENV: every pair sees the environment from before the instruction. */
export function lowerEnv(ins: EnvInstruction, state: StageState, x: Expander): void {
  const pairs = expandPairs(ins.pairs, x);
  if (!pairs) return;
  for (const [k, v] of pairs) {
    state.env.set(k, v);
    setConfigEnv(state.config.Env, k, v);
  }
  commitHistory(state, `ENV ${pairs.map(([k, v]) => `${k}=${v}`).join(" ")}`, false, false);
}

/** lowerLabel applies LABEL to the image config. */
export function lowerLabel(ins: LabelInstruction, state: StageState, x: Expander): void {
  const pairs = expandPairs(ins.pairs, x);
  if (!pairs) return;
  const labels = (state.config.Labels ??= {});
  for (const [k, v] of pairs) labels[k] = v;
  commitHistory(state, `LABEL ${pairs.map(([k, v]) => `${k}=${v}`).join(" ")}`, false, false);
}
