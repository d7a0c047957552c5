/** LOG_TAIL_LINES is how many lines a failed step reports: the 20 BuildKit's failure summary and our TUI show. */
export const LOG_TAIL_LINES = 20;

/** MAX_LINE_CHARS bounds one remembered line, so a step printing a 100 MB line without `\n` stays cheap. */
const MAX_LINE_CHARS = 4096;

/**
 * LogTail remembers the last lines of a step's combined output, for the error of a failed step:
 * lines in the order they were completed, each stream's unfinished line kept apart so stdout and
 * stderr never mix within a line. Memory stays bounded by LOG_TAIL_LINES x MAX_LINE_CHARS.
 */
export class LogTail {
  private readonly done: string[] = [];
  private readonly partial = { stdout: "", stderr: "" };

  /** push appends decoded output text of one stream. */
  push(stream: "stdout" | "stderr", text: string): void {
    const parts = text.split("\n");
    for (let i = 0; i < parts.length - 1; i++) {
      this.done.push(clip(this.partial[stream] + parts[i]!).replace(/\r$/, ""));
      this.partial[stream] = "";
      if (this.done.length > LOG_TAIL_LINES) this.done.shift();
    }
    this.partial[stream] = clip(this.partial[stream] + parts[parts.length - 1]!);
  }

  /** lines returns the last LOG_TAIL_LINES lines, oldest first, then unterminated stdout and stderr lines. */
  lines(): string[] {
    const open = [this.partial.stdout, this.partial.stderr].filter((l) => l !== "");
    return [...this.done, ...open].slice(-LOG_TAIL_LINES);
  }
}

function clip(line: string): string {
  return line.length > MAX_LINE_CHARS ? line.slice(0, MAX_LINE_CHARS) : line;
}
