// Internal error types of the shell lexer; the public functions turn them into ExpandResult values.

/**
 * ExpansionError is a failure at `offset` (UTF-16 index into the word). `fatal` marks resource-limit
 * errors, which are reported as they are; other errors found at the end of the input inside `${...}`
 * are re-reported as the enclosing substitution's "missing '}'" (BuildKit does the same).
 */
export class ExpansionError extends Error {
  readonly offset: number;
  readonly fatal: boolean;
  constructor(message: string, offset: number, fatal = false) {
    super(message);
    this.name = "ExpansionError";
    this.offset = offset;
    this.fatal = fatal;
  }
}

/** LimitError is a resource limit hit where no input offset is known; the lexer adds the offset. */
export class LimitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LimitError";
  }
}

/** lengthLimitMessage is the text of the error for a produced string longer than `max`. */
export function lengthLimitMessage(max: number): string {
  return (
    `variable expansion produced a string longer than ${max} characters (the expansion length limit); ` +
    "check for a variable whose value refers to itself, such as ENV A=$A$A"
  );
}
