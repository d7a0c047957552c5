/**
 * RUN (Dockerfile reference "RUN"; BuildKit dispatchRun): shell form wrapped in SHELL, exec form
 * as is, heredocs per BuildKit's rules, --mount values expanded (except from=), and the history
 * line `RUN |N K=V ... <args> # buildkit` naming the stage's ARGs.
 */
import { posix } from "node:path";
import type { Digest } from "../../core/digest.js";
import type { Heredoc, Mount, RunInstruction } from "../../parser/ast.js";
import { addVertex, report, type PlanContext } from "../context.js";
import type { Expander } from "../expand.js";
import type { ExecMount, InlineFile } from "../plan.js";
import { DEFAULT_PATH, commitHistory, envList, withShell, type StageState } from "../state.js";
import { nextLabel } from "./progress.js";
import { fromSource } from "./sources.js";

/** chomp removes leading tabs from every line (`<<-`). */
export function chomp(content: string): string {
  return content.replace(/^\t+/gm, "");
}

const SINGLE_HEREDOC = /^[0-9]*<<-?\s*\S+$/;

/** runArgs builds the command line, and inline files for a shebang heredoc. */
function runArgs(ins: RunInstruction, state: StageState): { args: string[]; files: InlineFile[] } {
  if (ins.command.form === "exec") return { args: ins.command.argv.map((w) => w.value), files: [] };
  const script = ins.command.script.value;
  const first: Heredoc | undefined = ins.heredocs[0];
  if (!first) return { args: withShell(state, [script]), files: [] };
  if (SINGLE_HEREDOC.test(script.trim())) {
    const data = first.chomp ? chomp(first.content) : first.content;
    if (data.startsWith("#!")) {
      const file = { name: first.name, content: data, mode: 0o755 };
      return { args: withShell(state, [posix.join("/dev/pipes", first.name)]), files: [file] };
    }
    return { args: withShell(state, [data]), files: [] };
  }
  // Several heredocs, or one inside a longer command: hand the whole script to the shell.
  const whole = ins.heredocs.reduce((acc, h) => `${acc}\n${h.content}${h.name}`, script);
  return { args: withShell(state, [whole]), files: [] };
}

/** resolveTarget makes a mount target absolute against the working directory. */
function mountTarget(target: string, state: StageState): string {
  return target.startsWith("/") ? posix.normalize(target) : posix.join(state.config.WorkingDir || "/", target);
}

/**
 * mountNumber returns uid, gid or mode: the parser's typed value, or, when the value held a
 * variable (`uid=$UID`), the expanded value checked here, after expansion, as BuildKit does.
 */
function mountNumber(m: Mount, key: "uid" | "gid" | "mode", x: Expander, ctx: PlanContext): number | undefined | null {
  if (m[key] !== undefined) return m[key];
  const opt = m.options.find((o) => o.key === key);
  if (opt?.value === undefined) return undefined;
  const v = x.word(opt.value, opt.range);
  if (v === undefined) return null;
  const radix = key === "mode" ? 8 : 10;
  const ok = key === "mode" ? /^[0-7]+$/.test(v) : /^[0-9]+$/.test(v);
  if (!ok) {
    report(ctx, "error", "InvalidMount", `invalid ${key} value ${JSON.stringify(v)} in --mount (from ${JSON.stringify(opt.value)})`, opt.range);
    return null;
  }
  return parseInt(v, radix);
}

/**
 * mountTargetOf is a --mount's absolute target: as written (expanded), else the secret default
 * (`/run/secrets/<base name of the secret's name>`) or the ssh default (numbered among the step's
 * ssh mounts, as BuildKit does); undefined (reported) when there is none or it is `/`.
 */
function mountTargetOf(m: Mount, target: string | undefined, secretName: string | undefined, state: StageState, ctx: PlanContext, sshIndex: number): string | undefined {
  if (m.type === "secret" && target === undefined) target = `/run/secrets/${posix.basename(secretName ?? "")}`;
  if (m.type === "ssh" && target === undefined) target = `/run/buildkit/ssh_agent.${sshIndex}`;
  if (target === undefined || target === "") {
    report(ctx, "error", "InvalidMount", `mount of type ${m.type} needs a target`, m.range);
    return undefined;
  }
  const abs = mountTarget(target, state);
  if (abs === "/") {
    report(ctx, "error", "InvalidMount", "mount target cannot be /", m.range);
    return undefined;
  }
  return abs;
}

/** lowerMount expands one --mount and fills BuildKit's defaults; inputs gets the `from` vertex. */
function lowerMount(m: Mount, state: StageState, x: Expander, ctx: PlanContext, inputs: Digest[], sshIndex: number): ExecMount | undefined {
  const ex = (v: string | undefined) => (v === undefined ? undefined : x.word(v, m.range));
  const id = ex(m.id);
  const source = ex(m.source);
  // A secret is named by source, else id, else its target's base name (BuildKit's dispatchSecret).
  const secretName = m.type === "secret" ? (source ?? id) : undefined;
  const abs = mountTargetOf(m, ex(m.target), secretName, state, ctx, sshIndex);
  if (abs === undefined) return undefined;
  const mode = mountNumber(m, "mode", x, ctx);
  const uid = mountNumber(m, "uid", x, ctx);
  const gid = mountNumber(m, "gid", x, ctx);
  if (mode === null || uid === null || gid === null) return undefined;
  let input: number | undefined;
  if (m.from !== undefined) {
    const src = fromSource(m.from, state, ctx, m.range);
    if (!src) return undefined;
    input = inputs.length + 1; // inputs[0] is the root filesystem
    inputs.push(src);
  }
  return {
    type: m.type,
    target: abs,
    source,
    input,
    fromContext: m.type === "bind" && m.from === undefined,
    readOnly: m.readOnly,
    cacheId: m.type === "cache" ? (id ?? abs) : undefined,
    sharing: m.type === "cache" ? (m.sharing ?? "shared") : undefined,
    secretId: m.type === "secret" ? (secretName ?? posix.basename(abs)) : m.type === "ssh" ? (id ?? "default") : undefined,
    secretEnv: ex(m.env),
    ...(m.type === "secret" && m.env !== undefined && m.target === undefined ? { envOnly: true } : {}),
    required: m.required ?? false,
    mode,
    uid,
    gid,
    size: ex(m.size),
  };
}

/** runCommandString renders BuildKit's history text: `|N K=V ... args`. */
function runCommandString(args: readonly string[], state: StageState): string {
  const seen = new Map<string, string>();
  for (const a of state.args) seen.set(a.key, `${a.key}=${state.env.get(a.key) ?? a.value ?? ""}`);
  const prefix = seen.size > 0 ? [`|${seen.size}`, ...seen.values()] : [];
  return [...prefix, ...args].join(" ");
}

/** lowerRun adds an exec vertex on top of the stage's root. */
export function lowerRun(ins: RunInstruction, state: StageState, x: Expander, ctx: PlanContext, onbuild: boolean): void {
  const { args, files } = runArgs(ins, state);
  const extra: Digest[] = [];
  const mounts: ExecMount[] = [];
  for (const m of ins.mounts) {
    const lowered = lowerMount(m, state, x, ctx, extra, mounts.filter((o) => o.type === "ssh").length);
    if (lowered) mounts.push(lowered);
  }
  const env = new Map(state.env);
  if (!env.has("PATH")) env.set("PATH", DEFAULT_PATH);
  // BuildKit points SSH_AUTH_SOCK at the first ssh mount unless the step's environment sets it.
  const ssh = mounts.find((o) => o.type === "ssh");
  if (ssh && !env.has("SSH_AUTH_SOCK")) env.set("SSH_AUTH_SOCK", ssh.target);
  state.root = addVertex(
    ctx,
    {
      kind: "exec",
      argv: args,
      env: envList(env),
      cwd: state.config.WorkingDir || "/",
      user: state.config.User ?? "",
      network: ins.network ?? "default",
      security: ins.security ?? "sandbox",
      mounts,
      files,
    },
    [state.root, ...extra],
    { name: nextLabel(state, `RUN ${ins.text.trim()}`, onbuild), stage: state.displayName, range: ins.range },
  );
  commitHistory(state, `RUN ${runCommandString(args, state)}`, true, true);
}
