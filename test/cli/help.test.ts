// Every command's help: usage plus an "Examples:" block whose lines run tsbuild; unknown flags and
// mistyped commands give a clear error with a suggestion (through the built CLI in dist/).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "commander";
import { describe, expect, it } from "vitest";
import { makeProgram } from "../../src/cli/program.js";
import { requirePrerequisites } from "../helpers/prerequisites.js";

const CLI = resolve(import.meta.dirname, "../../dist/cli/main.cjs");

/** helpOf renders a command's full help (including text added with addHelpText) into a string. */
function helpOf(cmd: Command): string {
  let out = "";
  cmd.configureOutput({ writeOut: (s) => (out += s), writeErr: (s) => (out += s) });
  cmd.outputHelp();
  return out;
}

function tsbuild(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", env: { ...process.env, TSBUILD_ROOT: "/nonexistent/tsbuild-help-test" } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("help", () => {
  const program = makeProgram();
  // Hidden commands (internal entry points such as the container supervisor) have no user help.
  const commands = program.commands.filter((c) => c.name() !== "help" && !(c as unknown as { _hidden?: boolean })._hidden);

  it("registers the commands users expect", () => {
    expect(commands.map((c) => c.name())).toEqual(expect.arrayContaining(["build", "run", "images", "inspect", "save", "load", "tag", "rmi", "prune", "check", "parse"]));
  });

  it.each([program, ...commands].map((c) => [c.name(), c] as const))("%s prints usage and examples that run tsbuild", (_name, cmd) => {
    const text = helpOf(cmd);
    expect(text).toMatch(/^Usage: tsbuild/m);
    const block = /\nExamples:\n((?: {2}.+\n?)+)/.exec(text);
    expect(block, text).not.toBeNull();
    const lines = block![1]!.trimEnd().split("\n");
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) expect(l).toMatch(/(^|[|;] |\s)tsbuild( |$)|^ {2}[A-Z_]+=\S+ tsbuild /);
  });
});

const cliMissing = existsSync(CLI) ? undefined : `${CLI} is missing (run npm run build)`;
requirePrerequisites("CLI usage-error tests", cliMissing);

describe.skipIf(cliMissing !== undefined)("usage errors (built CLI)", () => {
  it("prints help with examples for --help and exits 0", () => {
    const r = tsbuild(["build", "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Examples:\n  tsbuild .");
  });

  it("names an unknown flag and suggests the close one", () => {
    const r = tsbuild(["build", "--tagg", "x", "."]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("error: unknown option '--tagg'");
    expect(r.stderr).toContain("(Did you mean --tag?)");
    const top = tsbuild(["images", "--digest"]);
    expect(top.code).toBe(1);
    expect(top.stderr).toContain("(Did you mean --digests?)");
  });

  it("suggests the command a mistyped word resembles instead of building a missing directory", () => {
    const r = tsbuild(["imagse"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('build context "imagse" does not exist (did you mean the command "images"?');
  });

  it("rejects an unknown --progress mode listing the valid ones", () => {
    const r = tsbuild(["build", "--progress", "fancy", "."]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("invalid --progress fancy: expected one of auto, tty, plain, json, quiet");
  });
});
