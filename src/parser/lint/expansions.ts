/**
 * expandedWords lists, for one instruction, the raw words BuildKit expands when it dispatches
 * it (instructions' Expand/ExpandRaw methods, RUN --mount option values), in order. ARG
 * defaults and EXPOSE are handled by their rules because their scope changes word by word.
 */
import type { AddInstruction, CopyInstruction, Instruction, Word } from "../ast.js";

/** ExpandedWord is one word to expand; `raw` marks heredoc bodies (quotes kept, `\` escapes). */
export interface ExpandedWord {
  readonly text: string;
  readonly raw: boolean;
}

const HEREDOC_WORD = /^[0-9]*<<-?/;

/** isHeredocSource tells whether a COPY/ADD source word stands for one of its heredocs. */
export function isHeredocSource(ins: CopyInstruction | AddInstruction, w: Word): boolean {
  return ins.heredocs.length > 0 && HEREDOC_WORD.test(w.value);
}

/** contextSources lists the non-heredoc source words of a COPY or ADD. */
export function contextSources(ins: CopyInstruction | AddInstruction): Word[] {
  return ins.sources.filter((w) => !isHeredocSource(ins, w));
}

/** splitCsv splits a `--mount` value on commas outside double quotes, removing the quotes. */
export function splitCsv(value: string): string[] {
  const out: string[] = [];
  let cur = "";
  let quoted = false;
  for (const ch of value) {
    if (ch === '"') quoted = !quoted;
    else if (ch === "," && !quoted) {
      out.push(cur);
      cur = "";
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

/** copyWords lists the flag values, sources, destination and expandable heredoc bodies. */
function copyWords(ins: CopyInstruction | AddInstruction): ExpandedWord[] {
  const flags = [ins.chown, ins.chmod, ins.kind === "ADD" ? ins.checksum : undefined];
  const out: ExpandedWord[] = [];
  for (const f of flags) if (f?.value !== undefined) out.push({ text: f.value, raw: false });
  for (const w of contextSources(ins)) out.push({ text: w.value, raw: false });
  out.push({ text: ins.dest.value, raw: false });
  for (const h of ins.heredocs) if (h.expand) out.push({ text: h.content, raw: true });
  return out;
}

/** mountWords lists the value of every `key=value` field of every `--mount`. */
function mountWords(ins: Extract<Instruction, { kind: "RUN" }>): ExpandedWord[] {
  const out: ExpandedWord[] = [];
  for (const f of ins.flags) {
    if (f.name !== "mount" || f.value === undefined) continue;
    for (const field of splitCsv(f.value)) {
      const eq = field.indexOf("=");
      if (eq >= 0) out.push({ text: field.slice(eq + 1), raw: false });
    }
  }
  return out;
}

/** expandedWords returns the words of `ins` that are expanded against the stage environment. */
export function expandedWords(ins: Instruction): ExpandedWord[] {
  const plain = (ws: readonly Word[]): ExpandedWord[] => ws.map((w) => ({ text: w.value, raw: false }));
  switch (ins.kind) {
    case "ENV":
    case "LABEL":
      return ins.pairs.flatMap((p) => plain([p.key, p.value]));
    case "COPY":
    case "ADD":
      return copyWords(ins);
    case "WORKDIR":
      return plain([ins.path]);
    case "USER":
      return plain([ins.user]);
    case "VOLUME":
      return plain(ins.paths);
    case "STOPSIGNAL":
      return plain([ins.signal]);
    case "RUN":
      return mountWords(ins);
    default:
      return [];
  }
}
