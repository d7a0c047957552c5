import type { StageState } from "../state.js";

/**
 * nextLabel numbers a step as BuildKit's prefixCommand does: `[name i/n] TEXT`, with the index
 * padded to the width of n, the stage name omitted when the file has one stage.
 */
export function nextLabel(state: StageState, text: string, onbuild = false): string {
  if (state.cmdTotal === 0) return text;
  state.cmdIndex++;
  const width = String(state.cmdTotal).length;
  const name = state.displayName === "" ? "" : `${state.displayName} `;
  return `[${name}${String(state.cmdIndex).padStart(width)}/${state.cmdTotal}] ${onbuild ? "ONBUILD " : ""}${text}`;
}
