/**
 * The exec op (RUN): runs argv in the sandbox on a writable snapshot of inputs[0], with the step's
 * mounts, and commits the changes as a layer. A non-zero exit rejects with ProcessExitError.
 */
import { chmod, chown, rm, writeFile } from "node:fs/promises";
import { Writable } from "node:stream";
import { InputError, ProcessExitError } from "../../core/errors.js";
import { ramInBytes } from "../../core/units.js";
import type { ExecMount, ExecOp } from "../../planner/plan.js";
import type { SpecMount } from "../../runtime/spec-input.js";
import type { OpContext, ResolvedInput } from "../types.js";
import { leaseCacheDir } from "./cache-mounts.js";
import { etcMounts } from "./etc-files.js";
import { missingPaths, removeMountPoints, stubParents } from "./mount-stubs.js";
import type { StubParent } from "../../runtime/stub-dirs.js";
import { startSshRelay } from "./ssh-proxy.js";
import { scratchDir, withReadOnlyView, withWritableStep } from "./step.js";
import type { FsResult, OpServices } from "./types.js";

/** BUILD_HOSTNAME is the hostname RUN steps see, as in BuildKit. */
export const BUILD_HOSTNAME = "buildkitsandbox";

function logStream(ctx: OpContext, stream: "stdout" | "stderr"): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, done) {
      ctx.log(stream, chunk);
      done();
    },
  });
}

/** Mounts collects spec mounts plus what must be released after the run. */
interface Mounts {
  readonly spec: SpecMount[];
  readonly views: Promise<unknown>[];
  /** Secret environment variables (`env=`), added to the step's environment only when it runs. */
  readonly env: string[];
  /** Releases run after the step: relay sockets closed, cache directories given back. */
  readonly releases: (() => void | Promise<void>)[];
}

/**
 * secretMount exposes a `--secret` value as a read-only file at the target (mode 0400, owner 0:0
 * unless the mount says otherwise) and, with `env=`, as that environment variable; a secret that
 * was not given is skipped, or with required=true fails the step. The value stays out of the op,
 * hence out of every cache key, layer and history entry.
 */
async function secretMount(services: OpServices, m: ExecMount, file: string, out: Mounts): Promise<void> {
  const secret = services.secrets?.get(m.secretId ?? "");
  if (secret === undefined) {
    if (m.required) throw new InputError(`secret ${JSON.stringify(m.secretId)} is required by RUN --mount=type=secret but was not given (use --secret id=${m.secretId},src=FILE)`);
    return;
  }
  if (m.secretEnv !== undefined) out.env.push(`${m.secretEnv}=${Buffer.from(secret).toString("utf8")}`);
  if (m.envOnly) return;
  await writeFile(file, secret, { mode: m.mode ?? 0o400 });
  await chmod(file, m.mode ?? 0o400);
  await chown(file, m.uid ?? 0, m.gid ?? 0);
  out.spec.push({ type: "bind", source: file, destination: m.target, readonly: true });
}

/**
 * sshMount relays the agent with the mount's id into the step (mode 0600, owner 0:0 unless the
 * mount says otherwise, as BuildKit does). An id that was not given skips the mount, or, with
 * required=true, fails the step naming the id.
 */
async function sshMount(services: OpServices, m: ExecMount, i: number, scratch: string, out: Mounts): Promise<void> {
  const id = m.secretId ?? "default";
  const agent = services.sshAgents?.get(id);
  if (agent === undefined) {
    const hint = id === "default" ? "--ssh default (with SSH_AUTH_SOCK set) or --ssh default=SOCKET" : `--ssh ${id}=SOCKET`;
    if (m.required) throw new InputError(`ssh agent ${JSON.stringify(id)} is required by RUN --mount=type=ssh but was not given (use ${hint})`);
    return;
  }
  const relay = await startSshRelay(scratch, `ssh-${i}.sock`, agent, { mode: m.mode ?? 0o600, uid: m.uid ?? 0, gid: m.gid ?? 0 });
  out.releases.push(() => relay.close());
  out.spec.push({ type: "bind", source: relay.path, destination: m.target });
}

/** bindFromInput mounts an input read-only and binds the requested subpath for the whole run. */
function bindFromInput(services: OpServices, fs: FsResult, m: ExecMount, out: Mounts, ready: Promise<void>): Promise<void> {
  return new Promise<void>((resolveBound, reject) => {
    const view = withReadOnlyView(services, fs, async (root) => {
      const src = await services.resolveInRoot(root, m.source ?? "/");
      if (!src) throw new InputError(`RUN --mount source ${JSON.stringify(m.source ?? "/")} does not exist in the mounted stage or image`);
      out.spec.push({ type: "bind", source: src, destination: m.target, readonly: m.readOnly });
      resolveBound();
      await ready; // keep the view mounted until the run is over
    });
    view.catch(reject);
    out.views.push(view);
  });
}

/** contextBind resolves a bind mount of the build context (type=bind without from). */
function contextBind(services: OpServices, m: ExecMount): SpecMount {
  const ctx = services.context;
  if (!ctx) throw new InputError(`RUN --mount=type=bind,target=${m.target} reads the build context, but this build has none`);
  const rel = (m.source ?? ".").replace(/^\/+/, "") || ".";
  const entry = ctx.entries.get(rel.replace(/\/+$/, "") || ".");
  if (!entry || entry.type === "symlink") throw new InputError(`RUN --mount source ${JSON.stringify(m.source ?? ".")}: not found in the build context`);
  // entry.path comes from tsbuild's own confined walk of the context, not from the Dockerfile.
  return { type: "bind", source: entry.path === "." ? ctx.root : `${ctx.root}/${entry.path}`, destination: m.target, readonly: m.readOnly };
}

/** tmpfsMount is a `type=tmpfs` mount; `size=` is read as BuildKit reads it (64m is 64 MiB). */
function tmpfsMount(m: ExecMount): SpecMount {
  if (m.size === undefined) return { type: "tmpfs", source: "tmpfs", destination: m.target };
  const size = ramInBytes(m.size);
  if (size === undefined || size <= 0) throw new InputError(`RUN --mount=type=tmpfs,size=${m.size}: not a size; use a number of bytes or one with a unit such as 64m or 1g`);
  return { type: "tmpfs", source: "tmpfs", destination: m.target, size };
}

/** buildMounts fills `out` with the step's mounts; what it started before a failure is in `out` for the caller to release. */
async function buildMounts(services: OpServices, op: ExecOp, inputs: readonly ResolvedInput<FsResult>[], scratch: string, ready: Promise<void>, out: Mounts, signal: AbortSignal): Promise<void> {
  // BuildKit mounts resolv.conf and hosts first, so a step's own mounts may still cover /etc.
  out.spec.push(...(await etcMounts(scratch, BUILD_HOSTNAME, op.network === "none" ? "none" : "host")));
  for (const [i, m] of op.mounts.entries()) {
    if (m.type === "cache") {
      const lease = await leaseCacheDir(services, m, inputs, signal);
      out.releases.push(() => lease.release());
      out.spec.push({ type: "bind", source: lease.path, destination: m.target, readonly: m.readOnly });
    }
    else if (m.type === "tmpfs") out.spec.push(tmpfsMount(m));
    else if (m.type === "bind" && m.input !== undefined) await bindFromInput(services, inputs[m.input]!.result, m, out, ready);
    else if (m.type === "bind") out.spec.push(contextBind(services, m));
    else if (m.type === "secret") await secretMount(services, m, `${scratch}/secret-${i}`, out);
    else await sshMount(services, m, i, scratch, out);
  }
  for (const f of op.files) {
    const file = `${scratch}/pipe-${f.name.replace(/[^A-Za-z0-9_.-]/g, "_")}`;
    await writeFile(file, f.content, { mode: f.mode });
    out.spec.push({ type: "bind", source: file, destination: `/dev/pipes/${f.name}`, readonly: true });
  }
}

/** withSecretEnv sets the secret variables over the step's environment (a secret replaces a same-named ENV or ARG). */
function withSecretEnv(env: readonly string[], secrets: readonly string[]): readonly string[] {
  if (secrets.length === 0) return env;
  const names = new Set(secrets.map((e) => e.slice(0, e.indexOf("="))));
  return [...env.filter((e) => !names.has(e.slice(0, e.indexOf("=")))), ...secrets];
}

/** runExec carries out an exec vertex. */
export async function runExec(services: OpServices, op: ExecOp, inputs: readonly ResolvedInput<FsResult>[], ctx: OpContext): Promise<FsResult> {
  const scratch = await scratchDir(services, "exec");
  let finish!: () => void;
  const ready = new Promise<void>((r) => (finish = r));
  const mounts: Mounts = { spec: [], views: [], env: [], releases: [] };
  let parents: StubParent[] = [];
  try {
    await buildMounts(services, op, inputs, scratch, ready, mounts, ctx.signal);
    const step = async (rootfs: string): Promise<void> => {
      const user = await services.resolveUser(rootfs, op.user);
      await services.resolveInRoot(rootfs, op.cwd, "dir");
      const created: string[] = [];
      for (const m of mounts.spec) created.push(...(await missingPaths(services, rootfs, m.destination)));
      parents = await stubParents(services, rootfs, mounts.spec.map((m) => m.destination), created);
      const res = await services.runSandbox(
        {
          rootfs,
          argv: op.argv,
          env: withSecretEnv(op.env, mounts.env),
          cwd: op.cwd,
          user,
          hostname: BUILD_HOSTNAME,
          mounts: mounts.spec,
          network: op.network === "none" ? "none" : "host",
          limits: {},
          tty: false,
          readonlyRootfs: false,
        },
        { stdout: logStream(ctx, "stdout"), stderr: logStream(ctx, "stderr"), signal: ctx.signal },
      );
      await removeMountPoints(services, rootfs, created);
      if (res.aborted) throw ctx.signal.reason ?? new Error("aborted");
      if (res.exitCode !== 0) throw new ProcessExitError(op.argv, res.exitCode);
    };
    return await withWritableStep(services, inputs[0]!.result, step, (upper) => services.pruneStubParents(upper, parents));
  } finally {
    finish();
    await Promise.allSettled(mounts.views);
    await Promise.allSettled(mounts.releases.map(async (release) => release()));
    await rm(scratch, { recursive: true, force: true });
  }
}
