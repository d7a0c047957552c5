/** ADD: like COPY, plus URLs, git repositories and archive unpacking (reference.md "ADD"). */
import type { AddInstruction, Flag, Word } from "../ast.js";
import { nodeOf, report, type Lowering } from "./common.js";
import { copyLikeOf, pathSources } from "./copy-like.js";
import { flagsFor } from "./flags.js";

const REMOTE = /^(https?:\/\/|git:\/\/|ssh:\/\/|git@)/;

// Deviation: checked at parse time; BuildKit checks it while dispatching the stage.
/**
 * checkChecksum applies BuildKit's --checksum rules (convert_copy.go): one non-heredoc source,
 * and that source remote (HTTP(S) or git). A source holding `$` is left to the planner.
 */
function checkChecksum(l: Lowering, checksum: Flag, sources: readonly Word[]): void {
  if (checksum.value === "") return;
  const paths = pathSources(l, sources);
  const only = paths[0];
  if (paths.length !== 1 || !only) {
    report(l, "InvalidChecksum", "checksum can't be specified for multiple sources", checksum.range);
  } else if (!only.value.includes("$") && !REMOTE.test(only.value)) {
    report(l, "InvalidChecksum", "checksum requires HTTP(S) or Git sources", checksum.range, [
      { message: "this source is not a URL", range: only.range },
    ]);
  }
}

/** lowerAdd adds ADD's own flags (--checksum, --keep-git-dir, --unpack) to the shared fields. */
export function lowerAdd(l: Lowering): AddInstruction {
  const f = flagsFor(l, "add");
  const shared = copyLikeOf(l, f);
  const checksum = f.get("checksum");
  if (checksum) checkChecksum(l, checksum, shared.sources);
  return Object.assign(nodeOf(l.raw, shared), {
    kind: "ADD" as const,
    checksum,
    keepGitDir: f.bool("keep-git-dir") ?? false,
    unpack: f.bool("unpack"),
  });
}
