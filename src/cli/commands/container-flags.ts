/**
 * Options shared by `tsbuild run` and `tsbuild create` (how a container runs), the signal source
 * a supervising tsbuild forwards to its container, and the command that supervises a detached
 * container.
 */
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { CONTROL_SIGNAL, InputError, type ContainerOptions, type SignalSource } from "../../api/container-entry.js";

const collect = (v: string, prev: string[]) => [...prev, v];

/** parseSize reads Docker-style sizes: 256m, 1g, 512k, or bytes. */
function parseSize(s: string): number {
  const m = /^([0-9]+)([bkmg]?)$/i.exec(s.trim());
  if (!m) throw new InputError(`invalid size ${JSON.stringify(s)}: use a number with an optional b, k, m or g suffix`);
  const mult = { "": 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2]!.toLowerCase() as "" | "b" | "k" | "m" | "g"];
  return Number(m[1]) * mult;
}

/** ContainerFlags are the parsed shared options. */
export interface ContainerFlags {
  rm?: boolean;
  interactive?: boolean;
  tty?: boolean;
  name?: string;
  env: string[];
  envFile: string[];
  volume: string[];
  tmpfs: string[];
  workdir?: string;
  user?: string;
  entrypoint?: string;
  network: string;
  hostname?: string;
  memory?: string;
  pidsLimit?: string;
  cpus?: string;
  readOnly?: boolean;
  root?: string;
  runtime: string;
}

/** OptionSpec is one shared container option: commander's flags string, help text, and how values collect. */
interface OptionSpec {
  readonly flags: string;
  readonly description: string;
  /** repeatable options collect every value into an array (default []). */
  readonly repeatable?: boolean;
  readonly defaultValue?: string;
}

/** CONTAINER_OPTIONS are the options shared by run and create, in help order; the fast `run` parser reads them too. */
export const CONTAINER_OPTIONS: readonly OptionSpec[] = [
  { flags: "--rm", description: "remove the container when it exits" },
  { flags: "--name <name>", description: "name the container (unique; default: a generated name)" },
  { flags: "-e, --env <k=v>", description: "set an environment variable (repeatable)", repeatable: true },
  { flags: "--env-file <file>", description: "read K=V lines (K alone: tsbuild's value) from a file before -e (repeatable)", repeatable: true },
  { flags: "-v, --volume <host:ctr[:ro]>", description: "bind-mount a host path (repeatable)", repeatable: true },
  { flags: "--tmpfs <dir[:options]>", description: "mount an empty tmpfs, noexec, nosuid and nodev unless options say otherwise, e.g. /run:exec,size=64m (repeatable)", repeatable: true },
  { flags: "-w, --workdir <dir>", description: "working directory inside the container" },
  { flags: "-u, --user <user[:group]>", description: "user to run as" },
  { flags: "--entrypoint <cmd>", description: "override the image's entrypoint" },
  { flags: "--network <mode>", description: "host or none", defaultValue: "host" },
  { flags: "--hostname <name>", description: "container hostname" },
  { flags: "--memory <size>", description: "memory limit, e.g. 256m" },
  { flags: "--pids-limit <n>", description: "process count limit" },
  { flags: "--cpus <n>", description: "CPU limit, e.g. 1.5" },
  { flags: "--read-only", description: "mount the container's root filesystem read-only" },
  { flags: "--runtime <name>", description: "sandbox driver: runc, crun, builtin or auto", defaultValue: "auto" },
];

/** INTERACTIVE_OPTION is run's -i (create keeps no stdin for a later start). */
export const INTERACTIVE_OPTION: OptionSpec = { flags: "-i, --interactive", description: "pass stdin to the container (without it the container reads /dev/null)" };

/** TTY_OPTION is run's -t (a foreground container only; create and run -d have no terminal to give). */
export const TTY_OPTION: OptionSpec = { flags: "-t, --tty", description: "give the container a terminal (tsbuild must run in one; implies -i; not with -d)" };

/** optionNames splits commander flags (`-e, --env <k=v>`) into the short and long names and whether a value follows. */
export function optionNames(flags: string): { short?: string; long: string; takesValue: boolean } {
  const words = flags.split(/[ ,]+/);
  const long = words.find((w) => w.startsWith("--")) ?? "";
  const short = words.find((w) => /^-[^-]$/.test(w));
  return { long, takesValue: flags.includes("<"), ...(short !== undefined && { short }) };
}

/** VALUE_OPTIONS are the container options that take a value; splitRunArgv needs them to find IMAGE. */
export const VALUE_OPTIONS = new Set(["--root", ...CONTAINER_OPTIONS.map((o) => optionNames(o.flags)).filter((o) => o.takesValue).flatMap((o) => (o.short !== undefined ? [o.short, o.long] : [o.long]))]);

/** addContainerOptions declares the shared options (and `extra` ones) on `cmd`. */
export function addContainerOptions(cmd: Command, extra: readonly OptionSpec[] = []): Command {
  for (const o of [...CONTAINER_OPTIONS, ...extra]) {
    if (o.repeatable === true) cmd.option(o.flags, o.description, collect, []);
    else if (o.defaultValue !== undefined) cmd.option(o.flags, o.description, o.defaultValue);
    else cmd.option(o.flags, o.description);
  }
  return cmd;
}

/**
 * envEntries turns -e values into NAME=VALUE entries: a bare NAME takes its value from tsbuild's
 * environment and is left out when that does not set it, as in Docker.
 */
export function envEntries(values: readonly string[]): string[] {
  return values.flatMap((e) => (e.includes("=") ? [e] : process.env[e] !== undefined ? [`${e}=${process.env[e]}`] : []));
}

/**
 * envFileLines reads an --env-file in Docker's format: one `K=V` or bare `K` per line, leading
 * whitespace ignored, blank lines and lines starting with `#` skipped, values taken verbatim (no
 * quote removal). Throws InputError naming the file (and line) when it cannot be read or a name
 * is empty or holds whitespace.
 */
export function envFileLines(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a directory" : (err as Error).message;
    throw new InputError(`--env-file ${file}: cannot read it (${why}); give a file of K=V lines`);
  }
  const out: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trimStart();
    if (line === "" || line.startsWith("#")) return;
    const name = line.includes("=") ? line.slice(0, line.indexOf("=")) : line.trimEnd();
    if (name === "" || /\s/.test(name)) throw new InputError(`--env-file ${file}:${i + 1}: invalid variable name ${JSON.stringify(name)}: use K=V or K without whitespace in K`);
    out.push(line.includes("=") ? line : name);
  });
  return out;
}

/** containerOptions turns parsed flags into the API's ContainerOptions; `globalRoot` is a --root given before the subcommand. */
export function containerOptions(image: string, command: string[], flags: ContainerFlags, globalRoot?: string): ContainerOptions {
  if (flags.network !== "host" && flags.network !== "none") throw new InputError(`--network ${flags.network}: tsbuild supports host and none`);
  if (!["runc", "crun", "builtin", "auto"].includes(flags.runtime)) throw new InputError(`--runtime ${flags.runtime}: use runc, crun, builtin or auto`);
  const fromFiles = (flags.envFile ?? []).flatMap(envFileLines);
  const env = Object.fromEntries(envEntries([...fromFiles, ...flags.env]).map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));
  const volumes = flags.volume.map((v) => {
    const [host, container, mode] = v.split(":");
    if (!host || !container || (mode !== undefined && mode !== "ro" && mode !== "rw")) throw new InputError(`invalid -v ${JSON.stringify(v)}: use HOST:CONTAINER[:ro]`);
    return { host, container, readOnly: mode === "ro" };
  });
  const root = flags.root ?? globalRoot;
  return {
    image,
    command,
    env,
    volumes,
    tmpfs: flags.tmpfs,
    network: flags.network,
    readOnly: flags.readOnly === true,
    rm: flags.rm === true,
    runtime: flags.runtime as "runc" | "crun" | "builtin" | "auto",
    ...(flags.name !== undefined && { name: flags.name }),
    ...(root !== undefined && { root }),
    ...(flags.entrypoint !== undefined && { entrypoint: flags.entrypoint }),
    ...(flags.workdir !== undefined && { workdir: flags.workdir }),
    ...(flags.user !== undefined && { user: flags.user }),
    ...(flags.hostname !== undefined && { hostname: flags.hostname }),
    ...(flags.memory !== undefined && { memoryBytes: parseSize(flags.memory) }),
    ...(flags.pidsLimit !== undefined && { pidsLimit: Number(flags.pidsLimit) }),
    ...(flags.cpus !== undefined && { cpus: Number(flags.cpus) }),
  };
}

/** FORWARDED are the signals a supervising tsbuild passes on to its container (plus CONTROL_SIGNAL for requests). */
const FORWARDED: readonly NodeJS.Signals[] = ["SIGTERM", "SIGINT", "SIGHUP", "SIGQUIT", "SIGWINCH", CONTROL_SIGNAL];

/** processSignals is a SignalSource over this process's signals. */
export const processSignals: SignalSource = {
  subscribe(listener) {
    for (const s of FORWARDED) process.on(s, listener);
    return () => {
      for (const s of FORWARDED) process.off(s, listener);
    };
  },
};

/** SUPERVISE_COMMAND is the hidden subcommand that supervises a detached container. */
export const SUPERVISE_COMMAND = "__supervise";

/** supervisorCommand is how a detached container's supervisor is started: this CLI with the hidden subcommand. */
export function supervisorCommand(): string[] {
  return [process.execPath, process.argv[1] ?? "", SUPERVISE_COMMAND];
}

/** rootOf returns the --root given to `cmd` or globally. */
export function rootOf(cmd: Command): { root?: string } {
  const root = (cmd.optsWithGlobals() as { root?: string }).root;
  return root === undefined ? {} : { root };
}
