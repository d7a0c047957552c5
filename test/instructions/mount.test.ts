import { describe, expect, it } from "vitest";
import type { Mount } from "../../src/parser/ast.js";
import { lowerAs } from "../helpers/lower.js";
import { lowerInstruction } from "../../src/parser/instructions/index.js";
import { CTX, rangeOf, rawOf } from "../helpers/raw.js";

function mount(spec: string): { m: Mount | undefined; msgs: string[] } {
  const { ins, diags } = lowerAs("RUN", `RUN --mount=${spec} true`);
  return { m: ins.mounts[0], msgs: diags.map((d) => d.message) };
}

describe("RUN --mount", () => {
  it("defaults to a read-only bind mount", () => {
    const { m, msgs } = mount("target=/src,source=app,from=build");
    expect(msgs).toEqual([]);
    expect(m).toMatchObject({ type: "bind", target: "/src", source: "app", from: "build", readOnly: true });
  });

  it("reads every mount type with its defaults", () => {
    expect(mount("type=cache,target=/root/.cache").m).toMatchObject({ type: "cache", readOnly: false });
    expect(mount("type=tmpfs,target=/tmp,size=64m").m).toMatchObject({ type: "tmpfs", readOnly: false, size: "64m" });
    expect(mount("type=secret,id=npmrc").m).toMatchObject({ type: "secret", readOnly: true, id: "npmrc" });
    expect(mount("type=ssh").m).toMatchObject({ type: "ssh", readOnly: true });
  });

  it("takes keys case-insensitively, with aliases", () => {
    const { m, msgs } = mount("TYPE=Cache,DST=/a,Src=b,Sharing=LOCKED,id=x");
    expect(msgs).toEqual([]);
    expect(m).toMatchObject({ type: "cache", target: "/a", source: "b", sharing: "locked", id: "x" });
    expect(mount("destination=/d").m?.target).toBe("/d");
  });

  it("reads ro/rw bare or with a Go boolean", () => {
    expect(mount("target=/a,rw").m?.readOnly).toBe(false);
    expect(mount("target=/a,readwrite=true").m?.readOnly).toBe(false);
    expect(mount("type=cache,target=/a,ro").m?.readOnly).toBe(true);
    expect(mount("type=cache,target=/a,readonly=1").m?.readOnly).toBe(true);
    expect(mount("target=/a,rw=F").m?.readOnly).toBe(true);
    expect(mount("target=/a,ro=maybe").msgs).toEqual(["invalid value for ro: maybe"]);
  });

  it("reads mode as octal and uid/gid as decimal", () => {
    const { m, msgs } = mount("type=cache,target=/a,mode=0755,uid=1000,gid=0");
    expect(msgs).toEqual([]);
    expect(m).toMatchObject({ mode: 0o755, uid: 1000, gid: 0 });
    expect(mount("type=cache,target=/a,mode=0789").msgs).toEqual(["invalid value 0789 for mode"]);
    expect(mount("type=cache,target=/a,uid=-1").msgs).toEqual(["invalid value -1 for uid"]);
    expect(mount("type=cache,target=/a,gid=4294967296").msgs).toEqual(["invalid value 4294967296 for gid"]);
  });

  it("allows mode, uid and gid only for cache, secret and ssh", () => {
    expect(mount("target=/a,mode=0700").msgs).toEqual(['mode not allowed for "bind" type mounts']);
    expect(mount("type=tmpfs,target=/a,uid=1").msgs).toEqual(['uid not allowed for "tmpfs" type mounts']);
    expect(mount("type=ssh,mode=0600,uid=1,gid=2").msgs).toEqual([]);
  });

  it("checks required and size against the type seen so far (order matters)", () => {
    expect(mount("type=secret,id=a,required").m?.required).toBe(true);
    expect(mount("type=ssh,required=false").m?.required).toBe(false);
    expect(mount("required,type=secret,id=a").msgs).toEqual(["unexpected key 'required' for mount type 'bind'"]);
    expect(mount("required=true,type=ssh").msgs).toEqual(["unexpected key 'required' for mount type 'bind'"]);
    expect(mount("type=tmpfs,target=/t,size=1g").msgs).toEqual([]);
    expect(mount("size=1g,type=tmpfs,target=/t").msgs).toEqual(["unexpected key 'size' for mount type 'bind'"]);
    expect(mount("type=tmpfs,target=/t,size=lots").msgs).toEqual(["invalid value for size: lots"]);
    expect(mount("type=secret,id=a,required=sure").msgs).toEqual(["invalid value for required: sure"]);
  });

  it("rejects unknown types and sharing values with a suggestion", () => {
    expect(mount("type=cahce,target=/a").msgs).toEqual(['unsupported mount type "cahce" (did you mean cache?)']);
    expect(mount("type=volume,target=/a").msgs).toEqual(['unsupported mount type "volume"']);
    expect(mount("type=cache,target=/a,sharing=privat").msgs).toEqual(['unsupported sharing value "privat" (did you mean private?)']);
    expect(mount("target=/a,sharing=shared").msgs).toEqual(["invalid cache sharing set for bind mount"]);
  });

  it("rejects unknown keys and bare non-boolean keys", () => {
    expect(mount("target=/a,tagret=/b").msgs).toEqual(["unexpected key 'tagret' in 'tagret=/b' (did you mean target?)"]);
    expect(mount("target=/a,bogus=bar").msgs).toEqual(["unexpected key 'bogus' in 'bogus=bar'"]);
    expect(mount("target").msgs).toEqual(["invalid field 'target' must be a key=value pair"]);
    expect(mount("target=/a,,ro").msgs).toEqual(["invalid field '' must be a key=value pair"]);
  });

  it("applies the secret rules", () => {
    expect(mount("type=secret,target=/run/s").msgs).toEqual([]);
    expect(mount("type=secret,source=f").msgs).toEqual([]);
    expect(mount("type=secret,id=a,env=TOKEN").m).toMatchObject({ env: "TOKEN" });
    expect(mount("type=secret").msgs).toEqual(["invalid secret mount. one of source, target required"]);
    expect(mount("type=secret,id=a,from=x").msgs).toEqual(["secret mount should not have a from"]);
    expect(mount("type=secret,id=a,sharing=shared").msgs).toEqual(["secret mount should not define sharing"]);
    expect(mount("type=secret,id=a,source=b").msgs).toEqual(["both source and id can't be set"]);
  });

  it("rejects variables in from= but defers other variable values to the planner", () => {
    expect(mount("from=$STAGE,target=/a").msgs).toEqual(["'from' doesn't support variable expansion, define alias stage instead"]);
    expect(mount("from=stage$,target=/a").msgs).toEqual([]);
    const { m, msgs } = mount("type=cache,target=$DIR,uid=$UID,mode=${MODE}");
    expect(msgs).toEqual([]);
    expect(m).toMatchObject({ target: "$DIR", uid: undefined, mode: undefined });
    expect(m?.options.map((o) => [o.key, o.value])).toEqual([["type", "cache"], ["target", "$DIR"], ["uid", "$UID"], ["mode", "${MODE}"]]);
    expect(mount("type=$T,target=/a,mode=0700,required").msgs).toEqual([]);
    expect(mount("target=/a,uid=$UID").msgs).toEqual(['uid not allowed for "bind" type mounts']);
  });

  it("reports CSV errors", () => {
    // Layer 1 removes plain quotes from flag words; an escaped quote reaches the CSV reader.
    const raw = rawOf("RUN --mount=x true");
    const flag = raw.flags[0];
    if (!flag) throw new Error("no flag");
    const bad = { ...raw, flags: [{ ...flag, value: 'target=/a,x"y' }] };
    const r = lowerInstruction(bad, CTX);
    expect(r.diagnostics.map((d) => d.message)).toEqual(['failed to parse csv mounts: parse error on line 1, column 12: bare " in non-quoted-field']);
    expect(r.instruction.kind === "RUN" && r.instruction.mounts).toEqual([]);
  });

  it("points field errors at the field and mount-wide errors at the value", () => {
    const line = "RUN --mount=type=cache,target=/a,bogus=1 --mount=type=secret true";
    const { ins, diags } = lowerAs("RUN", line);
    expect(diags).toMatchObject([
      { code: "InvalidMount", range: rangeOf(line, "bogus=1") },
      { code: "InvalidMount", message: "invalid secret mount. one of source, target required", range: rangeOf(line, "type=secret") },
    ]);
    expect(ins.mounts.map((m) => m.type)).toEqual(["cache", "secret"]);
    expect(ins.mounts[0]?.range).toEqual(rangeOf(line, "--mount=type=cache,target=/a,bogus=1"));
  });
});
