/** VOLUME: mount points, as a JSON array or a whitespace list (reference.md "VOLUME"). */
import type { VolumeInstruction } from "../ast.js";
import { argsRange, nodeOf, report, type Lowering } from "./common.js";
import { flagsFor } from "./flags.js";

/** lowerVolume needs at least one path, and no path may be blank (`VOLUME [""]`). */
export function lowerVolume(l: Lowering): VolumeInstruction {
  const { raw } = l;
  if (raw.args.length === 0) report(l, "ArgumentCount", "VOLUME requires at least one argument", argsRange(raw));
  flagsFor(l, "volume");
  for (const w of raw.args) {
    if (w.value.trim() === "") report(l, "EmptyVolume", "VOLUME specified can not be an empty string", w.range);
  }
  return nodeOf(raw, { kind: "VOLUME", paths: raw.args.filter((w) => w.value.trim() !== "") });
}
