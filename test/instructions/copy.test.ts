import { describe, expect, it } from "vitest";
import { lowerAs, messages } from "../helpers/lower.js";
import { rangeOf } from "../helpers/raw.js";

describe("COPY", () => {
  it("splits sources and destination and reads its flags", () => {
    const line = "COPY --from=build --chown=app:app --chmod=0644 --link --parents --exclude=*.md --exclude=tmp a b /dst/";
    const { ins, diags } = lowerAs("COPY", line);
    expect(diags).toEqual([]);
    expect(ins.sources.map((w) => w.value)).toEqual(["a", "b"]);
    expect(ins.dest.value).toBe("/dst/");
    expect(ins.from?.value).toBe("build");
    expect(ins.chown?.value).toBe("app:app");
    expect(ins.chmod?.value).toBe("0644");
    expect(ins.link).toBe(true);
    expect(ins.parents).toBe(true);
    expect(ins.excludes.map((f) => f.value)).toEqual(["*.md", "tmp"]);
    expect(ins.json).toBe(false);
  });

  it("defaults bool flags to false and reads --link=false", () => {
    const { ins } = lowerAs("COPY", "COPY --link=false a b");
    expect(ins.link).toBe(false);
    expect(ins.parents).toBe(false);
  });

  it("reads the JSON form", () => {
    const { ins } = lowerAs("COPY", 'COPY ["a b", "/c d/"]');
    expect(ins.json).toBe(true);
    expect(ins.sources.map((w) => w.value)).toEqual(["a b"]);
    expect(ins.dest.value).toBe("/c d/");
  });

  it("needs at least two arguments", () => {
    const line = "COPY onlyone";
    expect(lowerAs("COPY", line).diags).toMatchObject([
      {
        code: "ArgumentCount",
        message: "COPY requires at least two arguments, but only one was provided. Destination could not be determined",
        range: rangeOf(line, "onlyone"),
      },
    ]);
    expect(messages("COPY")).toHaveLength(1);
  });

  it("takes heredoc sources, matched to their bodies", () => {
    const { ins, diags } = lowerAs("COPY", "COPY <<A <<-'B' plain /dst/", {
      heredocs: [
        { name: "A", content: "one\n" },
        { name: "B", content: "\ttwo\n", expand: false, chomp: true },
      ],
    });
    expect(diags).toEqual([]);
    expect(ins.sources.map((w) => w.value)).toEqual(["<<A", "<<-'B'", "plain"]);
    expect(ins.heredocs.map((h) => h.name)).toEqual(["A", "B"]);
  });

  it("rejects a heredoc destination at the destination", () => {
    const line = "COPY a <<EOF";
    const { diags } = lowerAs("COPY", line, { heredocs: [{ name: "EOF", content: "x\n" }] });
    expect(diags).toMatchObject([{ code: "HeredocDestination", message: "COPY cannot accept a heredoc as a destination", range: rangeOf(line, "<<EOF") }]);
    expect(messages("ADD a <<EOF", { heredocs: [{ name: "EOF", content: "" }] })).toEqual(["ADD cannot accept a heredoc as a destination"]);
  });

  it.each(["$STAGE", "${STAGE}", "build-$N", "a\\b"])("rejects --from=%s at the value", (from) => {
    const line = `COPY --from=${from} a b`;
    expect(lowerAs("COPY", line).diags).toMatchObject([
      {
        code: "VariableInFrom",
        message: "variable expansion is not supported for --from, define a new stage with FROM using ARG from global scope as a workaround",
        range: rangeOf(line, from),
      },
    ]);
  });

  it("allows a literal $ that is no variable in --from", () => {
    expect(messages("COPY --from=a$ x y")).toEqual([]);
  });

  it("has no --checksum, --keep-git-dir or --unpack", () => {
    expect(messages("COPY --checksum=sha256:00 a b")).toEqual(["unknown flag: --checksum"]);
    expect(messages("COPY --unpack a b")).toEqual(["unknown flag: --unpack"]);
  });

  it("validates --chmod", () => {
    expect(messages("COPY --chmod=u=rwX,go=rX a b")).toEqual([]);
    expect(messages("COPY --chmod=7777 a b")).toEqual([]);
    expect(messages("COPY --chmod=$MODE a b")).toEqual([]);
    const line = "COPY --chmod=10000 a b";
    expect(lowerAs("COPY", line).diags).toMatchObject([
      { code: "InvalidChmod", message: "invalid chmod parameter: '10000'. it should be octal string and between 0 and 07777", range: rangeOf(line, "10000") },
    ]);
    expect(messages("COPY --chmod=u=rwz a b")).toEqual([
      "invalid chmod parameter: 'u=rwz'. it should be an octal mode up to 07777 or a symbolic mode like u=rwX,go=rX",
    ]);
  });
});

describe("ADD", () => {
  it("reads its flags", () => {
    const line = "ADD --chown=1:1 --chmod=755 --link --keep-git-dir --unpack=false --exclude=x https://example.com/a.tar /a/";
    const { ins, diags } = lowerAs("ADD", line);
    expect(diags).toEqual([]);
    expect(ins).toMatchObject({ link: true, keepGitDir: true, unpack: false });
    expect(ins.excludes).toHaveLength(1);
    expect(lowerAs("ADD", "ADD a b").ins).toMatchObject({ keepGitDir: false, unpack: undefined, checksum: undefined });
  });

  it("allows --checksum with one remote source", () => {
    const { ins, diags } = lowerAs("ADD", "ADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d https://example.com/a /a");
    expect(diags).toEqual([]);
    expect(ins.checksum?.value).toMatch(/^sha256:/);
    expect(messages("ADD --checksum=abc git@github.com:a/b.git /src")).toEqual([]);
  });

  it("rejects --checksum with several sources or a local source", () => {
    const line = "ADD --checksum=sha256:00 https://a/x https://a/y /d/";
    expect(lowerAs("ADD", line).diags).toMatchObject([
      { code: "InvalidChecksum", message: "checksum can't be specified for multiple sources", range: rangeOf(line, "--checksum=sha256:00") },
    ]);
    expect(messages("ADD --checksum=sha256:00 local.tar /d/")).toEqual(["checksum requires HTTP(S) or Git sources"]);
  });

  it("rejects COPY-only flags", () => {
    expect(messages("ADD --from=x a b")).toEqual(["unknown flag: --from"]);
    expect(messages("ADD --parents a b")).toEqual(["unknown flag: --parents"]);
  });
});
