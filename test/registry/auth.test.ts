// Authentication against real registries: docker-registry with htpasswd Basic auth, and a Bearer
// token server in node in front of a plain docker-registry; login/logout through the CLI write
// and remove the Docker config's auths entry.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { importRootfs } from "../../src/image/import.js";
import { removeImages } from "../../src/image/images.js";
import { lookupCredentials } from "../../src/registry/dockerconfig.js";
import { pull } from "../../src/registry/pull.js";
import { push } from "../../src/registry/push.js";
import { openStore, type Store } from "../../src/store/store.js";
import { registryMissing, startRegistry, startTokenProxy, type TestRegistry, type TokenProxy } from "../helpers/registry.js";
import { runCli } from "../helpers/cli.js";
import { requirePrerequisites } from "../helpers/prerequisites.js";

const missing = registryMissing();
requirePrerequisites("registry tests", missing);

const tsbuild = (stdin: string | undefined, ...args: string[]) => runCli(args, stdin);

describe.skipIf(missing !== undefined)("registry authentication", () => {
  let basic: TestRegistry;
  let plain: TestRegistry;
  let proxy: TokenProxy;
  let dir: string;
  let store: Store;
  const savedEnv = process.env.DOCKER_CONFIG;

  beforeAll(async () => {
    [basic, plain] = await Promise.all([startRegistry({ user: "alice", password: "s3cret" }), startRegistry()]);
    proxy = await startTokenProxy(plain.host, "bob", "hunter2");
    dir = mkdtempSync(join(tmpdir(), "tsbuild-auth-"));
    process.env.DOCKER_CONFIG = join(dir, "docker");
    store = openStore(join(dir, "store"));
    execFileSync("sh", ["-c", `mkdir -p ${dir}/r/etc && echo hi > ${dir}/r/etc/motd && tar -C ${dir}/r -cf ${dir}/r.tar .`]);
    await importRootfs(store, join(dir, "r.tar"), ["local/img:1"], { sourceDateEpoch: 0 });
  }, 60_000);

  afterEach(() => vi.restoreAllMocks());

  afterAll(async () => {
    store?.close();
    await Promise.all([basic?.stop(), plain?.stop(), proxy?.stop()]);
    if (savedEnv === undefined) delete process.env.DOCKER_CONFIG;
    else process.env.DOCKER_CONFIG = savedEnv;
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("refuses a Basic registry without credentials, naming the registry and what to do", async () => {
    store.meta.setRef(`${basic.host}/team/img:1`, store.meta.getRef("docker.io/local/img:1")!);
    await expect(push(store, `${basic.host}/team/img:1`)).rejects.toThrow(new RegExp(`${basic.host.replace(/\./g, "\\.")} requires a user name and password for team/img: run \`tsbuild login`));
  });

  it("a wrong password gives a clear error and saves nothing", async () => {
    const res = await tsbuild("wrong\n", "login", "-u", "alice", "--password-stdin", basic.host);
    expect(res.code).not.toBe(0);
    expect(res.err).toMatch(/rejected the user name or password \(HTTP 401\)/);
    expect(await lookupCredentials(basic.host)).toBeUndefined();
  });

  it("logs in with Basic, pushes and pulls with the saved credentials, and logs out", async () => {
    const res = await tsbuild("s3cret\n", "login", "-u", "alice", "--password-stdin", basic.host);
    expect(res.err).not.toMatch(/Error/);
    expect(res.out).toBe("Login Succeeded\n");
    const cfg = JSON.parse(readFileSync(join(dir, "docker/config.json"), "utf8")) as { auths: Record<string, { auth: string }> };
    expect(Buffer.from(cfg.auths[basic.host]!.auth, "base64").toString()).toBe("alice:s3cret");
    const pushed = await push(store, `${basic.host}/team/img:1`);
    await removeImages(store, [`${basic.host}/team/img:1`], false);
    expect((await pull(store, `${basic.host}/team/img:1`)).digest).toBe(pushed.digest);
    expect((await tsbuild(undefined, "logout", basic.host)).out).toBe(`Removing login credentials for ${basic.host}\n`);
    expect(await lookupCredentials(basic.host)).toBeUndefined();
    expect((await tsbuild(undefined, "logout", basic.host)).out).toBe(`Not logged in to ${basic.host}\n`);
  }, 60_000);

  it("speaks the Bearer token flow: wrong password refused, right one pushes and pulls with cached tokens", async () => {
    const bad = await tsbuild("nope", "login", "-u", "bob", "--password-stdin", proxy.host);
    expect(bad.code).not.toBe(0);
    expect(bad.err).toMatch(/token server http:\/\/127\.0\.0\.1:\d+ rejected the credentials for user "bob" \(HTTP 401\)/);
    expect((await tsbuild("hunter2", "login", "-u", "bob", "--password-stdin", proxy.host)).out).toBe("Login Succeeded\n");
    const ref = `${proxy.host}/team/bearer:1`;
    store.meta.setRef(ref, store.meta.getRef("docker.io/local/img:1")!);
    const before = proxy.tokenRequests();
    const pushed = await push(store, ref);
    await removeImages(store, [ref], false);
    expect((await pull(store, ref)).digest).toBe(pushed.digest);
    // push asks once per scope set (pull,push), pull once (pull): tokens are cached, not fetched per request.
    expect(proxy.tokenRequests() - before).toBeLessThanOrEqual(3);
  }, 60_000);

  it("reads credentials from a credential helper named by credHelpers", async () => {
    const bin = join(dir, "bin");
    execFileSync("mkdir", ["-p", bin]);
    writeFileSync(join(bin, "docker-credential-testhelper"), `#!/bin/sh\nread host\n[ "$host" = "${basic.host}" ] || { echo "credentials not found in native keychain"; exit 1; }\necho '{"ServerURL":"'$host'","Username":"alice","Secret":"s3cret"}'\n`, { mode: 0o755 });
    writeFileSync(join(dir, "docker/config.json"), JSON.stringify({ credHelpers: { [basic.host]: "testhelper" } }));
    const path = process.env.PATH;
    process.env.PATH = `${bin}:${path}`;
    try {
      expect(await lookupCredentials(basic.host)).toEqual({ username: "alice", password: "s3cret" });
      expect(await lookupCredentials("other.example:5000")).toBeUndefined();
      await removeImages(store, [`${basic.host}/team/img:1`], false).catch(() => undefined); // may already be gone; the pull below is what matters
      expect((await pull(store, `${basic.host}/team/img:1`)).digest).toMatch(/^sha256:/);
    } finally {
      process.env.PATH = path;
    }
  }, 60_000);
});
