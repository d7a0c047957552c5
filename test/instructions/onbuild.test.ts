import { describe, expect, it } from "vitest";
import { lowerAs, messages } from "../helpers/lower.js";
import { rangeOf } from "../helpers/raw.js";

describe("ONBUILD", () => {
  it("lowers the trigger and stores its text without ONBUILD", () => {
    const { ins, diags } = lowerAs("ONBUILD", "ONBUILD RUN --mount=type=cache,target=/c make");
    expect(diags).toEqual([]);
    expect(ins.trigger.kind).toBe("RUN");
    expect(ins.triggerText).toBe("RUN --mount=type=cache,target=/c make");
  });

  it("appends heredoc bodies to the trigger text", () => {
    const { ins } = lowerAs("ONBUILD", "ONBUILD COPY <<EOF /x", { heredocs: [{ name: "EOF", content: "hello\n" }] });
    expect(ins.triggerText).toBe("COPY <<EOF /x\nhello\nEOF");
    expect(ins.trigger.kind === "COPY" && ins.trigger.heredocs.map((h) => h.content)).toEqual(["hello\n"]);
  });

  it("rejects ONBUILD ONBUILD at the trigger keyword", () => {
    const line = "ONBUILD onbuild RUN x";
    expect(lowerAs("ONBUILD", line).diags).toMatchObject([
      { code: "InvalidOnbuild", severity: "error", message: "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed", range: rangeOf(line, "onbuild") },
    ]);
  });

  it.each(["FROM", "MAINTAINER", "from"])("rejects %s triggers", (kw) => {
    expect(messages(`ONBUILD ${kw} x`)).toEqual([`${kw.toUpperCase()} isn't allowed as an ONBUILD trigger`]);
  });

  it("needs a trigger and rejects its own flags", () => {
    expect(messages("ONBUILD")).toEqual(["ONBUILD requires at least one argument"]);
    expect(messages("ONBUILD --x RUN y")).toEqual(["unknown flag: --x"]);
  });

  it("reports the trigger's own problems as warnings", () => {
    const line = "ONBUILD COPY --chmod=99999 a b";
    const { diags } = lowerAs("ONBUILD", line);
    expect(diags).toMatchObject([{ code: "InvalidChmod", severity: "warning", range: rangeOf(line, "99999") }]);
    expect(diags[0]?.notes[0]?.message).toBe("in an ONBUILD trigger: it would fail in builds that use this image as a base");
    const unknown = lowerAs("ONBUILD", "ONBUILD RUNN x");
    expect(unknown.ins.trigger.kind).toBe("UNKNOWN");
    expect(unknown.diags.map((d) => [d.severity, d.message])).toEqual([["warning", "unknown instruction: RUNN (did you mean RUN?)"]]);
  });
});
