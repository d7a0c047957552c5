// The CLI run in-process, for tests of commands that need no built dist/.
import { Readable } from "node:stream";
import { vi } from "vitest";
import { run } from "../../src/cli/program.js";

/** CliResult is a finished in-process CLI run: its exit code and what it printed. */
export interface CliResult {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/**
 * runCli runs `tsbuild <args>` in this process and captures stdout and stderr; `stdin`, when
 * given, replaces process.stdin for the run. process.exitCode is cleared before and after.
 */
export async function runCli(args: readonly string[], stdin?: string): Promise<CliResult> {
  let out = "";
  let err = "";
  const o = vi.spyOn(process.stdout, "write").mockImplementation((s) => ((out += String(s)), true));
  const e = vi.spyOn(process.stderr, "write").mockImplementation((s) => ((err += String(s)), true));
  const original = Object.getOwnPropertyDescriptor(process, "stdin");
  if (stdin !== undefined) Object.defineProperty(process, "stdin", { value: Readable.from([Buffer.from(stdin)]), configurable: true });
  process.exitCode = undefined;
  try {
    return { code: await run(["node", "tsbuild", ...args]), out, err };
  } finally {
    if (original) Object.defineProperty(process, "stdin", original);
    o.mockRestore();
    e.mockRestore();
    process.exitCode = undefined;
  }
}
