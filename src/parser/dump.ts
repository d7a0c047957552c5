/**
 * BuildKit's AST dump (parser.Node.Dump; conformance/README.md 1.1 and 1.3): one line per
 * instruction, `(keyword ["--flag" ...] "arg" ...)`, every string quoted as Go's strconv.Quote.
 */
import { goQuote } from "../core/gofmt.js";
import type { RawInstruction } from "./raw.js";

/** dumpInstruction renders one instruction without its surrounding parentheses. */
function dumpInstruction(raw: RawInstruction): string {
  let out = raw.keyword.toLowerCase();
  if (raw.flags.length > 0) out += ` [${raw.flags.map((f) => goQuote(f.text)).join(" ")}]`;
  if (raw.trigger) out += ` (${dumpInstruction(raw.trigger)})`;
  for (const a of raw.args) out += ` ${goQuote(a.value)}`;
  return out.trim();
}

/** dump renders instructions as BuildKit's Dump does: one `(...)` line each, joined by `\n`, no final newline. */
export function dump(raws: readonly RawInstruction[]): string {
  return raws.map((r) => `(${dumpInstruction(r)})`).join("\n");
}
