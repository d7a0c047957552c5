// Hostile input for the parser: each case must end with a result or a clear error (code, line,
// column) within 1 s of parse time, never a throw or a stack overflow.
import { describe, expect, it } from "vitest";
import { MAX_LINE_BYTES, dump, parseRaw, type ParseRawResult } from "../src/parser/index.js";

/**
 * timed parses and checks the time bound; it fails if parseRaw throws. It measures this
 * process's CPU time, so a busy machine does not fail the test, while real work still counts.
 */
function timed(input: string | Uint8Array): ParseRawResult {
  const start = process.cpuUsage();
  const r = parseRaw(input, { file: "Dockerfile" });
  const used = process.cpuUsage(start);
  const ms = (used.user + used.system) / 1000;
  expect(ms, `parse took ${ms.toFixed(0)} ms of CPU`).toBeLessThan(1000);
  return r;
}

const codes = (r: ParseRawResult): string[] => r.diagnostics.filter((d) => d.severity === "error").map((d) => d.code);

describe("parser: hostile input", () => {
  it("empty file: NoInstructions", () => {
    const r = timed(new Uint8Array());
    expect(codes(r)).toEqual(["NoInstructions"]);
    expect(r.diagnostics[0]?.range.start).toEqual({ line: 1, column: 1, offset: 0 });
  });

  it("comments only: NoInstructions at the end", () => {
    const r = timed("# one\n\n# two\n".repeat(10_000));
    expect(codes(r)).toEqual(["NoInstructions"]);
    expect(r.comments).toHaveLength(20_000);
  });

  it("NUL bytes: NulByte with line and column", () => {
    const r = timed(new TextEncoder().encode("FROM a\nRUN x\0y\0\n"));
    expect(codes(r)).toEqual(["NulByte"]);
    expect(r.diagnostics[0]?.range.start).toMatchObject({ line: 2, column: 6 });
    expect(r.diagnostics[0]?.message).toContain("2 NUL characters");
  });

  it("invalid UTF-8: InvalidUTF8 with line and column, never silently replaced", () => {
    const bytes = new Uint8Array([...new TextEncoder().encode("FROM a\nRUN é"), 0xc3, 0x28, 0x0a]);
    const r = timed(bytes);
    expect(codes(r)).toEqual(["InvalidUTF8"]);
    expect(r.diagnostics[0]?.range.start).toMatchObject({ line: 2, column: 6 });
  });

  it("a 1 MiB line: LineTooLong naming the line, and the rest still parses", () => {
    const r = timed(`FROM a\nRUN echo ${"x".repeat(1 << 20)}\nRUN ok\n`);
    expect(codes(r)).toEqual(["LineTooLong"]);
    expect(r.diagnostics[0]?.message).toContain(`max allowed size of ${MAX_LINE_BYTES}`);
    expect(r.diagnostics[0]?.range.start.line).toBe(2);
    expect(r.raw.map((i) => i.keyword)).toEqual(["FROM", "RUN", "RUN"]);
  });

  it("a line of exactly 65535 bytes is accepted; 65536 is not", () => {
    const ok = timed(`FROM a\nRUN ${"é".repeat((MAX_LINE_BYTES - 5) / 2)}x\n`);
    expect(codes(ok)).toEqual([]);
    const tooLong = timed(`FROM a\nRUN ${"é".repeat((MAX_LINE_BYTES - 5) / 2)}xy\n`);
    expect(codes(tooLong)).toEqual(["LineTooLong"]);
  });

  it("100,000 continuation lines make one instruction", () => {
    const r = timed(`FROM a\nRUN echo \\\n${"  a \\\n".repeat(100_000)}  end\n`);
    expect(codes(r)).toEqual([]);
    expect(r.raw).toHaveLength(2);
    expect(r.raw[1]?.range.end.line).toBe(100_003);
    expect(r.raw[1]?.rest.range.end).toMatchObject({ line: 100_003, column: 6 });
  });

  it("10,000 heredocs in 10,000 instructions", () => {
    const r = timed(`FROM a\n${"RUN <<EOF\necho hi\nEOF\n".repeat(10_000)}`);
    expect(codes(r)).toEqual([]);
    expect(r.raw).toHaveLength(10_001);
    expect(r.raw.at(-1)?.heredocs[0]?.bodyRange.end.line).toBe(30_001);
  });

  it("10,000 heredocs on one instruction", () => {
    const names = Array.from({ length: 10_000 }, (_, i) => `H${i}`);
    const text = `FROM a\nCOPY ${names.map((n) => `<<${n} \\\n`).join("")} /dest/\n${names.map((n) => `${n}\n`).join("")}`;
    const r = timed(text);
    expect(codes(r)).toEqual([]);
    expect(r.raw[1]?.heredocs).toHaveLength(10_000);
    expect(r.raw[1]?.heredocs.every((h) => h.content === "")).toBe(true);
  });

  it("unterminated heredoc: error at the heredoc word", () => {
    const r = timed(`FROM a\nRUN <<EOF\n${"body\n".repeat(100_000)}`);
    expect(codes(r)).toEqual(["UnterminatedHeredoc"]);
    expect(r.diagnostics[0]?.range.start).toMatchObject({ line: 2, column: 5 });
  });

  it("unterminated quotes parse as written (BuildKit keeps them for the expansion stage)", () => {
    const r = timed(`FROM a\nRUN echo "abc\nENV A="abc def\nCOPY --from="x /a /b\nARG B='x\nRUN <<'EOF\n`);
    expect(codes(r)).toEqual([]);
    expect(dump(r.raw)).toBe(
      ['(from "a")', '(run "echo \\"abc")', '(env "A" "\\"abc def" "=")', '(copy ["--from=x /a /b"])', '(arg "B=\'x")', '(run "<<\'EOF")'].join("\n"),
    );
  });

  it("deeply nested JSON: a decode error (shell form) beyond Go's depth limit, an error below it", () => {
    const deep = timed(`FROM a\nCMD ${"[".repeat(20_000)}${"]".repeat(20_000)}\n`);
    expect(codes(deep)).toEqual([]);
    expect(deep.raw[1]?.json).toBe(false);
    const nested = timed(`FROM a\nCMD ${"[".repeat(5_000)}${"]".repeat(5_000)}\n`);
    expect(codes(nested)).toEqual(["InvalidJSON"]);
  });

  it("ONBUILD chained 10,000 times: bounded nesting, no recursion", () => {
    const r = timed(`FROM a\n${"ONBUILD \\\n".repeat(10_000)}RUN x\n`);
    expect(codes(r)).toContain("NestingTooDeep");
  });

  it("expensive lines just under the line limit", () => {
    const cases = [
      `CMD [${Array(15_000).fill('"a"').join(",")}]`,
      `ENV ${"a=b ".repeat(16_000)}`,
      `RUN ${"--a=b ".repeat(10_000)} x`,
      `RUN --mount="${"a ".repeat(30_000)}" x`,
      `CMD ["${"\\n".repeat(30_000)}"]`,
      `RUN <<${" ".repeat(60_000)}EOF`,
      `RUN <<EOF ${"${a:-".repeat(10_000)}${"}".repeat(10_000)}`,
      `ARG ${"'a b' ".repeat(10_000)}`,
    ];
    for (const line of cases) {
      expect(Buffer.byteLength(line)).toBeLessThanOrEqual(MAX_LINE_BYTES);
      const r = timed(`FROM a\n${line}\nx\nEOF\n`);
      expect(codes(r)).not.toContain("LineTooLong");
    }
  });

  it("an over-long line is kept whole, without flag, JSON or heredoc analysis", () => {
    const r = timed(`FROM a\nCMD [${Array(200_000).fill('"a"').join(",")}]\nRUN ok\n`);
    expect(codes(r)).toEqual(["LineTooLong"]);
    expect(r.raw[1]?.args).toHaveLength(1);
    expect(r.raw[2]?.keyword).toBe("RUN");
  });

  it("many instructions (1 MiB file)", () => {
    const r = timed(`FROM a\n${'RUN --mount=type=cache,target=/c echo "hello world" && make \\\n  install\n'.repeat(14_000)}`);
    expect(codes(r)).toEqual([]);
    expect(r.raw).toHaveLength(14_001);
  });
});
