// Platform specifiers (containerd's parsing and normalization), the host-only rule for --platform
// and FROM --platform, and the automatic platform ARGs in FROM.
import { describe, expect, it } from "vitest";
import { formatPlatform, hostOnlyPlatform, parsePlatform, type Platform } from "../../src/planner/platform.js";
import { AMD64, envOf, execs, mustPlan, planText } from "./helpers.js";

const fmt = (text: string, host: Platform | undefined = AMD64): string => {
  const p = parsePlatform(text, host);
  return "error" in p ? `error: ${p.error}` : formatPlatform(p);
};

describe("parsePlatform", () => {
  it.each([
    ["linux/amd64", "linux/amd64"],
    ["amd64", "linux/amd64"],
    ["x86_64", "linux/amd64"],
    ["linux/x86_64", "linux/amd64"],
    ["Linux/X86-64", "linux/amd64"],
    ["linux/amd64/v1", "linux/amd64"],
    ["linux/amd64/v3", "linux/amd64/v3"],
    ["linux", "linux/amd64"],
    ["linux/aarch64", "linux/arm64"],
    ["linux/arm64/8", "linux/arm64/v8"],
    ["linux/armhf", "linux/arm"],
    ["linux/armel", "linux/arm/v6"],
    ["linux/arm/7", "linux/arm/v7"],
    ["linux/i386", "linux/386"],
    ["macos/arm64", "darwin/arm64"],
  ])("%s is %s", (text, want) => {
    expect(fmt(text)).toBe(want);
  });

  it.each(["", "linux/", "/amd64", "linux/amd64/v1/x", "linux/am d64", "nosuchthing"])("rejects %j", (text) => {
    expect(fmt(text)).toMatch(/^error: invalid platform/);
  });

  it("needs a host to complete a lone OS", () => {
    expect(parsePlatform("linux")).toHaveProperty("error");
    expect(parsePlatform("amd64")).toEqual(AMD64);
  });
});

describe("hostOnlyPlatform", () => {
  it("accepts the host in every spelling and returns the host", () => {
    for (const s of ["linux/amd64", "amd64", "linux/x86_64", "linux", "linux/amd64,amd64"]) expect(hostOnlyPlatform(s, AMD64)).toEqual(AMD64);
  });

  it("says that only the host platform is supported", () => {
    expect(hostOnlyPlatform("linux/arm64", AMD64)).toEqual({ error: "--platform linux/arm64: building for linux/arm64 is not supported: tsbuild builds only for the host platform linux/amd64 (no emulation)" });
    expect(hostOnlyPlatform("linux/amd64,linux/arm/v7", AMD64)).toHaveProperty("error", expect.stringContaining("building for linux/arm/v7 is not supported"));
    expect(hostOnlyPlatform("linux/amd64,", AMD64)).toHaveProperty("error", expect.stringContaining("invalid --platform"));
    expect(hostOnlyPlatform("bogus", AMD64)).toHaveProperty("error", expect.stringContaining("unknown operating system or architecture"));
  });
});

describe("FROM --platform in the planner", () => {
  it("accepts the host platform written any way, and $BUILDPLATFORM / $TARGETPLATFORM", () => {
    for (const p of ["linux/amd64", "amd64", "linux/x86_64", "$BUILDPLATFORM", "${TARGETPLATFORM}", "$TARGETOS/$TARGETARCH"]) {
      expect(planText(`FROM --platform=${p} busybox\nRUN true\n`).plan, p).toBeDefined();
    }
  });

  it("reports another platform as an error at the flag, naming the host platform", () => {
    const r = planText("FROM busybox\nFROM --platform=linux/arm64 busybox AS b\n");
    expect(r.plan).toBeUndefined();
    const d = r.diagnostics.find((x) => x.severity === "error")!;
    expect(d).toMatchObject({ code: "InvalidFrom", file: "Dockerfile" });
    expect(d.message).toContain("FROM --platform=linux/arm64: building for linux/arm64 is not supported: tsbuild builds only for the host platform linux/amd64");
    expect(d.range.start).toMatchObject({ line: 2, column: 6 });
  });

  it("reports a platform ARG that expands to another platform, with the expanded value", () => {
    const r = planText("ARG P=linux/s390x\nFROM --platform=$P busybox\n");
    expect(r.diagnostics[0]?.message).toContain("FROM --platform=linux/s390x: building for linux/s390x is not supported");
  });

  it("sets TARGETPLATFORM, TARGETOS and TARGETARCH from the requested (normalized) target platform", () => {
    const p = mustPlan("FROM busybox\nARG TARGETPLATFORM TARGETOS TARGETARCH BUILDPLATFORM\nRUN true\n", { targetPlatform: AMD64 });
    const env = envOf(execs(p)[0]!);
    expect([env.get("TARGETPLATFORM"), env.get("TARGETOS"), env.get("TARGETARCH"), env.get("BUILDPLATFORM")]).toEqual(["linux/amd64", "linux", "amd64", "linux/amd64"]);
  });
});
