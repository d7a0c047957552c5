import { describe, expect, it } from "vitest";
import { LOG_TAIL_LINES } from "../../src/executor/index.js";
import { LogTail } from "../../src/executor/log-tail.js";

describe("LogTail", () => {
  it("keeps the last lines, joining chunks and keeping streams apart", () => {
    const t = new LogTail();
    t.push("stdout", "a\nb");
    t.push("stderr", "warn: x");
    t.push("stdout", "c\r\nd");
    t.push("stderr", "y\n");
    expect(t.lines()).toEqual(["a", "bc", "warn: xy", "d"]);
  });

  it("is bounded in lines and line length", () => {
    const t = new LogTail();
    for (let i = 0; i < 100; i++) t.push("stdout", `line ${i}\n`);
    t.push("stdout", "x".repeat(100_000));
    const lines = t.lines();
    expect(lines).toHaveLength(LOG_TAIL_LINES);
    expect(lines[0]).toBe(`line ${101 - LOG_TAIL_LINES}`);
    expect(lines.at(-1)).toHaveLength(4096);
  });
});
