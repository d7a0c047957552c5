/** Recognizing heredoc words (`<<EOF`, `<<-'EOF'`, `3<<EOF`) among COPY/ADD arguments. */
import type { Heredoc, Word } from "../ast.js";

const HEREDOC_WORD = /^(\d*)<<(-?)\s*([^<]*)$/;

/**
 * heredocName is the name of the heredoc a word introduces, or undefined when the word is not a
 * heredoc (BuildKit's ParseHeredoc: the pattern above, a non-empty delimiter, quotes removed).
 */
export function heredocName(word: string): string | undefined {
  const m = HEREDOC_WORD.exec(word);
  const delim = m?.[3];
  if (!delim) return undefined;
  let name = "";
  let quote: string | undefined;
  for (let i = 0; i < delim.length; i++) {
    const c = delim[i] ?? "";
    if (quote !== undefined) {
      if (c === quote) quote = undefined;
      else if (c === "\\" && quote === '"' && i + 1 < delim.length) name += delim[++i] ?? "";
      else name += c;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === "\\" && i + 1 < delim.length) name += delim[++i] ?? "";
    else name += c;
  }
  return name === "" ? undefined : name;
}

/**
 * heredocFor finds the body of a heredoc word among `heredocs`: the one whose `<<NAME` word is at
 * the same place, else the first with the same name. Undefined when the word is no heredoc.
 */
export function heredocFor(word: Word, heredocs: readonly Heredoc[]): Heredoc | undefined {
  const name = heredocName(word.value);
  if (name === undefined) return undefined;
  return (
    heredocs.find((h) => h.wordRange.start.offset === word.range.start.offset) ?? heredocs.find((h) => h.name === name)
  );
}
