import { describe, expect, it } from "vitest";
import { unwrapLogLine } from "../../src/runtime/supervise.js";

describe("unwrapLogLine (crun's log lines on a terminal run's stderr)", () => {
  it("keeps the message of a log line and drops the time", () => {
    expect(unwrapLogLine("2026-11-28T15:14:36.596739Z: executable file `x` not found in $PATH: No such file or directory\n")).toBe("executable file `x` not found in $PATH: No such file or directory\n");
  });

  it("drops the newline crun adds to drained terminal output that already ends a line", () => {
    expect(unwrapLogLine("2026-11-28T15:14:36.596739Z: /dev/pts/0\r\nTERM=xterm\r\n\n")).toBe("/dev/pts/0\r\nTERM=xterm\r\n");
  });

  it("passes anything else through", () => {
    expect(unwrapLogLine("plain text\n")).toBe("plain text\n");
    expect(unwrapLogLine("2026-11-28 not a log line\n")).toBe("2026-11-28 not a log line\n");
  });
});
