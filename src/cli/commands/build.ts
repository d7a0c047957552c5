/**
 * `tsbuild build [CONTEXT]` (also `tsbuild CONTEXT`): build an image from a Dockerfile into the
 * local store. Progress goes to stderr (plain text), the image ID to stdout with --quiet.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import type { Command } from "commander";
import { parseCacheFrom, parseCacheTo, parseOutput, InputError } from "../../api/essentials.js";
import { createRenderer, PROGRESS_MODES, resolveProgressMode } from "../progress/mode.js";
import { suggest } from "../suggest.js";

interface BuildFlags {
  file?: string;
  tag: string[];
  target?: string;
  platform?: string;
  buildArg: string[];
  label: string[];
  secret: string[];
  ssh: string[];
  pull?: boolean;
  /** commander turns `--no-cache` into `cache: false` and `--no-cache-filter S` into `cacheFilter`. */
  cache?: boolean;
  cacheFilter: string[];
  progress?: string;
  root?: string;
  runtime: string;
  jobs?: string;
  iidfile?: string;
  metadataFile?: string;
  output?: string;
  push?: boolean;
  quiet?: boolean;
  cacheFrom: string[];
  cacheTo: string[];
}

const collect = (v: string, prev: string[]) => [...prev, v];

/** keyValues parses repeated K=V flags; a bare K takes its value from the environment. */
function keyValues(list: readonly string[], flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of list) {
    const eq = item.indexOf("=");
    const key = eq < 0 ? item : item.slice(0, eq);
    if (key === "") throw new InputError(`invalid ${flag} ${JSON.stringify(item)}: expected KEY=VALUE`);
    const value = eq < 0 ? process.env[key] : item.slice(eq + 1);
    if (value !== undefined) out[key] = value;
  }
  return out;
}

/** secrets parses `--secret id=ID[,src=FILE|,env=VAR]` (BuildKit's form); the value never reaches a log. */
function secrets(list: readonly string[]): Record<string, Uint8Array> {
  const out: Record<string, Uint8Array> = {};
  for (const item of list) {
    const fields = Object.fromEntries(item.split(",").map((f) => [f.slice(0, f.indexOf("=") < 0 ? f.length : f.indexOf("=")), f.slice(f.indexOf("=") + 1)]));
    const id = fields.id;
    if (!id) throw new InputError(`invalid --secret ${JSON.stringify(item)}: expected id=ID,src=FILE or id=ID,env=VAR`);
    const src = fields.src ?? fields.source;
    if (src) out[id] = readFileSync(src);
    else {
      const v = process.env[fields.env ?? id];
      if (v === undefined) throw new InputError(`--secret ${id}: environment variable ${fields.env ?? id} is not set`);
      out[id] = Buffer.from(v);
    }
  }
  return out;
}

/**
 * sshAgents parses `--ssh default|ID[=SOCKET]` (BuildKit's form): without a socket the agent is
 * $SSH_AUTH_SOCK. BuildKit's comma-separated key-file lists are refused by the build (agents only).
 */
function sshAgents(list: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of list) {
    const eq = item.indexOf("=");
    const id = eq < 0 ? item : item.slice(0, eq);
    const path = eq < 0 ? process.env.SSH_AUTH_SOCK : item.slice(eq + 1);
    if (id === "") throw new InputError(`invalid --ssh ${JSON.stringify(item)}: expected default, ID or ID=SOCKET`);
    if (path === undefined || path === "") throw new InputError(`--ssh ${id}: SSH_AUTH_SOCK is not set; start ssh-agent or give the socket: --ssh ${id}=SOCKET`);
    if (path.includes(",")) throw new InputError(`--ssh ${id}=${path}: give one agent socket; tsbuild does not load key files (start ssh-agent and ssh-add them)`);
    out[id] = path;
  }
  return out;
}

/**
 * checkContext rejects a build context that does not exist; since `tsbuild WORD` builds WORD, a
 * mistyped command lands here, so the error suggests the command it resembles.
 */
function checkContext(context: string | undefined, cmd: Command): void {
  if (context === undefined || context === "-" || existsSync(context)) return;
  const names = (cmd.parent?.commands ?? []).map((c) => c.name());
  const near = suggest(context, names);
  const hint = near ? ` (did you mean the command "${near}"? run tsbuild --help for the list)` : "";
  throw new InputError(`build context ${JSON.stringify(context)} does not exist${hint}`);
}

async function action(context: string | undefined, flags: BuildFlags, cmd: Command): Promise<void> {
  checkContext(context, cmd);
  const ctx = context ?? ".";
  const dockerfilePath = flags.file ?? `${ctx}/Dockerfile`;
  const text = flags.file === "-" ? readFileSync(0, "utf8") : undefined;
  const mode = flags.quiet ? "quiet" : resolveProgressMode(flags.progress, { isTTY: process.stderr.isTTY === true, env: process.env });
  const renderer = await createRenderer(mode, { stdout: (l) => process.stdout.write(`${l}\n`), stderr: (l) => process.stderr.write(`${l}\n`) });
  const abort = new AbortController();
  const onSigint = () => abort.abort(new Error("interrupted"));
  process.once("SIGINT", onSigint);
  try {
    // The builder (parser, planner, executor) loads only for a build: other commands start without it.
    const { build } = await import("../../api/builder.js");
    const r = await build({
      context: ctx,
      ...(text !== undefined ? { dockerfileText: text, dockerfile: "-" } : { dockerfile: dockerfilePath }),
      ...(flags.target ? { target: flags.target } : {}),
      ...(flags.platform ? { platform: flags.platform } : {}),
      buildArgs: keyValues(flags.buildArg, "--build-arg"),
      labels: keyValues(flags.label, "--label"),
      secrets: secrets(flags.secret),
      ssh: sshAgents(flags.ssh),
      tags: flags.tag,
      noCache: flags.cache === false,
      ...(flags.pull ? { pull: true } : {}),
      noCacheFilter: flags.cacheFilter,
      ...(flags.root ? { root: flags.root } : {}),
      runtime: flags.runtime as "runc" | "crun" | "builtin" | "auto",
      ...(flags.jobs ? { jobs: Number(flags.jobs) } : {}),
      ...(process.env.SOURCE_DATE_EPOCH ? { sourceDateEpoch: Number(process.env.SOURCE_DATE_EPOCH) } : {}),
      ...(flags.output ? { output: parseOutput(flags.output) } : {}),
      ...(flags.metadataFile ? { metadataFile: flags.metadataFile } : {}),
      ...(flags.push ? { push: true } : {}),
      cacheFrom: flags.cacheFrom.map(parseCacheFrom),
      cacheTo: flags.cacheTo.map(parseCacheTo),
      signal: abort.signal,
      onEvent: renderer.onEvent,
    });
    if (r.unusedBuildArgs.length > 0) process.stderr.write(`[Warning] One or more build-args [${r.unusedBuildArgs.join(" ")}] were not consumed\n`);
    if (flags.iidfile) writeFileSync(flags.iidfile, r.configDigest);
    await renderer.finish({ ok: true, result: r });
  } catch (err) {
    await renderer.finish({ ok: false, error: err, dockerfileText: text ?? readText(dockerfilePath) });
    process.exitCode = 1;
  } finally {
    process.off("SIGINT", onSigint);
  }
}

/** readText reads the Dockerfile again for a failure's code frame; when it cannot be read the report simply has no frame. */
function readText(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    // The build already reported why the Dockerfile could not be read; the frame is optional.
    return undefined;
  }
}

/** registerBuild adds `tsbuild build` and makes it the default command (`tsbuild .`). */
export function registerBuild(program: Command): void {
  program
    .command("build [context]", { isDefault: true })
    .description("build an image from a Dockerfile into the local store")
    .option("-f, --file <path>", "Dockerfile path (default: CONTEXT/Dockerfile; - reads stdin)")
    .option("-t, --tag <name>", "name and tag the image (repeatable)", collect, [])
    .option("--target <stage>", "build this stage instead of the last one")
    .option("--platform <os/arch>", "platform to build for; only the host's (e.g. linux/amd64, amd64) is supported")
    .option("--build-arg <k=v>", "set a build-time variable (repeatable)", collect, [])
    .option("--label <k=v>", "add a label to the image (repeatable)", collect, [])
    .option("--secret <spec>", "expose a secret to RUN --mount=type=secret: id=ID,src=FILE or id=ID,env=VAR", collect, [])
    .option("--ssh <spec>", "forward an SSH agent to RUN --mount=type=ssh: default (SSH_AUTH_SOCK) or ID=SOCKET (repeatable)", collect, [])
    .option("--no-cache", "do not use the build cache")
    .option("--pull", "always resolve base images against their registries and pull newer ones (default: use stored images)")
    .option("--no-cache-filter <stage>", "do not use the cache for this stage (repeatable)", collect, [])
    .option("--cache-from <spec>", "also read step results from a local cache: type=local,src=DIR (repeatable)", collect, [])
    .option("--cache-to <spec>", "write step results to a local cache: type=local,dest=DIR[,mode=min|max] (repeatable)", collect, [])
    .option("--progress <mode>", `progress output: ${PROGRESS_MODES.join(", ")} (default: $TSBUILD_PROGRESS or auto)`)
    .option("-q, --quiet", "print only the image ID")
    .option("--iidfile <file>", "write the image ID to a file")
    .option("-o, --output <spec>", "also write the result: type=oci|docker|local|tar,dest=PATH (oci/docker: tar=false for a layout dir), type=registry or type=image,name=N,push=true")
    .option("--push", "push the image to the registry each -t name points at (same as --output type=registry)")
    .option("--metadata-file <file>", "write build metadata (containerimage.digest, containerimage.config.digest) as JSON")
    .option("--root <dir>", "store root (default: TSBUILD_ROOT, /var/lib/tsbuild for root)")
    .option("--runtime <name>", "sandbox driver: runc, crun, builtin or auto", "auto")
    .option("--jobs <n>", "how many steps run at once (default: CPU cores, at least 4)")
    .addHelpText("after", "\nExamples:\n  tsbuild .\n  tsbuild build -t app:dev --build-arg VERSION=1.2 .\n  tsbuild build -f docker/Dockerfile --target test ctx/\n  tsbuild build --progress plain -t app:ci . 2> build.log\n  tsbuild build -q . > image-id.txt")
    .action(action);
}
