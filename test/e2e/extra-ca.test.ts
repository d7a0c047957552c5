// NODE_EXTRA_CA_CERTS and the CLI: the shebang moves the variable aside so that Node does not load
// the file at every start (src/registry/trust.ts), and tsbuild still trusts those CAs for its own
// HTTPS requests. Checked with the CLI executed as a program (its shebang), an HTTPS server on
// 127.0.0.1 with a self-signed certificate made by openssl, and `ADD https://...` (no sandbox
// needed: FROM scratch). Needs openssl and the built CLI.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { childEnv, httpsAgentFor, MOVED_CA_ENV } from "../../src/registry/trust.js";
import { requirePrerequisites } from "../helpers/prerequisites.js";

const CLI = resolve(import.meta.dirname, "../../dist/cli/main.cjs");
const openssl = spawnSync("openssl", ["version"]).status === 0;
requirePrerequisites("extra CA tests", !existsSync(CLI) ? `${CLI} is missing (run npm run build)` : !openssl ? "openssl is not installed" : undefined);

let dir: string;
let server: Server;
let url: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "tsbuild-extra-ca-"));
  const gen = spawnSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem")], { encoding: "utf8" });
  if (gen.status !== 0) throw new Error(`openssl req failed: ${gen.stderr}`);
  server = createServer({ key: readFileSync(join(dir, "key.pem")), cert: readFileSync(join(dir, "cert.pem")) }, (_req, res) => res.end("hello over tls\n"));
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/hello.txt`;
  writeFileSync(join(dir, "Dockerfile"), `FROM scratch\nADD ${url} /hello.txt\n`);
});

afterAll(async () => {
  await new Promise<void>((ok) => {
    server?.closeAllConnections();
    server?.close(() => ok());
  });
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/**
 * tsbuild executes the CLI file itself, so that its shebang (not `node main.cjs`) starts it;
 * asynchronously, as the HTTPS server it talks to runs in this process.
 */
function tsbuild(args: string[], extra: NodeJS.ProcessEnv): Promise<{ status: number | null; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, TSBUILD_ROOT: join(dir, "store"), CI: "true", ...extra };
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
  const child = spawn(CLI, args, { env, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
  return new Promise((ok, fail) => {
    child.on("error", fail);
    child.on("close", (status) => ok({ status, stderr }));
  });
}

describe("NODE_EXTRA_CA_CERTS through the CLI", () => {
  it("is not loaded by Node at start-up: a missing file gives no Node warning on a command without TLS", async () => {
    const r = await tsbuild(["images"], { NODE_EXTRA_CA_CERTS: join(dir, "missing.pem") });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/extra certs/i);
  });

  it("is trusted for tsbuild's own HTTPS requests (ADD of an https URL)", async () => {
    const out = join(dir, "out-trusted");
    const r = await tsbuild(["build", "--progress", "plain", "--output", `type=local,dest=${out}`, dir], { NODE_EXTRA_CA_CERTS: join(dir, "cert.pem"), [MOVED_CA_ENV]: undefined });
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(join(out, "hello.txt"), "utf8")).toBe("hello over tls\n");
  });

  it("without it, the self-signed server is refused", async () => {
    const r = await tsbuild(["build", "--progress", "plain", "--no-cache", "--output", `type=local,dest=${join(dir, "out-untrusted")}`, dir], { NODE_EXTRA_CA_CERTS: undefined, [MOVED_CA_ENV]: undefined });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/self[- ]signed|certificate/i);
  });

  it("an unreadable file is an error naming it when an HTTPS request needs it", async () => {
    const missing = join(dir, "missing.pem");
    const r = await tsbuild(["build", "--progress", "plain", "--no-cache", "--output", `type=local,dest=${join(dir, "out-missing")}`, dir], { NODE_EXTRA_CA_CERTS: missing, [MOVED_CA_ENV]: undefined });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(missing);
  });
});

describe("httpsAgentFor and childEnv", () => {
  it("use the moved file only when Node did not load it itself", () => {
    const moved = { [MOVED_CA_ENV]: "/x.pem" };
    expect(httpsAgentFor("http://127.0.0.1/", moved)).toBeUndefined();
    expect(httpsAgentFor("https://127.0.0.1/", {})).toBeUndefined();
    expect(httpsAgentFor("https://127.0.0.1/", { ...moved, NODE_EXTRA_CA_CERTS: "/x.pem" })).toBeUndefined();
    expect(childEnv(moved).NODE_EXTRA_CA_CERTS).toBe("/x.pem");
    expect(childEnv({ [MOVED_CA_ENV]: "" }).NODE_EXTRA_CA_CERTS).toBeUndefined();
  });

  it("trusts Node's roots plus the moved file's certificates", () => {
    const agent = httpsAgentFor(new URL("https://127.0.0.1/"), { [MOVED_CA_ENV]: join(dir, "cert.pem") });
    const ca = agent?.options.ca as string[];
    expect(ca.at(-1)).toBe(readFileSync(join(dir, "cert.pem"), "utf8"));
    expect(ca.length).toBeGreaterThan(100);
  });
});
