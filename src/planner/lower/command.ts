import type { CmdInstruction, Command, EntrypointInstruction, ShellInstruction } from "../../parser/ast.js";
import { goQuoteSlice, goSlice } from "../../core/gofmt.js";
import { commitHistory, withShell, type StageState } from "../state.js";

/** commandArgs turns exec form into argv and shell form into SHELL + [script] (never expanded). */
export function commandArgs(cmd: Command, state: StageState): string[] {
  return cmd.form === "exec" ? cmd.argv.map((w) => w.value) : withShell(state, [cmd.script.value]);
}

/** lowerCmd sets Cmd (BuildKit also sets ArgsEscaped for compatibility with Docker's image spec). */
export function lowerCmd(ins: CmdInstruction, state: StageState): void {
  const args = commandArgs(ins.command, state);
  state.config.Cmd = args;
  state.config.ArgsEscaped = true;
  state.cmdSet = true;
  commitHistory(state, `CMD ${goQuoteSlice(args)}`, false, false);
}

/** lowerEntrypoint sets Entrypoint and clears an inherited Cmd unless this stage set one. */
export function lowerEntrypoint(ins: EntrypointInstruction, state: StageState): void {
  const args = commandArgs(ins.command, state);
  state.config.Entrypoint = args;
  if (!state.cmdSet) delete state.config.Cmd;
  commitHistory(state, `ENTRYPOINT ${goQuoteSlice(args)}`, false, false);
}

/** lowerShell sets the shell for later shell-form commands. */
export function lowerShell(ins: ShellInstruction, state: StageState): void {
  state.config.Shell = ins.shell.map((w) => w.value);
  commitHistory(state, `SHELL ${goSlice(state.config.Shell)}`, false, false);
}
