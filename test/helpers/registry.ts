// Real registries for tests: Debian's docker-registry (distribution 2.8) on 127.0.0.1 with a config
// written per instance (plain, or htpasswd Basic auth), started by PID and stopped by PID; and a
// small Bearer token server in node in front of one.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, request, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** registryMissing names what the registry tests lack here, or undefined. */
export function registryMissing(): string | undefined {
  try {
    execFileSync("docker-registry", ["--version"], { stdio: "ignore" });
  } catch {
    return "docker-registry is not installed (apt-get install docker-registry)";
  }
  try {
    execFileSync("htpasswd", ["-h"], { stdio: "ignore" });
  } catch (err) {
    if ((err as { status?: number }).status === undefined) return "htpasswd is not installed (apt-get install apache2-utils)";
  }
  return undefined;
}

/** TestRegistry is one running docker-registry: its `host:port` and request log. */
export interface TestRegistry {
  readonly host: string;
  readonly dir: string;
  /** log returns what the registry printed so far (access log at info level). */
  log(): string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** startRegistry writes a config under a temp dir and starts `docker-registry serve`; `basic` adds htpasswd auth. */
export async function startRegistry(basic?: { user: string; password: string }): Promise<TestRegistry> {
  const dir = mkdtempSync(join(tmpdir(), "tsbuild-registry-"));
  const port = await freePort();
  let auth = "";
  if (basic) {
    const line = execFileSync("htpasswd", ["-Bbn", basic.user, basic.password], { encoding: "utf8" }).trim();
    writeFileSync(join(dir, "htpasswd"), `${line}\n`);
    auth = `auth:\n  htpasswd:\n    realm: basic-realm\n    path: ${join(dir, "htpasswd")}\n`;
  }
  const config = `version: 0.1\nlog:\n  level: info\n  accesslog:\n    disabled: false\nstorage:\n  filesystem:\n    rootdirectory: ${join(dir, "data")}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:${port}\n  secret: ${randomBytes(16).toString("hex")}\n${auth}`;
  writeFileSync(join(dir, "config.yml"), config);
  const child: ChildProcess = spawn("docker-registry", ["serve", join(dir, "config.yml")], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (out += d.toString()));
  const host = `127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited with ${child.exitCode}: ${out}`);
    const status = await probe(`http://${host}/v2/`);
    if (status === 200 || status === 401) break;
    if (i > 100) throw new Error(`docker-registry on ${host} did not answer /v2/ within 10 s: ${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    host,
    dir,
    log: () => out,
    stop: async () => {
      if (child.pid !== undefined && child.exitCode === null) {
        process.kill(child.pid, "SIGTERM");
        await new Promise((r) => child.once("exit", r));
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function probe(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(url, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", () => resolve(0)); // not listening yet: the caller polls again
    req.end();
  });
}

/** TokenProxy is a Bearer-auth front for a registry: a token endpoint plus a proxy that demands its tokens. */
export interface TokenProxy {
  readonly host: string;
  /** tokenRequests counts GETs of the token endpoint. */
  tokenRequests(): number;
  stop(): Promise<void>;
}

/**
 * startTokenProxy listens on 127.0.0.1 and answers `/token` (Basic user:password, or anonymous
 * when `anonymous` is true) with a random token, and proxies every other request to `upstream`
 * only when it carries a token it issued; otherwise 401 with a Bearer challenge.
 */
export async function startTokenProxy(upstream: string, user: string, password: string): Promise<TokenProxy> {
  const issued = new Set<string>();
  let requests = 0;
  const expect = `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    if (url.pathname === "/token") {
      requests++;
      if (req.headers.authorization !== expect) {
        res.writeHead(401, { "content-type": "application/json" }).end('{"details":"bad credentials"}');
        return;
      }
      const token = createHash("sha256").update(randomBytes(16)).digest("hex");
      issued.add(token);
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ access_token: token, expires_in: 300 }));
      return;
    }
    const auth = req.headers.authorization ?? "";
    if (!auth.startsWith("Bearer ") || !issued.has(auth.slice(7))) {
      const host = req.headers.host ?? "";
      res.writeHead(401, { "www-authenticate": `Bearer realm="http://${host}/token",service="test-registry"`, "content-type": "application/json" });
      res.end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
      return;
    }
    forward(req, res, upstream);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { host, tokenRequests: () => requests, stop: () => new Promise((r) => server.close(() => r())) };
}

function forward(req: IncomingMessage, res: import("node:http").ServerResponse, upstream: string): void {
  const headers = { ...req.headers };
  delete headers.authorization;
  const up = request({ host: upstream.split(":")[0], port: Number(upstream.split(":")[1]), method: req.method, path: req.url, headers }, (ures) => {
    res.writeHead(ures.statusCode ?? 502, ures.headers);
    ures.pipe(res);
  });
  up.on("error", (err) => res.writeHead(502).end(String(err)));
  req.pipe(up);
}
