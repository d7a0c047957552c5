import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { InputError } from "../../src/core/index.js";
import { DEFAULT_CAPABILITIES, capabilityMask } from "../../src/runtime/capabilities.js";
import { buildSpec, type SpecInput } from "../../src/runtime/spec.js";
import { expectGolden } from "../helpers/golden.js";

const FIXTURES = resolve(import.meta.dirname, "../../fixtures/runtime");

const BASE: SpecInput = {
  rootfs: "/var/lib/tsbuild/rootfs",
  argv: ["/bin/sh", "-c", "echo hello"],
  env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
  cwd: "/",
  user: { uid: 0, gid: 0, additionalGids: [] },
  hostname: "sandbox",
  mounts: [],
  network: "host",
  limits: {},
  tty: false,
  readonlyRootfs: false,
  arch: "amd64",
};

const CASES: Record<string, SpecInput> = {
  "root-host-network": BASE,
  "user-none-network-limits": {
    ...BASE,
    user: { uid: 1000, gid: 1000, additionalGids: [27, 100] },
    network: "none",
    limits: { memoryBytes: 256 * 1024 * 1024, pidsLimit: 256, cpus: 1.5 },
    cwd: "/work",
  },
  "etc-files": {
    ...BASE,
    etcFiles: { hosts: "/run/tsbuild/c1/hosts", resolvConf: "/run/tsbuild/c1/resolv.conf", hostname: "/run/tsbuild/c1/hostname" },
  },
  "mounts-readonly-tty": {
    ...BASE,
    tty: true,
    readonlyRootfs: true,
    mounts: [
      { type: "bind", source: "/srv/data", destination: "/data", readonly: true },
      { type: "bind", source: "/srv/cache", destination: "/cache" },
      { type: "tmpfs", source: "tmpfs", destination: "/tmp" },
    ],
  },
};

describe("buildSpec golden specs", () => {
  for (const [name, input] of Object.entries(CASES)) {
    it(name, () => {
      const spec = buildSpec(input);
      expectGolden(`${FIXTURES}/seccomp-${input.arch}.json`, spec.linux.seccomp);
      expectGolden(`${FIXTURES}/${name}.json`, { ...spec, linux: { ...spec.linux, seccomp: `seccomp-${input.arch}.json` } });
    });
  }
  it("arm64 seccomp profile", () => {
    expectGolden(`${FIXTURES}/seccomp-arm64.json`, buildSpec({ ...BASE, arch: "arm64" }).linux.seccomp);
  });
});

describe("buildSpec security profile", () => {
  it("gives root exactly Docker's 14 capabilities (mask 0xa80425fb)", () => {
    expect(DEFAULT_CAPABILITIES).toHaveLength(14);
    expect(capabilityMask(DEFAULT_CAPABILITIES)).toBe("00000000a80425fb");
    const caps = buildSpec(BASE).process.capabilities;
    expect(caps.bounding).toEqual(caps.permitted);
    expect(caps.effective).toEqual(caps.permitted);
    expect(caps.inheritable).toEqual([]);
    expect(caps.ambient).toEqual([]);
  });

  it("leaves non-root users only the bounding set", () => {
    const caps = buildSpec(CASES["user-none-network-limits"]!).process.capabilities;
    expect(caps.bounding).toHaveLength(14);
    expect([...caps.permitted, ...caps.effective, ...caps.inheritable, ...caps.ambient]).toEqual([]);
  });

  it("denies by default with EPERM and returns ENOSYS for clone3", () => {
    const seccomp = buildSpec(BASE).linux.seccomp;
    expect(seccomp.defaultAction).toBe("SCMP_ACT_ERRNO");
    expect(seccomp.defaultErrnoRet).toBe(1);
    const allowed = seccomp.syscalls.filter((s) => s.action === "SCMP_ACT_ALLOW").flatMap((s) => s.names);
    for (const dangerous of ["mount", "unshare", "kexec_load", "open_by_handle_at", "bpf", "keyctl"]) {
      expect(allowed).not.toContain(dangerous);
    }
    expect(allowed).toContain("arch_prctl");
    expect(seccomp.syscalls.find((s) => s.names.includes("clone3"))).toMatchObject({ action: "SCMP_ACT_ERRNO", errnoRet: 38 });
  });

  it("adds a network namespace only for network none", () => {
    const types = (input: SpecInput) => buildSpec(input).linux.namespaces.map((n) => n.type);
    expect(types(BASE)).not.toContain("network");
    expect(types({ ...BASE, network: "none" })).toContain("network");
  });

  it("is pure: the same input gives the same spec", () => {
    expect(JSON.stringify(buildSpec(BASE))).toBe(JSON.stringify(buildSpec(BASE)));
  });

  it.each([
    ["empty argv", { argv: [] }, /command is empty/],
    ["relative cwd", { cwd: "work" }, /must be absolute/],
    ["negative uid", { user: { uid: -1, gid: 0, additionalGids: [] } }, /uid -1/],
    ["uid 2^32", { user: { uid: 4294967296, gid: 0, additionalGids: [] } }, /uid 4294967296/],
    ["tiny memory", { limits: { memoryBytes: 1024 } }, /below the minimum/],
    ["zero pids", { limits: { pidsLimit: 0 } }, /pids limit 0/],
    ["relative bind source", { mounts: [{ type: "bind", source: "x", destination: "/x" }] }, /source "x"/],
  ] as const)("rejects %s", (_name, patch, message) => {
    expect(() => buildSpec({ ...BASE, ...patch } as SpecInput)).toThrow(InputError);
    expect(() => buildSpec({ ...BASE, ...patch } as SpecInput)).toThrow(message);
  });
});
