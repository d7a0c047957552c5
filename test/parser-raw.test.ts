// Layer 1 of the parser in detail: Go quoting, exact ranges after line joining, flags,
// heredocs, JSON edge cases (Go encoding/json semantics), comments and directives.
import { describe, expect, it } from "vitest";
import type { SourceRange } from "../src/core/diagnostic.js";
import { dump, goQuote, parseRaw } from "../src/parser/index.js";

const one = (text: string, i = 1) => {
  const r = parseRaw(`FROM a\n${text}`);
  const ins = r.raw[i];
  if (!ins) throw new Error(`no instruction ${i} in ${JSON.stringify(text)}`);
  return { r, ins };
};
/** lc renders a range as `line:col-line:col` for compact assertions. */
const lc = (x: SourceRange | undefined) => (x ? `${x.start.line}:${x.start.column}-${x.end.line}:${x.end.column}` : "none");
const errorCodes = (r: ReturnType<typeof parseRaw>) => r.diagnostics.filter((d) => d.severity === "error").map((d) => d.code);

describe("goQuote (Go strconv.Quote)", () => {
  it.each([
    ["", '""'],
    ['a"b\\', '"a\\"b\\\\"'],
    ["\x07\b\f\n\r\t\v", '"\\a\\b\\f\\n\\r\\t\\v"'],
    ["\x00\x1f\x7f", '"\\x00\\x1f\\x7f"'],
    ["é♥🐳 ~", '"é♥🐳 ~"'],
    ["\u00a0\u0085\u2028\ufeff", '"\\u00a0\\u0085\\u2028\\ufeff"'],
    ["\u{e0001}", '"\\U000e0001"'],
    ["\ud800x", '"\\xed\\xa0\\x80x"'],
  ])("%j", (input, want) => {
    expect(goQuote(input)).toBe(want);
  });
});

describe("ranges after line joining", () => {
  it("maps the rest and arguments back to physical lines", () => {
    const { ins } = one("RUN echo a \\\n    b\n");
    expect(ins.rest.value).toBe("echo a     b");
    expect(lc(ins.rest.range)).toBe("2:5-3:6");
    expect(ins.rest.range.end.offset).toBe("FROM a\nRUN echo a \\\n    b".length);
    expect(lc(ins.range)).toBe("2:1-3:6");
  });

  it("keeps ENV pairs on their own lines, with comment and blank lines skipped", () => {
    const { ins, r } = one("ENV A=1 \\\n# note\n\n  B=two\n");
    expect(ins.args.map((a) => [a.value, lc(a.range)])).toEqual([
      ["A", "2:5-2:6"],
      ["1", "2:7-2:8"],
      ["=", "2:6-2:7"],
      ["B", "5:3-5:4"],
      ["two", "5:5-5:8"],
      ["=", "5:4-5:5"],
    ]);
    expect(r.diagnostics.map((d) => [d.code, d.severity, d.range.start.line])).toEqual([["NoEmptyContinuation", "warning", 4]]);
    expect(r.comments.map((c) => c.text)).toEqual(["note"]);
  });

  it("gives flags name and value ranges, with quotes removed from the value", () => {
    const { ins } = one('COPY --from="a b" --link x y\n');
    const [from, link] = ins.flags;
    expect([from?.name, from?.value, from?.text, lc(from?.nameRange), lc(from?.valueRange)]).toEqual(["from", "a b", "--from=a b", "2:8-2:12", "2:13-2:18"]);
    expect([link?.name, link?.value, link?.text, lc(link?.range)]).toEqual(["link", undefined, "--link", "2:19-2:25"]);
    expect(ins.args.map((a) => a.value)).toEqual(["x", "y"]);
  });

  it("places JSON elements at their string literals", () => {
    const { ins } = one('CMD\t[ "a b", "c" ]\n');
    expect(ins.json).toBe(true);
    expect(ins.args.map((a) => [a.value, lc(a.range)])).toEqual([
      ["a b", "2:7-2:12"],
      ["c", "2:14-2:17"],
    ]);
  });
});

describe("JSON form follows Go encoding/json", () => {
  it.each([
    ["CMD [1e400]", false, "(cmd \"[1e400]\")"],
    ['CMD ["a",]', false, '(cmd "[\\"a\\",]")'],
    ['CMD ["a"] x', false, '(cmd "[\\"a\\"] x")'],
    ["CMD ['a']", false, "(cmd \"['a']\")"],
    ['CMD ["\\ud800"]', true, '(cmd "\ufffd")'],
    ['CMD ["\\ud83d\\udc33"]', true, '(cmd "🐳")'],
    ['CMD [ ]', true, "(cmd)"],
    ['COPY [ "a b", "c" ] ', true, '(copy "a b" "c")'],
  ])("%s", (line, json, want) => {
    const { ins, r } = one(`${line}\n`);
    expect(errorCodes(r)).toEqual([]);
    expect(ins.json).toBe(json);
    expect(dump([ins])).toBe(want);
  });

  it.each(['CMD ["a", true]', 'RUN [null]', 'ENTRYPOINT [{"a": "b"}]', 'VOLUME [["x"]]', "SHELL [-0.5e+3]"])("%s is an error", (line) => {
    const { r } = one(`${line}\n`);
    expect(errorCodes(r)).toEqual(["InvalidJSON"]);
  });
});

describe("heredocs", () => {
  it.each([
    ["RUN <<EOF", { name: "EOF", expand: true, chomp: false, fd: undefined }],
    ["RUN <<-EOF", { name: "EOF", expand: true, chomp: true, fd: undefined }],
    ["RUN 3<<EOF cat", { name: "EOF", expand: true, chomp: false, fd: 3 }],
    ["RUN <<'EOF'", { name: "EOF", expand: false, chomp: false, fd: undefined }],
    ['RUN <<"EOF"', { name: "EOF", expand: false, chomp: false, fd: undefined }],
    ['RUN <<E"O"F', { name: "EOF", expand: false, chomp: false, fd: undefined }],
    ["RUN <<  EOF", { name: "EOF", expand: true, chomp: false, fd: undefined }],
    ["RUN <<$EOF", { name: "$EOF", expand: true, chomp: false, fd: undefined }],
  ])("%s", (line, want) => {
    const name = want.name;
    const { ins, r } = one(`${line}\nbody\n${want.chomp ? "\t" : ""}${name}\nRUN after\n`);
    expect(errorCodes(r)).toEqual([]);
    expect(ins.heredocs).toHaveLength(1);
    expect(ins.heredocs[0]).toMatchObject({ ...want, content: "body\n" });
    expect(r.raw.map((x) => x.keyword)).toEqual(["FROM", "RUN", "RUN"]);
  });

  it.each([
    ["RUN <<  END  > out.txt", ["END"]],
    ["RUN << -END", ["-END"]],
    ["RUN <<- END", ["END"]],
    ["RUN <<'q'u\\'x", ["qu'x"]],
    ["RUN <<'two words'", ["two words"]],
    ["COPY <<cfg.yaml /etc/", ["cfg.yaml"]],
    ["RUN --mount=type=cache,target=/c <<SCRIPT bash", ["SCRIPT"]],
    ["RUN 7<<A <<B cat", ["A", "B"]],
    ["RUN '<<A'", []],
  ])("%s declares %j", (line, names) => {
    const bodies = names.map((n) => `x\n${n}\n`).join("");
    const { ins, r } = one(`${line}\n${bodies}RUN after\n`);
    expect(errorCodes(r)).toEqual([]);
    expect(ins.heredocs.map((h) => h.name)).toEqual(names);
  });

  it("matches terminators in order, so a later name inside an earlier body is content", () => {
    const { ins } = one("COPY <<P <<Q /d/\nQ\nP\nP\nQ\n");
    expect(ins.heredocs.map((h) => [h.name, h.content])).toEqual([
      ["P", "Q\n"],
      ["Q", "P\n"],
    ]);
  });

  it.each(['RUN echo "<<EOF"', 'RUN ["cat", "<<EOF"]', "USER <<EOF", "RUN <<", "RUN <<'EOF"])("%s has no heredoc", (line) => {
    const { r } = one(`${line}\nEOF\n`);
    expect(r.raw[1]?.heredocs).toEqual([]);
    expect(r.raw.map((x) => x.keyword)).toEqual(["FROM", expect.any(String), "EOF"]);
  });

  it("reads several bodies in order after the last physical line, keeping CRLF", () => {
    const { ins } = one("COPY <<A \\\r\n  <<B /d/\r\na1\r\nA\r\nb1\r\nB\r\n");
    expect(ins.heredocs.map((h) => [h.name, h.content, lc(h.wordRange), lc(h.bodyRange)])).toEqual([
      ["A", "a1\r\n", "2:6-2:9", "4:1-5:2"],
      ["B", "b1\r\n", "3:3-3:6", "6:1-7:2"],
    ]);
    expect(lc(ins.range)).toBe("2:1-7:2");
  });

  it("gives an ONBUILD trigger the bodies too", () => {
    const { ins } = one("ONBUILD RUN <<EOF\nx\nEOF\n");
    expect(ins.heredocs.map((h) => h.content)).toEqual(["x\n"]);
    expect(ins.trigger?.heredocs).toBe(ins.heredocs);
    expect(lc(ins.trigger?.range)).toBe("2:9-4:4");
  });
});

describe("comments and directives", () => {
  it("attaches comments to the next instruction; a bare # clears them", () => {
    const r = parseRaw("# lost\n#\n# kept\n  #  indented\nFROM a\n# tail\n");
    expect(r.raw[0]?.comments.map((c) => [c.text, lc(c.range)])).toEqual([
      ["kept", "3:1-3:7"],
      [" indented", "4:3-4:14"],
    ]);
    expect(r.comments.map((c) => c.text)).toEqual(["lost", "tail"]);
  });

  it("reads directives only at the top, case-insensitively, with leading blanks", () => {
    const r = parseRaw("  # Escape = ` \n# syntax=a\n\n# check=skip=all\nFROM a `\n  b\n");
    expect(r.directives.map((d) => [d.name, d.value])).toEqual([
      ["escape", "`"],
      ["syntax", "a"],
    ]);
    expect(r.escapeChar).toBe("`");
    expect(dump(r.raw)).toBe('(from "a" "b")');
    expect(r.raw[0]?.comments.map((c) => c.text)).toEqual(["check=skip=all"]);
  });

  it("a shebang first line ends directive reading", () => {
    const r = parseRaw("#!/bin/sh\n# escape=`\nFROM a\n");
    expect(r.directives).toEqual([]);
  });

  it("a lone escape line continues with empty content; an empty logical line is an instruction with no keyword (as BuildKit)", () => {
    expect(dump(parseRaw("FROM a\nRUN x \\\n\\\n  y\n").raw)).toBe('(from "a")\n(run "x   y")');
    expect(dump(parseRaw("FROM a\n\\\n").raw)).toBe('(from "a")\n("")');
  });
});
