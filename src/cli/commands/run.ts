/**
 * `tsbuild run [options] IMAGE [COMMAND...]`: run a container from a stored image in the
 * foreground, as `docker run --rm` does; tsbuild's exit code is the container's.
 */
import type { Command } from "commander";
import { InputError, runContainer } from "../../api/index.js";

/** VALUE_OPTIONS are run's options that take a value; splitRunArgv needs them to find IMAGE. */
const VALUE_OPTIONS = new Set(["-e", "--env", "-v", "--volume", "--tmpfs", "-w", "--workdir", "-u", "--user", "--entrypoint", "--network", "--hostname", "--memory", "--pids-limit", "--cpus", "--root", "--runtime"]);

/**
 * splitRunArgv inserts `--` after IMAGE in `tsbuild run ...` so that the container's command may
 * carry its own options (`tsbuild run busybox ls -l`), as in Docker.
 */
export function splitRunArgv(argv: readonly string[]): string[] {
  // argv[0] is node and argv[1] the script; the subcommand is the first word that is no option.
  let i = 2;
  while (i < argv.length && argv[i]!.startsWith("-")) i += argv[i] === "--root" ? 2 : 1;
  if (argv[i] !== "run" || argv.includes("--")) return [...argv];
  for (let j = i + 1; j < argv.length; j++) {
    const a = argv[j]!;
    if (a.startsWith("-")) {
      if (VALUE_OPTIONS.has(a)) j++;
      continue;
    }
    return [...argv.slice(0, j + 1), "--", ...argv.slice(j + 1)];
  }
  return [...argv];
}

const collect = (v: string, prev: string[]) => [...prev, v];

/** parseSize reads Docker-style sizes: 256m, 1g, 512k, or bytes. */
function parseSize(s: string): number {
  const m = /^([0-9]+)([bkmg]?)$/i.exec(s.trim());
  if (!m) throw new InputError(`invalid size ${JSON.stringify(s)}: use a number with an optional b, k, m or g suffix`);
  const mult = { "": 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2]!.toLowerCase() as "" | "b" | "k" | "m" | "g"];
  return Number(m[1]) * mult;
}

interface RunFlags {
  rm?: boolean;
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

async function action(image: string, command: string[], flags: RunFlags, cmd: Command): Promise<void> {
  const globals = cmd.optsWithGlobals() as { root?: string };
  if (flags.network !== "host" && flags.network !== "none") throw new InputError(`--network ${flags.network}: tsbuild supports host and none`);
  const env = Object.fromEntries(flags.env.map((e) => (e.includes("=") ? [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)] : [e, process.env[e] ?? ""])));
  const volumes = flags.volume.map((v) => {
    const [host, container, mode] = v.split(":");
    if (!host || !container || (mode !== undefined && mode !== "ro" && mode !== "rw")) throw new InputError(`invalid -v ${JSON.stringify(v)}: use HOST:CONTAINER[:ro]`);
    return { host, container, readOnly: mode === "ro" };
  });
  const root = flags.root ?? globals.root;
  const res = await runContainer({
    image,
    command,
    env,
    volumes,
    tmpfs: flags.tmpfs,
    network: flags.network,
    readOnly: flags.readOnly === true,
    runtime: flags.runtime as "runc" | "crun" | "builtin" | "auto",
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    ...(root !== undefined && { root }),
    ...(flags.entrypoint !== undefined && { entrypoint: flags.entrypoint }),
    ...(flags.workdir !== undefined && { workdir: flags.workdir }),
    ...(flags.user !== undefined && { user: flags.user }),
    ...(flags.hostname !== undefined && { hostname: flags.hostname }),
    ...(flags.memory !== undefined && { memoryBytes: parseSize(flags.memory) }),
    ...(flags.pidsLimit !== undefined && { pidsLimit: Number(flags.pidsLimit) }),
    ...(flags.cpus !== undefined && { cpus: Number(flags.cpus) }),
  });
  if (res.oomKilled) process.stderr.write("tsbuild: the container was killed by its memory limit\n");
  process.exitCode = res.exitCode;
}

/** registerRun adds `tsbuild run`. */
export function registerRun(program: Command): void {
  program
    .command("run")
    .description("run a command in a new container from an image (foreground; the container is removed at exit)")
    .argument("<image>", "image name or ID")
    .argument("[command...]", "command and arguments (default: the image's Entrypoint and Cmd)")
    .option("--rm", "remove the container when it exits (always the case for now)")
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
    .option("--runtime <name>", "sandbox driver: runc, crun, builtin or auto", "auto")
    .addHelpText("after", "\nExamples:\n  tsbuild run --rm demo:1\n  tsbuild run --rm -e NAME=x busybox sh -c 'echo $NAME'\n  tsbuild run --network none --memory 256m busybox ls -l /")
    .action(action);
}
