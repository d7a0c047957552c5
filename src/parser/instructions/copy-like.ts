/** What COPY and ADD share: sources and destination, heredoc sources, --chown/--chmod/--link/--exclude. */
import type { CopyLikeFields, Word } from "../ast.js";
import { chmodError } from "./chmod.js";
import { argsRange, emptyWordAt, keywordName, report, type Lowering } from "./common.js";
import type { ParsedFlags } from "./flags.js";
import { heredocFor, heredocName } from "./heredoc.js";

/**
 * copyLikeOf checks the arguments (at least a source and a destination; the destination is no
 * heredoc) and the shared flags, then builds the shared fields. Heredoc sources stay in
 * `sources` as their `<<NAME` words; their bodies are in `heredocs`.
 */
export function copyLikeOf(l: Lowering, f: ParsedFlags): CopyLikeFields {
  const { raw } = l;
  if (raw.args.length < 2) {
    const msg = `${keywordName(raw)} requires at least two arguments, but only one was provided. Destination could not be determined`;
    report(l, "ArgumentCount", msg, argsRange(raw));
  }
  const dest = raw.args[raw.args.length - 1] ?? emptyWordAt(raw.keywordRange);
  const sources = raw.args.slice(0, -1);
  if (raw.args.length > 0 && heredocName(dest.value) !== undefined) {
    report(l, "HeredocDestination", `${keywordName(raw)} cannot accept a heredoc as a destination`, dest.range);
  }
  // Deviation: --chmod is checked at parse time; BuildKit checks it while dispatching the stage.
  const chmod = f.get("chmod");
  const bad = chmod?.value === undefined ? undefined : chmodError(chmod.value);
  if (chmod && bad) report(l, "InvalidChmod", bad, chmod.valueRange ?? chmod.range);
  return {
    sources,
    dest,
    json: raw.json,
    heredocs: raw.heredocs,
    chown: f.get("chown"),
    chmod,
    link: f.bool("link") ?? false,
    excludes: f.all("exclude"),
  };
}

/** pathSources are the sources that are not heredoc words (in the JSON form, all of them). */
export function pathSources(l: Lowering, sources: readonly Word[]): Word[] {
  if (l.raw.json) return [...sources];
  return sources.filter((s) => heredocFor(s, l.raw.heredocs) === undefined && heredocName(s.value) === undefined);
}
