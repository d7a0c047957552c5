import { describe, expect, it } from "vitest";
import { apiHost, isLoopback, normalizeRegistryHost, parseReference, referenceString, registryBase, schemeFor } from "../../src/registry/reference.js";
import { parseChallenges } from "../../src/registry/auth.js";
import { selectPlatform } from "../../src/registry/manifest.js";
import { MediaTypes } from "../../src/image/oci.js";

const D = `sha256:${"a".repeat(64)}`;

describe("parseReference (Docker's normalization)", () => {
  it.each([
    ["busybox", "docker.io", "library/busybox", "latest", undefined],
    ["docker.io/busybox", "docker.io", "library/busybox", "latest", undefined],
    ["index.docker.io/library/busybox:1.36", "docker.io", "library/busybox", "1.36", undefined],
    ["user/app:v1", "docker.io", "user/app", "v1", undefined],
    ["localhost/app", "localhost", "app", "latest", undefined],
    ["localhost:5000/team/app:2", "localhost:5000", "team/app", "2", undefined],
    ["127.0.0.1:5000/app", "127.0.0.1:5000", "app", "latest", undefined],
    ["registry.example.com/a/b/c", "registry.example.com", "a/b/c", "latest", undefined],
    [`busybox@${D}`, "docker.io", "library/busybox", undefined, D],
    [`busybox:1.36@${D}`, "docker.io", "library/busybox", undefined, D],
    ["[::1]:5000/app:x", "[::1]:5000", "app", "x", undefined],
  ])("%s", (ref, registry, repository, tag, digest) => {
    const r = parseReference(ref);
    expect([r.registry, r.repository, r.tag, r.digest]).toEqual([registry, repository, tag, digest]);
  });

  it("prints normalized references", () => {
    expect(referenceString(parseReference("busybox"))).toBe("docker.io/library/busybox:latest");
    expect(referenceString(parseReference(`localhost:5000/a@${D}`))).toBe(`localhost:5000/a@${D}`);
  });

  it.each(["Busybox", "a//b", "app:", "app@sha256:123", "UPPER.example.com/App"])("refuses %s with a clear error", (ref) => {
    expect(() => parseReference(ref)).toThrow(/invalid/);
  });
});

describe("hosts and schemes", () => {
  it("uses Docker Hub's API host", () => expect(apiHost("docker.io")).toBe("registry-1.docker.io"));

  it("uses plain http only for loopback unless the host is listed insecure", () => {
    expect(["localhost:5000", "127.0.0.1:5000", "127.8.9.10", "[::1]:5000", "localhost"].map((h) => schemeFor(h))).toEqual(["http", "http", "http", "http", "http"]);
    expect(["docker.io", "10.0.0.1:5000", "192.168.1.2", "registry.local:5000", "128.0.0.1"].map((h) => schemeFor(h))).toEqual(["https", "https", "https", "https", "https"]);
    expect(schemeFor("10.0.0.1:5000", { insecureRegistries: ["10.0.0.1:5000"] })).toBe("http");
    expect(schemeFor("reg.lan:5000", { insecureRegistries: ["reg.lan"] })).toBe("http");
    expect(registryBase("docker.io").href).toBe("https://registry-1.docker.io/");
    expect(isLoopback("::1")).toBe(true);
    expect(isLoopback("localhost.example.com")).toBe(false);
  });

  it("normalizes what users give to login", () => {
    expect(normalizeRegistryHost("https://index.docker.io/v1/")).toBe("docker.io");
    expect(normalizeRegistryHost("http://Localhost:5000/")).toBe("localhost:5000");
    expect(() => normalizeRegistryHost("bad host")).toThrow(/invalid registry host/);
  });
});

describe("WWW-Authenticate", () => {
  it("parses Bearer and Basic challenges", () => {
    expect(parseChallenges('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:samalba/my-app:pull,push"')).toEqual([
      { scheme: "bearer", params: { realm: "https://auth.docker.io/token", service: "registry.docker.io", scope: "repository:samalba/my-app:pull,push" } },
    ]);
    expect(parseChallenges('Basic realm="basic-realm"')).toEqual([{ scheme: "basic", params: { realm: "basic-realm" } }]);
    expect(parseChallenges('Bearer realm="x\\"y", error="insufficient_scope"')[0]?.params).toEqual({ realm: 'x"y', error: "insufficient_scope" });
  });
});

describe("selectPlatform", () => {
  const d = (platform: Record<string, string>, n: string) => ({ mediaType: MediaTypes.ociManifest, digest: `sha256:${n.repeat(64)}` as never, size: 1, platform: platform as never });
  it("matches os/arch/variant, treating a missing arm64 variant as v8", () => {
    const index = { schemaVersion: 2 as const, manifests: [d({ os: "linux", architecture: "arm", variant: "v7" }, "1"), d({ os: "linux", architecture: "arm64" }, "2"), d({ os: "linux", architecture: "amd64" }, "3")] };
    expect(selectPlatform(index, { os: "linux", architecture: "arm64", variant: "v8" })?.digest).toBe(`sha256:${"2".repeat(64)}`);
    expect(selectPlatform(index, { os: "linux", architecture: "arm", variant: "v6" })).toBeUndefined();
    expect(selectPlatform(index, { os: "linux", architecture: "amd64" })?.digest).toBe(`sha256:${"3".repeat(64)}`);
  });
});
