// The resolv.conf and hosts a RUN step gets (BuildKit's): host resolvers, loopback ones dropped without a network.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { etcMounts, hostsFile, resolvConf } from "../../src/executor/ops/etc-files.js";

describe("RUN name-resolution files", () => {
  it("names localhost and the build hostname in /etc/hosts", () => {
    expect(hostsFile("buildkitsandbox")).toBe("127.0.0.1\tlocalhost buildkitsandbox\n::1\tlocalhost ip6-localhost ip6-loopback\n");
  });

  it("keeps the host's resolv.conf with the host network, loopback resolvers included", () => {
    const host = "# generated\nnameserver 127.0.0.53\noptions edns0\nsearch example.org";
    expect(resolvConf(host, "host")).toBe(`${host}\n`);
  });

  it("drops loopback resolvers without a network and falls back when none is left", () => {
    expect(resolvConf("nameserver 127.0.0.53\nnameserver 10.0.0.2\n", "none")).toBe("nameserver 10.0.0.2\n");
    expect(resolvConf("nameserver 127.0.0.53\nnameserver ::1\nsearch lan\n", "none")).toBe("search lan\nnameserver 8.8.8.8\nnameserver 8.8.4.4\nnameserver 2001:4860:4860::8888\nnameserver 2001:4860:4860::8844\n");
    expect(resolvConf(undefined, "host")).toBe("nameserver 8.8.8.8\nnameserver 8.8.4.4\nnameserver 2001:4860:4860::8888\nnameserver 2001:4860:4860::8844\n");
  });

  it("writes both files into the scratch dir and binds them over /etc", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tsbuild-etc-"));
    try {
      writeFileSync(join(dir, "host-resolv"), "nameserver 192.0.2.1\n");
      const mounts = await etcMounts(dir, "box", "host", join(dir, "host-resolv"));
      expect(mounts).toEqual([
        { type: "bind", source: join(dir, "resolv.conf"), destination: "/etc/resolv.conf" },
        { type: "bind", source: join(dir, "hosts"), destination: "/etc/hosts" },
      ]);
      expect(readFileSync(join(dir, "resolv.conf"), "utf8")).toBe("nameserver 192.0.2.1\n");
      expect(readFileSync(join(dir, "hosts"), "utf8")).toContain("localhost box\n");
      await etcMounts(dir, "box", "host", join(dir, "absent"));
      expect(readFileSync(join(dir, "resolv.conf"), "utf8")).toMatch(/^nameserver 8\.8\.8\.8\n/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
