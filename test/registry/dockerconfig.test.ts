import { chmodSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { dockerConfigPath, lookupCredentials, removeCredentials, saveCredentials } from "../../src/registry/dockerconfig.js";

function configDir(content?: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), "tsbuild-dockercfg-"));
  if (content !== undefined) writeFileSync(join(dir, "config.json"), typeof content === "string" ? content : JSON.stringify(content));
  return join(dir, "config.json");
}
const b64 = (s: string) => Buffer.from(s).toString("base64");

describe("Docker config credentials", () => {
  it("honours DOCKER_CONFIG", () => {
    expect(dockerConfigPath({ DOCKER_CONFIG: "/x/y" })).toBe("/x/y/config.json");
    expect(dockerConfigPath({ HOME: "/h" })).toMatch(/\.docker\/config\.json$/);
  });

  it("reads auths keyed by host, by URL, and Docker Hub's v1 URL", async () => {
    const path = configDir({ auths: { "https://index.docker.io/v1/": { auth: b64("hub:pw") }, "http://localhost:5000": { auth: b64("loc:a:b") }, "reg.example.com": { identitytoken: "refresh" } } });
    expect(await lookupCredentials("docker.io", path)).toEqual({ username: "hub", password: "pw" });
    expect(await lookupCredentials("localhost:5000", path)).toEqual({ username: "loc", password: "a:b" });
    expect(await lookupCredentials("reg.example.com", path)).toEqual({ username: "<token>", password: "", identityToken: "refresh" });
    expect(await lookupCredentials("other.example.com", path)).toBeUndefined();
    expect(await lookupCredentials("docker.io", join(path, "..", "missing.json"))).toBeUndefined();
  });

  it("asks credsStore's helper first, and treats 'credentials not found' as anonymous", async () => {
    const path = configDir({ credsStore: "tsbuildtest", auths: { "a.example": { auth: b64("file:pw") } } });
    const bin = join(path, "..", "bin");
    mkdirSync(bin);
    writeFileSync(join(bin, "docker-credential-tsbuildtest"), '#!/bin/sh\nread h\n[ "$h" = "b.example" ] && { echo \'{"Username":"helper","Secret":"s"}\'; exit 0; }\necho "credentials not found in native keychain"; exit 1\n');
    chmodSync(join(bin, "docker-credential-tsbuildtest"), 0o755);
    const saved = process.env.PATH;
    process.env.PATH = `${bin}:${saved}`;
    try {
      expect(await lookupCredentials("b.example", path)).toEqual({ username: "helper", password: "s" });
      expect(await lookupCredentials("a.example", path)).toEqual({ username: "file", password: "pw" });
    } finally {
      process.env.PATH = saved;
    }
    const broken = configDir({ credsStore: "tsbuild-not-installed" });
    await expect(lookupCredentials("a.example", broken)).rejects.toThrow(/credential helper docker-credential-tsbuild-not-installed .* is not installed/);
  });

  it("refuses a malformed config, naming the file", async () => {
    const path = configDir("{not json");
    await expect(lookupCredentials("x.example", path)).rejects.toThrow(new RegExp(`${path} is not valid JSON`));
  });

  it("saves and removes auths entries, keeping other settings, mode 0600", async () => {
    const path = configDir({ credHelpers: { "gcr.io": "gcloud" }, auths: { "http://x.example:5000": { auth: b64("old:pw") } } });
    await saveCredentials("x.example:5000", { username: "u", password: "p" }, path);
    const cfg = JSON.parse(readFileSync(path, "utf8")) as { auths: Record<string, { auth: string }>; credHelpers: unknown };
    expect(cfg.auths).toEqual({ "x.example:5000": { auth: b64("u:p") } });
    expect(cfg.credHelpers).toEqual({ "gcr.io": "gcloud" });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(await removeCredentials("x.example:5000", path)).toBe(true);
    expect(await removeCredentials("x.example:5000", path)).toBe(false);
  });
});
