/**
 * Options shared by `tsbuild run` and `tsbuild create` (how a container runs), the signal source
 * a supervising tsbuild forwards to its container, and the command that supervises a detached
 * container.
 */
import type { Command } from "commander";
import { CONTROL_SIGNAL, InputError, type ContainerOptions, type SignalSource } from "../../api/index.js";

/** VALUE_OPTIONS are the container options that take a value; splitRunArgv needs them to find IMAGE. */
export const VALUE_OPTIONS = new Set(["-e", "--env", "-v", "--volume", "--tmpfs", "-w", "--workdir", "-u", "--user", "--entrypoint", "--network", "--hostname", "--memory", "--pids-limit", "--cpus", "--root", "--runtime", "--name"]);

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
  name?: string;
  env: string[];
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

/** addContainerOptions declares the shared options on `cmd`. */
export function addContainerOptions(cmd: Command): Command {
  return cmd
    .option("--rm", "remove the container when it exits")
    .option("--name <name>", "name the container (unique; default: a generated name)")
    .option("-e, --env <k=v>", "set an environment variable (repeatable)", collect, [])
    .option("-v, --volume <host:ctr[:ro]>", "bind-mount a host path (repeatable)", collect, [])
    .option("--tmpfs <dir>", "mount an empty tmpfs (repeatable)", collect, [])
    .option("-w, --workdir <dir>", "working directory inside the container")
    .option("-u, --user <user[:group]>", "user to run as")
    .option("--entrypoint <cmd>", "override the image's entrypoint")
    .option("--network <mode>", "host or none", "host")
    .option("--hostname <name>", "container hostname")
    .option("--memory <size>", "memory limit, e.g. 256m")
    .option("--pids-limit <n>", "process count limit")
    .option("--cpus <n>", "CPU limit, e.g. 1.5")
    .option("--read-only", "mount the container's root filesystem read-only")
    .option("--runtime <name>", "sandbox driver: runc, crun, builtin or auto", "auto");
}

/** containerOptions turns parsed flags into the API's ContainerOptions. */
export function containerOptions(image: string, command: string[], flags: ContainerFlags, cmd: Command): ContainerOptions {
  const globals = cmd.optsWithGlobals() as { root?: string };
  if (flags.network !== "host" && flags.network !== "none") throw new InputError(`--network ${flags.network}: tsbuild supports host and none`);
  if (!["runc", "crun", "builtin", "auto"].includes(flags.runtime)) throw new InputError(`--runtime ${flags.runtime}: use runc, crun, builtin or auto`);
  const env = Object.fromEntries(flags.env.map((e) => (e.includes("=") ? [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)] : [e, process.env[e] ?? ""])));
  const volumes = flags.volume.map((v) => {
    const [host, container, mode] = v.split(":");
    if (!host || !container || (mode !== undefined && mode !== "ro" && mode !== "rw")) throw new InputError(`invalid -v ${JSON.stringify(v)}: use HOST:CONTAINER[:ro]`);
    return { host, container, readOnly: mode === "ro" };
  });
  const root = flags.root ?? globals.root;
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
