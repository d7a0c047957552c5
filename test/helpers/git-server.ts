// Git servers on 127.0.0.1 for ADD tests: `git daemon` (git://) started and stopped by PID, and
// `git http-backend` behind a small HTTP server in this process that demands Basic credentials.
import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createNetServer, type AddressInfo } from "node:net";

/** gitMissing names what the git tests lack here, or undefined. */
export function gitMissing(): string | undefined {
  if (spawnSync("git", ["--version"], { stdio: "ignore" }).error) return "git is not installed (apt-get install git)";
  if (spawnSync("git", ["daemon", "-h"], { stdio: "ignore" }).error) return "git daemon is not available";
  return undefined;
}

/** freePort asks the kernel for a free loopback port. */
async function freePort(): Promise<number> {
  const s = createNetServer();
  s.listen(0, "127.0.0.1");
  await once(s, "listening");
  const port = (s.address() as AddressInfo).port;
  s.close();
  await once(s, "close");
  return port;
}

/** GitDaemon is a running `git daemon` serving every repository under `base`. */
export interface GitDaemon {
  readonly url: (repo: string) => string;
  stop(): Promise<void>;
}

/** startGitDaemon serves `base` read-only on git://127.0.0.1:PORT/ and waits until it answers. */
export async function startGitDaemon(base: string, probeRepo: string): Promise<GitDaemon> {
  const port = await freePort();
  const child: ChildProcess = spawn("git", ["daemon", "--reuseaddr", "--export-all", `--base-path=${base}`, "--listen=127.0.0.1", `--port=${port}`, base], { stdio: "ignore" });
  const url = (repo: string) => `git://127.0.0.1:${port}/${repo}`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM"); // by this child's PID only
    await once(child, "exit");
  };
  for (let i = 0; i < 100; i++) {
    if (spawnSync("git", ["ls-remote", url(probeRepo)], { stdio: "ignore" }).status === 0) return { url, stop };
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  throw new Error(`git daemon on port ${port} did not answer`);
}

/** GitHttp is a loopback HTTP server in front of `git http-backend`. */
export interface GitHttp {
  readonly port: number;
  /** Requests seen, as `METHOD path` (credentials checked, never recorded). */
  readonly requests: string[];
  /** While true, requests are left unanswered (a server that stalls). */
  hang: boolean;
  stop(): Promise<void>;
}

/** cgi runs git http-backend for one request and relays its CGI response. */
function cgi(root: string, req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? "/", "http://127.0.0.1");
  const child = spawn("git", ["http-backend"], {
    env: {
      PATH: process.env.PATH,
      GIT_PROJECT_ROOT: root,
      GIT_HTTP_EXPORT_ALL: "1",
      REQUEST_METHOD: req.method ?? "GET",
      PATH_INFO: decodeURIComponent(url.pathname),
      QUERY_STRING: url.search.slice(1),
      CONTENT_TYPE: req.headers["content-type"] ?? "",
      REMOTE_USER: "user",
      REMOTE_ADDR: "127.0.0.1",
      ...(req.headers["git-protocol"] ? { GIT_PROTOCOL: String(req.headers["git-protocol"]) } : {}),
    },
    stdio: ["pipe", "pipe", "ignore"],
  });
  req.pipe(child.stdin!);
  let head = Buffer.alloc(0);
  let headerDone = false;
  child.stdout!.on("data", (chunk: Buffer) => {
    if (headerDone) return void res.write(chunk);
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf("\r\n\r\n");
    if (end < 0) return;
    headerDone = true;
    let status = 200;
    for (const line of head.subarray(0, end).toString("latin1").split("\r\n")) {
      const colon = line.indexOf(":");
      const name = line.slice(0, colon).trim();
      const value = line.slice(colon + 1).trim();
      if (name.toLowerCase() === "status") status = Number(value.split(" ")[0]);
      else res.setHeader(name, value);
    }
    res.writeHead(status);
    res.write(head.subarray(end + 4));
  });
  child.on("close", () => res.end());
}

/** startGitHttp serves the repositories under `root` over http://127.0.0.1:PORT/, requiring Basic `user:password`. */
export async function startGitHttp(root: string, user: string, password: string): Promise<GitHttp> {
  const requests: string[] = [];
  const expected = `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
  const state = { hang: false };
  const server: Server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    if (state.hang) return;
    if (req.headers.authorization !== expected) {
      res.writeHead(401, { "WWW-Authenticate": 'Basic realm="git"' });
      return void res.end("credentials required\n");
    }
    cgi(root, req, res);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    requests,
    get hang() {
      return state.hang;
    },
    set hang(v: boolean) {
      state.hang = v;
    },
    stop: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, "close");
    },
  };
}

/** gitIn runs git in `dir` with fixed identity and dates, so commits are reproducible. */
export function gitIn(dir: string, ...args: string[]): string {
  const date = "2024-01-02T03:04:05Z";
  const env = { ...process.env, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@example.org", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@example.org", GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date };
  return execFileSync("git", ["-c", "init.defaultBranch=main", ...args], { cwd: dir, env, encoding: "utf8" });
}
