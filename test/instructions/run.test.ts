import { describe, expect, it } from "vitest";
import { lowerAs, messages } from "../helpers/lower.js";
import { rangeOf } from "../helpers/raw.js";

describe("RUN", () => {
  it("builds the shell form from the one argument", () => {
    const line = 'RUN echo "hi" && ls';
    const { ins, diags } = lowerAs("RUN", line);
    expect(diags).toEqual([]);
    expect(ins.command).toEqual({ form: "shell", script: { value: 'echo "hi" && ls', range: rangeOf(line, 'echo "hi" && ls') } });
    expect(ins.network).toBeUndefined();
    expect(ins.security).toBeUndefined();
  });

  it("builds the exec form from a JSON array", () => {
    const { ins } = lowerAs("RUN", 'RUN ["/bin/echo", "a b"]');
    expect(ins.command.form).toBe("exec");
    expect(ins.command.form === "exec" && ins.command.argv.map((w) => w.value)).toEqual(["/bin/echo", "a b"]);
  });

  it("keeps heredoc bodies", () => {
    const { ins } = lowerAs("RUN", "RUN <<EOF", { heredocs: [{ name: "EOF", content: "echo hi\n" }] });
    expect(ins.heredocs.map((h) => h.content)).toEqual(["echo hi\n"]);
    expect(ins.command.form === "shell" && ins.command.script.value).toBe("<<EOF");
  });

  it.each(["default", "none", "host"] as const)("accepts --network=%s", (n) => {
    const { ins, diags } = lowerAs("RUN", `RUN --network=${n} true`);
    expect(diags).toEqual([]);
    expect(ins.network).toBe(n);
  });

  it("rejects other network modes at the value", () => {
    const line = "RUN --network=bridge true";
    const { ins, diags } = lowerAs("RUN", line);
    expect(diags).toMatchObject([{ code: "InvalidFlagValue", message: 'invalid network mode "bridge"', range: rangeOf(line, "bridge") }]);
    expect(ins.network).toBeUndefined();
  });

  it("accepts --security=sandbox|insecure and rejects others", () => {
    expect(lowerAs("RUN", "RUN --security=insecure true").ins.security).toBe("insecure");
    expect(lowerAs("RUN", "RUN --security=sandbox true").ins.security).toBe("sandbox");
    expect(messages("RUN --security=Insecure true")).toEqual(['security "Insecure" is not valid']);
  });

  it("collects repeated --mount and --device flags", () => {
    const { ins, diags } = lowerAs("RUN", "RUN --mount=type=cache,target=/a --mount=type=tmpfs,target=/t --device=/dev/fuse --device=name=gpu,required true");
    expect(diags).toEqual([]);
    expect(ins.mounts.map((m) => m.type)).toEqual(["cache", "tmpfs"]);
    expect(ins.devices).toEqual(["/dev/fuse", "name=gpu,required"]);
  });

  it("validates --device fields", () => {
    expect(messages("RUN --device=a,required=maybe true")).toEqual(["invalid value for required: maybe"]);
    expect(messages("RUN --device=a,name=b true")).toEqual(["device name already set to a"]);
    expect(messages("RUN --device=a,b true")).toEqual(["invalid field 'b' must be a key=value pair"]);
    expect(messages("RUN --device=a,nmae=b true")).toEqual(["unexpected key 'nmae' in 'nmae=b' (did you mean name?)"]);
  });

  it("rejects a repeated --network and unknown flags", () => {
    expect(messages("RUN --network=none --network=host true")).toEqual(["duplicate flag specified: --network"]);
    expect(messages("RUN --mout=type=cache true")).toEqual(["unknown flag: --mout (did you mean mount?)"]);
  });
});

describe("CMD, ENTRYPOINT and SHELL", () => {
  it("build commands in both forms", () => {
    expect(lowerAs("CMD", 'CMD ["a", "b"]').ins.command.form).toBe("exec");
    expect(lowerAs("CMD", "CMD a b").ins.command.form).toBe("shell");
    const ep = lowerAs("ENTRYPOINT", "ENTRYPOINT []").ins;
    expect(ep.command).toEqual({ form: "exec", argv: [] });
  });

  it("reject flags", () => {
    expect(messages("CMD --x a")).toEqual(["unknown flag: --x"]);
    expect(messages("ENTRYPOINT --x a")).toEqual(["unknown flag: --x"]);
  });

  it("SHELL requires a non-empty JSON array", () => {
    const { ins, diags } = lowerAs("SHELL", 'SHELL ["/bin/bash", "-c"]');
    expect(diags).toEqual([]);
    expect(ins.shell.map((w) => w.value)).toEqual(["/bin/bash", "-c"]);
    const line = "SHELL /bin/bash -c";
    expect(lowerAs("SHELL", line).diags).toMatchObject([
      { code: "NotJSONForm", message: "SHELL requires the arguments to be in JSON form", range: rangeOf(line, "/bin/bash -c") },
    ]);
    expect(messages("SHELL []")).toEqual(["SHELL requires at least one argument"]);
    expect(messages("SHELL")).toEqual(["SHELL requires at least one argument"]);
  });
});
