/** The exec/shell command shared by RUN, CMD, ENTRYPOINT and HEALTHCHECK CMD. */
import type { Command, Word } from "../ast.js";
import type { RawInstruction } from "../raw.js";
import { emptyWordAt, span } from "./common.js";

/**
 * commandOf builds the Command from the arguments that follow any leading words (`skip` of them,
 * e.g. HEALTHCHECK's type): the JSON elements in exec form, else the single shell-form string.
 * An empty shell form (nothing after the keyword) is an empty script placed after `after`.
 */
export function commandOf(raw: RawInstruction, skip = 0): Command {
  const args = raw.args.slice(skip);
  if (raw.json) return { form: "exec", argv: args };
  const [first, ...others] = args;
  const script: Word | undefined = first && others.length > 0 ? joinWords([first, ...others]) : first;
  return { form: "shell", script: script ?? emptyWordAt(skip > 0 ? (raw.args[skip - 1]?.range ?? raw.rest.range) : raw.rest.range) };
}

/** joinWords joins two or more shell-form words with spaces, as BuildKit's handleJSONArgs does. */
function joinWords(words: readonly [Word, ...Word[]]): Word {
  const last = words[words.length - 1] ?? words[0];
  return { value: words.map((w) => w.value).join(" "), range: span(words[0].range, last.range) };
}

/** commandIsEmpty is true when the command has no program: an empty exec array or blank script. */
export function commandIsEmpty(c: Command): boolean {
  return c.form === "exec" ? c.argv.length === 0 : c.script.value.trim() === "";
}
