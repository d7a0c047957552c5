/**
 * The fast path of a foreground `tsbuild run`. main.ts offers argv here before it loads the
 * command program: the container options are parsed from the same table commander gets
 * (CONTAINER_OPTIONS), and the container runs through the container-only API, so neither
 * commander nor the parser, planner or build code is loaded. Whatever this parser does not take
 * plainly (help, -d, `--`, combined or attached short flags, unknown options) goes to the full
 * program, which parses it again and reports any error.
 */
import { InputError, runContainer, type ContainerOptions } from "../api/container-entry.js";
import { CONTAINER_OPTIONS, containerOptions, INTERACTIVE_OPTION, optionNames, processSignals, TTY_OPTION, type ContainerFlags } from "./commands/container-flags.js";
import { guardStdio, relayOutput } from "./stdio.js";

/** FastRun is a foreground run parsed from argv. */
interface FastRun {
  readonly image: string;
  readonly command: string[];
  readonly flags: ContainerFlags;
  readonly root?: string;
}

/** camel turns `--pids-limit` into commander's attribute name `pidsLimit`. */
function camel(long: string): string {
  return long.slice(2).replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
}

/** OPTIONS maps each short and long name to its spec. */
const OPTIONS = new Map(
  [...CONTAINER_OPTIONS, INTERACTIVE_OPTION, TTY_OPTION].flatMap((o) => {
    const n = optionNames(o.flags);
    const entry = { key: camel(n.long), takesValue: n.takesValue, repeatable: o.repeatable === true };
    return n.short !== undefined ? [[n.short, entry] as const, [n.long, entry] as const] : [[n.long, entry] as const];
  }),
);

/** defaults are the flags before any option is applied, as commander sets them. */
function defaults(): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const o of CONTAINER_OPTIONS) {
    const key = camel(optionNames(o.flags).long);
    if (o.repeatable === true) out[key] = [];
    else if (o.defaultValue !== undefined) out[key] = o.defaultValue;
  }
  return out;
}

/** applyOption applies argv[i] (and its value) to `flags`; returns the next index, or undefined to give up. */
function applyOption(argv: readonly string[], i: number, flags: Record<string, unknown>): number | undefined {
  const word = argv[i]!;
  const eq = word.startsWith("--") ? word.indexOf("=") : -1;
  const spec = OPTIONS.get(eq > 0 ? word.slice(0, eq) : word);
  if (!spec) return undefined;
  if (!spec.takesValue) {
    if (eq > 0) return undefined;
    flags[spec.key] = true;
    return i + 1;
  }
  const value = eq > 0 ? word.slice(eq + 1) : argv[i + 1];
  if (value === undefined) return undefined;
  flags[spec.key] = spec.repeatable ? [...(flags[spec.key] as string[]), value] : value;
  return eq > 0 ? i + 1 : i + 2;
}

/** parseFastRun reads `tsbuild [--root DIR] run [OPTIONS] IMAGE [COMMAND...]`; undefined when the full program must parse it. */
export function parseFastRun(argv: readonly string[]): FastRun | undefined {
  let i = 2;
  let root: string | undefined;
  if (argv[i] === "--root" && argv[i + 1] !== undefined) (root = argv[i + 1]), (i += 2);
  if (argv[i] !== "run" || argv.includes("--")) return undefined;
  const flags = defaults();
  for (i++; i < argv.length && argv[i]!.startsWith("-"); ) {
    const next = applyOption(argv, i, flags);
    if (next === undefined) return undefined;
    i = next;
  }
  const image = argv[i];
  if (image === undefined) return undefined;
  return { image, command: argv.slice(i + 1), flags: flags as unknown as ContainerFlags, ...(root !== undefined && { root }) };
}

/**
 * runForeground runs a container attached to this process's output and signals (and stdin with
 * `interactive` or `tty`) and sets the exit code to the container's. With `tty` the container gets
 * a terminal relayed to tsbuild's own; without a terminal on stdin that is refused as in Docker.
 */
export async function runForeground(opts: ContainerOptions, interactive: boolean, tty = false): Promise<void> {
  if (tty && !process.stdin.isTTY) throw new InputError("the input device is not a TTY: run tsbuild run -t in a terminal, or drop -t");
  // Deviation: with -t the terminal's input reaches the container even without -i (runc and crun relay it).
  const attach = interactive || tty;
  // With a terminal the container writes to tsbuild's own (the real streams); else its output is
  // relayed, tsbuild's stdout and stderr made when the first bytes come, and a reader that goes
  // away breaks the container's pipe (stdio.ts).
  const out = tty ? { stdout: guardStdio(process.stdout), stderr: guardStdio(process.stderr) } : { stdout: relayOutput("stdout"), stderr: relayOutput("stderr") };
  const res = await runContainer({ ...opts, ...out, signals: processSignals, ...(attach && { stdin: process.stdin }), ...(tty && { tty: true }) });
  if (res.oomKilled) guardStdio(process.stderr).write("tsbuild: the container was killed by its memory limit\n");
  process.exitCode = res.exitCode;
}

/** fastRun runs `argv` when it is a plain foreground run and returns the exit code; undefined when the full program must handle it. */
export async function fastRun(argv: readonly string[]): Promise<number | undefined> {
  const parsed = parseFastRun(argv);
  if (!parsed) return undefined;
  try {
    await runForeground(containerOptions(parsed.image, parsed.command, parsed.flags, parsed.root), parsed.flags.interactive === true, parsed.flags.tty === true);
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (err) {
    guardStdio(process.stderr).write(`tsbuild: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}
