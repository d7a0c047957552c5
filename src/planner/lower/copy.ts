/**
 * COPY and ADD (BuildKit dispatchCopy): sources, destination, --chown, --chmod and --checksum are
 * expanded; --from and --exclude are not. The destination is resolved against WORKDIR keeping a
 * trailing slash. Heredoc sources become inline files (bodies expanded unless the delimiter was
 * quoted). History: `COPY [--parents] [--chown=..] [--chmod=..] src... [<<name] dest # buildkit`.
 */
import { posix } from "node:path";
import type { Digest } from "../../core/digest.js";
import { parseGitRef, redactUrl } from "../../core/git-ref.js";
import type { AddInstruction, CopyInstruction, Heredoc } from "../../parser/ast.js";
import { expandHeredocBody } from "../../parser/shell/index.js";
import { addVertex, report, type PlanContext } from "../context.js";
import type { Expander } from "../expand.js";
import type { CopySource } from "../plan.js";
import { commitHistory, type StageState } from "../state.js";
import { nextLabel } from "./progress.js";
import { chomp } from "./run.js";
import { fromSource } from "./sources.js";

/** resolveDest makes dest absolute against the working directory, keeping a trailing slash. */
export function resolveDest(workdir: string | undefined, dest: string): string {
  const keepSlash = dest.endsWith("/") || dest === "." || dest === "";
  const base = dest.startsWith("/") ? posix.normalize(dest) : posix.join(workdir || "/", dest === "" ? "." : dest);
  const clean = base.length > 1 ? base.replace(/\/+$/, "") : base;
  return keepSlash && clean !== "/" ? `${clean}/` : clean;
}

/** heredocSource turns a heredoc into an inline file, expanding the body when allowed. */
function heredocSource(h: Heredoc, state: StageState, ctx: PlanContext): CopySource | undefined {
  let content = h.chomp ? chomp(h.content) : h.content;
  if (h.expand) {
    const r = expandHeredocBody(content, state.env);
    if (!r.ok) {
      report(ctx, "error", "ExpansionError", `cannot expand heredoc ${h.name}: ${r.message}`, h.bodyRange);
      return undefined;
    }
    content = r.value;
  }
  return { kind: "inline", file: { name: h.name, content, mode: 0o644 } };
}

const URL_RE = /^https?:\/\//;
const HEREDOC_WORD = /^[0-9]*<<-?\s*(.+)$/;

/** heredocFor returns the heredoc a source word such as `<<EOF` or `<<"EOF"` names, if any. */
function heredocFor(word: string, heredocs: readonly Heredoc[]): Heredoc | undefined {
  const m = HEREDOC_WORD.exec(word);
  if (!m) return undefined;
  const name = m[1]!.replace(/['"]/g, "");
  return heredocs.find((h) => h.name === name);
}

/** lowerCopy adds a copy vertex for COPY or ADD. */
export function lowerCopy(ins: CopyInstruction | AddInstruction, state: StageState, x: Expander, ctx: PlanContext, onbuild: boolean): void {
  const sources: CopySource[] = [];
  const shown: string[] = [];
  for (const w of ins.sources) {
    const h = heredocFor(w.value, ins.heredocs);
    if (h) {
      const s = heredocSource(h, state, ctx);
      if (!s) return;
      sources.push(s);
      continue;
    }
    const v = x.word(w.value, w.range);
    if (v === undefined) return;
    const git = ins.kind === "ADD" ? parseGitRef(v) : undefined;
    if (git && !git.ok) return report(ctx, "error", "InvalidGitSource", git.message, w.range);
    sources.push(git ? { kind: "git", ...git.value } : ins.kind === "ADD" && URL_RE.test(v) ? { kind: "url", url: v } : { kind: "path", path: v });
    shown.push(redactUrl(v));
  }
  // BuildKit: "when using git source, only one source can be specified".
  if (sources.some((s) => s.kind === "git") && sources.length !== 1) {
    return report(ctx, "error", "InvalidGitSource", "ADD of a git repository takes exactly one source", ins.range);
  }
  const destRaw = x.word(ins.dest.value, ins.dest.range);
  const chown = ins.chown?.value === undefined ? undefined : x.word(ins.chown.value, ins.chown.range);
  const chmod = ins.chmod?.value === undefined ? undefined : x.word(ins.chmod.value, ins.chmod.range);
  const checksum = ins.kind === "ADD" && ins.checksum?.value !== undefined ? x.word(ins.checksum.value, ins.checksum.range) : undefined;
  if (destRaw === undefined || (ins.chown && chown === undefined) || (ins.chmod && chmod === undefined)) return;
  let fromInput: Digest | undefined;
  if (ins.kind === "COPY" && ins.from?.value !== undefined) {
    fromInput = fromSource(ins.from.value, state, ctx, ins.from.range);
    if (!fromInput) return;
  }
  const inline = sources.filter((s) => s.kind === "inline").map((s) => `<<${s.kind === "inline" ? s.file.name : ""}`);
  const parents = ins.kind === "COPY" && ins.parents;
  const history = [
    ins.kind,
    ...(parents ? ["--parents"] : []),
    ...(chown ? [`--chown=${chown}`] : []),
    ...(chmod ? [`--chmod=${chmod}`] : []),
    ...shown,
    ...inline,
    destRaw,
  ].join(" ");
  state.root = addVertex(
    ctx,
    {
      kind: "copy",
      add: ins.kind === "ADD",
      from: fromInput ? "input" : "context",
      sources,
      dest: resolveDest(state.config.WorkingDir, destRaw),
      chown,
      chmod,
      link: ins.link,
      parents,
      excludes: ins.excludes.map((f) => f.value ?? ""),
      checksum,
      unpack: ins.kind === "ADD" ? ins.unpack : undefined,
      keepGitDir: ins.kind === "ADD" && ins.keepGitDir,
    },
    fromInput ? [state.root, fromInput] : [state.root],
    { name: nextLabel(state, `${ins.kind} ${redactUrl(ins.text.trim())}`, onbuild), stage: state.displayName, range: ins.range },
  );
  commitHistory(state, history, true, true);
}
