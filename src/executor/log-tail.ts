/** LOG_TAIL_LINES is how many lines a failed step reports: the 20 BuildKit's failure summary and our TUI show. */
export const LOG_TAIL_LINES = 20;

/** MAX_LINE_CHARS bounds one remembered line, so a step printing a 100 MB line without `\n` stays cheap. */
const MAX_LINE_CHARS = 4096;

/**
 * LogTail remembers the last lines of a step's combined output, for the error of a failed step.
 * Memory stays bounded by LOG_TAIL_LINES x MAX_LINE_CHARS whatever the step prints.
 */
export class LogTail {
  private readonly done: string[] = [];
  private partial = "";

  /** push appends decoded output text. */
  push(text: string): void {
    const parts = text.split("\n");
    for (let i = 0; i < parts.length - 1; i++) {
      this.done.push(clip(this.partial + parts[i]!).replace(/\r$/, ""));
      this.partial = "";
      if (this.done.length > LOG_TAIL_LINES) this.done.shift();
    }
    this.partial = clip(this.partial + parts[parts.length - 1]!);
  }

  /** lines returns the last LOG_TAIL_LINES lines, oldest first, including an unterminated last line. */
  lines(): string[] {
    const all = this.partial === "" ? [...this.done] : [...this.done, this.partial];
    return all.slice(-LOG_TAIL_LINES);
  }
}

function clip(line: string): string {
  return line.length > MAX_LINE_CHARS ? line.slice(0, MAX_LINE_CHARS) : line;
}
