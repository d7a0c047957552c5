// ADD of a git repository: git:// from a loopback `git daemon`, http:// with credentials from a
// loopback `git http-backend`; refs, tags, subdirectories, --keep-git-dir, --checksum, the cache
// (a new commit reruns the step), and credentials kept out of history, progress and the store.
import { chmodSync, mkdirSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { build, parseCacheTo, type BuildOptions } from "../../src/api/index.js";
import type { BuildEvent } from "../../src/core/events.js";
import { gitIn, gitMissing, startGitDaemon, startGitHttp, type GitDaemon, type GitHttp } from "../helpers/git-server.js";
import { requirePrerequisites } from "../helpers/prerequisites.js";
import { e2eMissing, makeEnv, unpack, type Env } from "./helpers.js";

const missing = e2eMissing() ?? gitMissing();
requirePrerequisites("ADD git tests", missing);

const SECRET = "s3cr3t-T0ken";

describe.skipIf(missing !== undefined)("ADD of a git repository", () => {
  let env: Env;
  let repos: string;
  let repo: string;
  let daemon: GitDaemon;
  let http: GitHttp;
  beforeAll(async () => {
    env = await makeEnv();
    repos = join(env.dir, "repos");
    repo = join(repos, "app.git");
    mkdirSync(join(repo, "dir/sub"), { recursive: true });
    gitIn(repo, "init", "-q");
    writeFileSync(join(repo, "README"), "v1\n");
    writeFileSync(join(repo, "run.sh"), "#!/bin/sh\necho run\n");
    chmodSync(join(repo, "run.sh"), 0o755);
    writeFileSync(join(repo, "dir/sub/deep.txt"), "deep\n");
    symlinkSync("README", join(repo, "link"));
    symlinkSync("..", join(repo, "dir/up"));
    gitIn(repo, "add", "-A");
    gitIn(repo, "commit", "-q", "-m", "one");
    gitIn(repo, "tag", "v1");
    gitIn(repo, "checkout", "-q", "-b", "feature");
    writeFileSync(join(repo, "README"), "feature\n");
    gitIn(repo, "commit", "-q", "-am", "feature");
    gitIn(repo, "checkout", "-q", "main");
    daemon = await startGitDaemon(repos, "app.git");
    http = await startGitHttp(repos, "user", SECRET);
  });
  afterAll(async () => {
    await daemon?.stop();
    await http?.stop();
    env?.cleanup();
  });

  const opts = (files: Record<string, string>, extra: Partial<BuildOptions> = {}): BuildOptions => ({ context: env.context(files), root: env.root, runtime: "runc", ...extra });
  const head = (ref = "HEAD") => gitIn(repo, "rev-parse", ref).trim();

  it("checks out the default branch into the destination, without .git, files owned by root", async () => {
    await build(opts({ Dockerfile: `FROM busybox\nADD ${daemon.url("app.git")} /src\nRUN ls -la /src > /listing\n` }, { tags: ["git:1"] }));
    const img = await unpack(env, "git:1");
    expect(img.read("src/README")).toBe("v1\n");
    expect(img.read("src/dir/sub/deep.txt")).toBe("deep\n");
    expect(statSync(join(img.rootfs, "src/run.sh")).mode & 0o777).toBe(0o755);
    expect(statSync(join(img.rootfs, "src/README")).mode & 0o777).toBe(0o644);
    expect(readdirSync(join(img.rootfs, "src"))).not.toContain(".git");
    expect(img.read("listing")).toMatch(/link -> README/);
    expect(img.read("listing")).toMatch(/root\s+root\s+\d+ .* README/);
    expect(img.config.history.at(-2)?.created_by).toBe(`ADD ${daemon.url("app.git")} /src # buildkit`);
  });

  it("takes a tag's subdirectory, and keeps .git on a branch with --keep-git-dir", async () => {
    const df = `FROM busybox\nADD ${daemon.url("app.git")}#v1:dir/sub /sub/\nADD --keep-git-dir=true ${daemon.url("app.git")}#feature /k\n`;
    await build(opts({ Dockerfile: df }, { tags: ["git:2"] }));
    const img = await unpack(env, "git:2");
    expect(readdirSync(join(img.rootfs, "sub"))).toEqual(["deep.txt"]);
    expect(img.read("k/README")).toBe("feature\n");
    expect(img.read("k/.git/HEAD")).toBe("ref: refs/heads/feature\n");
  });

  it("reads BuildKit's URL query form: tag, branch, subdir, keep-git-dir and a pinned commit", async () => {
    const url = daemon.url("app.git");
    const v1 = head("v1");
    const df = `FROM busybox\nADD ${url}?tag=v1&subdir=dir/sub /q1/\nADD ${url}?branch=feature&keep-git-dir=true /q2\nADD ${url}?commit=${v1} /q3\n`;
    await build(opts({ Dockerfile: df }, { tags: ["git:q"] }));
    const img = await unpack(env, "git:q");
    expect(readdirSync(join(img.rootfs, "q1"))).toEqual(["deep.txt"]);
    expect(img.read("q2/.git/HEAD")).toBe("ref: refs/heads/feature\n");
    expect(img.read("q3/README")).toBe("v1\n");
    await expect(build(opts({ Dockerfile: `FROM busybox\nADD ${url}?tag=v1&checksum=${head("feature").slice(0, 10)} /x\n` }))).rejects.toThrow(/checksum mismatch/);
  });

  it("is cached while the ref points at the same commit and reruns when it moves", async () => {
    const files = { Dockerfile: `FROM busybox\nADD ${daemon.url("app.git")}#main /src\n` };
    await build(opts(files));
    expect((await build(opts(files))).executed).toBe(0);
    writeFileSync(join(repo, "README"), "v2\n");
    gitIn(repo, "commit", "-q", "-am", "two");
    const r = await build(opts(files, { tags: ["git:3"] }));
    expect(r.executed).toBe(1);
    expect((await unpack(env, "git:3")).read("src/README")).toBe("v2\n");
  });

  it("checks --checksum against the commit", async () => {
    const url = daemon.url("app.git");
    await build(opts({ Dockerfile: `FROM busybox\nADD --checksum=${head().slice(0, 12)} ${url} /src\n` }));
    await expect(build(opts({ Dockerfile: `FROM busybox\nADD --checksum=0000000000 ${url} /src\n` }))).rejects.toThrow(/checksum mismatch/);
  });

  it("refuses a subdirectory through a symlink and a ref that looks like an option", async () => {
    await expect(build(opts({ Dockerfile: `FROM busybox\nADD ${daemon.url("app.git")}#main:dir/up/dir /x\n` }))).rejects.toThrow(/goes through a symlink/);
    await expect(build(opts({ Dockerfile: `FROM busybox\nADD ${daemon.url("app.git")}#--upload-pack=touch /x\n` }))).rejects.toThrow(/not a valid ref name/);
  });

  it("stops git at once when the build is aborted, leaving no git process behind", async () => {
    http.hang = true;
    try {
      const abort = new AbortController();
      const url = `http://user:${SECRET}@127.0.0.1:${http.port}/app.git`;
      const started = Date.now();
      const pending = build(opts({ Dockerfile: `FROM busybox\nADD ${url} /h\n` }, { signal: abort.signal }));
      setTimeout(() => abort.abort(new Error("test abort")), 700);
      await expect(pending).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(5000);
      expect(processesMentioning(`127.0.0.1:${http.port}`)).toEqual([]);
    } finally {
      http.hang = false;
    }
  });

  it("fetches over http with credentials that reach no history, progress line, cache key or export", async () => {
    const url = `http://user:${SECRET}@127.0.0.1:${http.port}/app.git#feature:dir`;
    const events: BuildEvent[] = [];
    const cacheDir = join(env.dir, "git-cache");
    const r = await build(opts({ Dockerfile: `FROM busybox\nADD ${url} /h\n` }, { tags: ["git:4"], onEvent: (e) => events.push(e), cacheTo: [parseCacheTo(`type=local,dest=${cacheDir},mode=max`)] }));
    expect(r.executed).toBeGreaterThan(0);
    expect(http.requests.some((q) => q.includes("git-upload-pack"))).toBe(true);
    const img = await unpack(env, "git:4");
    expect(img.read("h/sub/deep.txt")).toBe("deep\n");
    expect(img.config.history.at(-1)?.created_by).toBe(`ADD http://user:xxxxx@127.0.0.1:${http.port}/app.git#feature:dir /h # buildkit`);
    expect(JSON.stringify(events)).not.toContain(SECRET);
    expect(JSON.stringify(img.config)).not.toContain(SECRET);
    for (const f of readdirSync(env.root).filter((f) => f.startsWith("meta.db"))) expect(readFileSync(join(env.root, f)).includes(SECRET), f).toBe(false);
    for (const f of readdirSync(join(cacheDir, "blobs/sha256"))) expect(readFileSync(join(cacheDir, "blobs/sha256", f)).includes(SECRET)).toBe(false);
    // Without the credentials the server refuses, so the step cannot have been served some other way.
    await expect(build(opts({ Dockerfile: `FROM busybox\nADD http://127.0.0.1:${http.port}/app.git#feature /h\n` }))).rejects.toThrow(/git ls-remote/);
  });
});

/** processesMentioning lists the PIDs whose command line contains `text` (read from /proc). */
function processesMentioning(text: string): number[] {
  const out: number[] = [];
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, "latin1").includes(text)) out.push(Number(pid));
    } catch {
      // The process ended while the list was read; it is not left behind.
    }
  }
  return out;
}
