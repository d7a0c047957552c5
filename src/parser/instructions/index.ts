/**
 * Layer 2 of the Dockerfile parser: one RawInstruction in, one typed Instruction plus
 * diagnostics out (BuildKit's frontend/dockerfile/instructions). One file per instruction.
 */
import type { Instruction } from "../ast.js";
import type { LowerContext, LowerResult, RawInstruction } from "../raw.js";
import { lowerAdd } from "./add.js";
import { lowerArg } from "./arg.js";
import { lowerCmd } from "./cmd.js";
import { newLowering, type Lowering } from "./common.js";
import { lowerCopy } from "./copy.js";
import { lowerEntrypoint } from "./entrypoint.js";
import { lowerEnv } from "./env.js";
import { lowerExpose } from "./expose.js";
import { lowerFrom } from "./from.js";
import { lowerHealthcheck } from "./healthcheck.js";
import { lowerLabel } from "./label.js";
import { lowerMaintainer } from "./maintainer.js";
import { lowerOnbuild } from "./onbuild.js";
import { lowerRun } from "./run.js";
import { lowerShell } from "./shell.js";
import { lowerStopsignal } from "./stopsignal.js";
import { lowerUnknown } from "./unknown.js";
import { lowerUser } from "./user.js";
import { lowerVolume } from "./volume.js";
import { lowerWorkdir } from "./workdir.js";

export { checkStructure } from "./structure.js";
export { FLAG_SPECS, type FlagKind, type FlagSpec } from "./flags.js";
export { INSTRUCTION_NAMES } from "./unknown.js";
export { parseDuration } from "./duration.js";

const LOWERERS: Readonly<Record<string, (l: Lowering) => Instruction>> = {
  add: lowerAdd,
  arg: lowerArg,
  cmd: lowerCmd,
  copy: lowerCopy,
  entrypoint: lowerEntrypoint,
  env: lowerEnv,
  expose: lowerExpose,
  from: lowerFrom,
  healthcheck: lowerHealthcheck,
  label: lowerLabel,
  maintainer: lowerMaintainer,
  onbuild: (l) => lowerOnbuild(l, lowerInstruction),
  run: lowerRun,
  shell: lowerShell,
  stopsignal: lowerStopsignal,
  user: lowerUser,
  volume: lowerVolume,
  workdir: lowerWorkdir,
};

/**
 * lowerInstruction validates one RawInstruction and builds its typed Instruction. It never
 * throws: problems become diagnostics (errors for everything BuildKit's instruction layer
 * rejects), and the instruction is still built as well as the input allows.
 */
export function lowerInstruction(raw: RawInstruction, ctx: LowerContext): LowerResult {
  const l = newLowering(raw, ctx);
  const key = raw.keyword.toLowerCase();
  const lower = Object.hasOwn(LOWERERS, key) ? LOWERERS[key] : undefined;
  const instruction = (lower ?? lowerUnknown)(l);
  return { instruction, diagnostics: l.diagnostics };
}
