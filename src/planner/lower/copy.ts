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
import { heredocFor } from "../../parser/instructions/heredoc.js";
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
/**
 * copySources expands the source words in order: heredocs become inline files, on ADD a git
 * reference a git source and an http(s) URL a url source. `shown` are the expanded non-heredoc
 * words (credentials redacted), for the history. Undefined when something failed (reported).
 */
function copySources(ins: CopyInstruction | AddInstruction, state: StageState, x: Expander, ctx: PlanContext): { sources: CopySource[]; shown: string[] } | undefined {
  const sources: CopySource[] = [];
  const shown: string[] = [];
  for (const w of ins.sources) {
    const h = heredocFor(w, ins.heredocs);
    if (h) {
      const s = heredocSource(h, state, ctx);
      if (!s) return undefined;
      sources.push(s);
      continue;
    }
    const v = x.word(w.value, w.range);
    if (v === undefined) return undefined;
    const git = ins.kind === "ADD" ? parseGitRef(v) : undefined;
    if (git && !git.ok) {
      report(ctx, "error", "InvalidGitSource", git.message, w.range);
      return undefined;
    }
    sources.push(git ? { kind: "git", ...git.value } : ins.kind === "ADD" && URL_RE.test(v) ? { kind: "url", url: v } : { kind: "path", path: v });
    shown.push(redactUrl(v));
  }
  // BuildKit: "when using git source, only one source can be specified".
  if (sources.some((s) => s.kind === "git") && sources.length !== 1) {
    report(ctx, "error", "InvalidGitSource", "ADD of a git repository takes exactly one source", ins.range);
    return undefined;
  }
  return { sources, shown };
}

/** CopyWords are a COPY or ADD's expanded destination and flags. */
interface CopyWords {
  readonly dest: string;
  readonly chown: string | undefined;
  readonly chmod: string | undefined;
  readonly checksum: string | undefined;
}

/** copyWords expands the destination, --chown, --chmod and --checksum; undefined when one fails (reported). */
function copyWords(ins: CopyInstruction | AddInstruction, x: Expander): CopyWords | undefined {
  const dest = x.word(ins.dest.value, ins.dest.range);
  const chown = ins.chown?.value === undefined ? undefined : x.word(ins.chown.value, ins.chown.range);
  const chmod = ins.chmod?.value === undefined ? undefined : x.word(ins.chmod.value, ins.chmod.range);
  const checksum = ins.kind === "ADD" && ins.checksum?.value !== undefined ? x.word(ins.checksum.value, ins.checksum.range) : undefined;
  if (dest === undefined || (ins.chown && chown === undefined) || (ins.chmod && chmod === undefined)) return undefined;
  return { dest, chown, chmod, checksum };
}

/** copyHistory is BuildKit's history text for COPY and ADD. */
function copyHistory(ins: CopyInstruction | AddInstruction, words: CopyWords, sources: readonly CopySource[], shown: readonly string[]): string {
  const inline = sources.flatMap((s) => (s.kind === "inline" ? [`<<${s.file.name}`] : []));
  return [
    ins.kind,
    ...(ins.kind === "COPY" && ins.parents ? ["--parents"] : []),
    ...(words.chown ? [`--chown=${words.chown}`] : []),
    ...(words.chmod ? [`--chmod=${words.chmod}`] : []),
    ...shown,
    ...inline,
    words.dest,
  ].join(" ");
}

/** lowerCopy adds a copy vertex for COPY or ADD. */
export function lowerCopy(ins: CopyInstruction | AddInstruction, state: StageState, x: Expander, ctx: PlanContext, onbuild: boolean): void {
  const expanded = copySources(ins, state, x, ctx);
  if (!expanded) return;
  const words = copyWords(ins, x);
  if (!words) return;
  let fromInput: Digest | undefined;
  if (ins.kind === "COPY" && ins.from?.value !== undefined) {
    fromInput = fromSource(ins.from.value, state, ctx, ins.from.range);
    if (!fromInput) return;
  }
  const { sources, shown } = expanded;
  state.root = addVertex(
    ctx,
    {
      kind: "copy",
      add: ins.kind === "ADD",
      from: fromInput ? "input" : "context",
      sources,
      dest: resolveDest(state.config.WorkingDir, words.dest),
      chown: words.chown,
      chmod: words.chmod,
      link: ins.link,
      parents: ins.kind === "COPY" && ins.parents,
      excludes: ins.excludes.map((f) => f.value ?? ""),
      checksum: words.checksum,
      unpack: ins.kind === "ADD" ? ins.unpack : undefined,
      keepGitDir: ins.kind === "ADD" && ins.keepGitDir,
    },
    fromInput ? [state.root, fromInput] : [state.root],
    { name: nextLabel(state, `${ins.kind} ${redactUrl(ins.text.trim())}`, onbuild), stage: state.displayName, range: ins.range },
  );
  commitHistory(state, copyHistory(ins, words, sources, shown), true, true);
}
