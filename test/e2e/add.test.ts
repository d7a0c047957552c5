// ADD and COPY extras end to end: local tars extracted safely, URLs downloaded from a loopback
// HTTP server with --checksum, symbolic --chmod, and wildcards in COPY --from.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, lstatSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { pack } from "tar-stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { build } from "../../src/api/index.js";
import { e2eMissing, makeEnv, unpack, type Env } from "./helpers.js";
import { requirePrerequisites } from "../helpers/prerequisites.js";

const missing = e2eMissing();
requirePrerequisites("ADD end-to-end tests", missing);

const PAYLOAD = "downloaded payload\n";
let mutable = "version one\n";
let archive = "";
const LAST_MODIFIED = "Wed, 21 Oct 2020 07:28:00 GMT";

/** serve starts a loopback HTTP server: /files/payload.txt, a redirect to it, and an endless redirect loop. */
async function serve(): Promise<{ server: Server; base: string }> {
  const server = createServer((req, res) => {
    if (req.url === "/files/payload.txt") {
      res.writeHead(200, { "Content-Type": "text/plain", "Last-Modified": LAST_MODIFIED });
      res.end(PAYLOAD);
    } else if (req.url === "/pkg.tar") {
      res.writeHead(200);
      res.end(Buffer.from(archive, "latin1"));
    } else if (req.url === "/mutable.txt") {
      res.writeHead(200, { "Content-Type": "text/plain" });
      res.end(mutable);
    } else if (req.url === "/go") {
      res.writeHead(302, { Location: "/files/payload.txt" });
      res.end();
    } else if (req.url?.startsWith("/loop")) {
      res.writeHead(302, { Location: `/loop${(req.url.length % 50) + 1}` });
      res.end();
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** tarOf packs entries (a symlink when `linkname` is set) into a tar. */
async function tarOf(entries: { name: string; body?: string; linkname?: string }[]): Promise<Buffer> {
  const p = pack();
  for (const e of entries) {
    if (e.linkname !== undefined) p.entry({ name: e.name, type: "symlink", linkname: e.linkname });
    else p.entry({ name: e.name }, e.body ?? "");
  }
  p.finalize();
  const chunks: Buffer[] = [];
  for await (const c of p) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe.skipIf(missing !== undefined)("ADD and COPY extras (end to end)", () => {
  let env: Env;
  let http: { server: Server; base: string };
  beforeAll(async () => {
    env = await makeEnv();
    http = await serve();
  });
  afterAll(async () => {
    await new Promise((ok) => http?.server.close(ok));
    env?.cleanup();
  });

  it("extracts local plain and gzip tars, and copies a non-archive file as is", async () => {
    const ctx = env.context({ Dockerfile: "FROM busybox\nADD plain.tar /plain\nADD packed.tar.gz /gz/\nADD notatar.gz /files/\nCOPY plain.tar /copied/\n", "notatar.gz": "not gzip at all\n" });
    const src = join(env.dir, "tarsrc");
    mkdirSync(join(src, "sub"), { recursive: true });
    writeFileSync(join(src, "sub/x.txt"), "x\n");
    execFileSync("tar", ["-C", src, "--owner=1000", "--group=1000", "-cf", join(ctx, "plain.tar"), "sub"]);
    execFileSync("tar", ["-C", src, "-czf", join(ctx, "packed.tar.gz"), "sub"]);
    await build({ context: ctx, root: env.root, runtime: "runc", tags: ["add/tar:1"] });
    const img = await unpack(env, "add/tar:1");
    expect(img.read("plain/sub/x.txt")).toBe("x\n");
    expect(lstatSync(join(img.rootfs, "plain/sub/x.txt")).uid).toBe(1000);
    expect(img.read("gz/sub/x.txt")).toBe("x\n");
    expect(img.read("files/notatar.gz")).toBe("not gzip at all\n");
    expect(lstatSync(join(img.rootfs, "copied/plain.tar")).isFile()).toBe(true);
  });

  it("refuses hostile tars, naming the entry, and never writes through a symlink", async () => {
    const ctx = env.context({ Dockerfile: "FROM busybox\nADD evil.tar /dest/\n" });
    writeFileSync(join(ctx, "evil.tar"), await tarOf([{ name: "ok.txt", body: "fine\n" }, { name: "../../escape.txt", body: "evil\n" }]));
    await expect(build({ context: ctx, root: env.root, runtime: "runc" })).rejects.toThrow(/escape\.txt/);
    const outside = join(env.dir, "outside");
    mkdirSync(outside);
    writeFileSync(join(ctx, "evil.tar"), await tarOf([{ name: "link", linkname: outside }, { name: "link/pwned.txt", body: "evil\n" }]));
    await expect(build({ context: ctx, root: env.root, runtime: "runc" })).rejects.toThrow(/link\/pwned\.txt/);
    expect(existsSync(join(outside, "pwned.txt"))).toBe(false);
  });

  it("extracts a downloaded archive with ADD --unpack=true", async () => {
    const body = (await tarOf([{ name: "pkg/readme.txt", body: "from the archive\n" }])).toString("latin1");
    archive = body;
    await env.build({ Dockerfile: `FROM busybox\nADD --unpack=true ${http.base}/pkg.tar /opt/\n` }, { tags: ["add/unpack:1"] });
    expect((await unpack(env, "add/unpack:1")).read("opt/pkg/readme.txt")).toBe("from the archive\n");
  });

  it("downloads a URL through a redirect with --checksum, mode 0600 and Last-Modified as mtime", async () => {
    const sum = createHash("sha256").update(PAYLOAD).digest("hex");
    await env.build({ Dockerfile: `FROM busybox\nADD --checksum=sha256:${sum} ${http.base}/go /dl/\nADD ${http.base}/files/payload.txt /named.txt\n` }, { tags: ["add/url:1"] });
    const img = await unpack(env, "add/url:1");
    expect(img.read("dl/go")).toBe(PAYLOAD);
    const st = lstatSync(join(img.rootfs, "dl/go"));
    expect(st.mode & 0o7777).toBe(0o600);
    expect(st.mtime.getTime()).toBe(Date.parse(LAST_MODIFIED));
    expect(readFileSync(join(img.rootfs, "named.txt"), "utf8")).toBe(PAYLOAD);
  });

  it("keeps a URL step cached while the resource is unchanged and reruns it when it changes", async () => {
    const df = `FROM busybox\nRUN echo before > /before\nADD ${http.base}/mutable.txt /m.txt\n`;
    await env.build({ Dockerfile: df });
    expect((await env.build({ Dockerfile: df })).executed).toBe(0);
    mutable = "version two\n";
    const r = await env.build({ Dockerfile: df }, { tags: ["add/mutable:2"] });
    expect(r.executed).toBe(1);
    expect((await unpack(env, "add/mutable:2")).read("m.txt")).toBe("version two\n");
  });

  it("fails on a checksum mismatch, a 404 and a redirect loop", async () => {
    const wrong = "0".repeat(64);
    await expect(env.build({ Dockerfile: `FROM busybox\nADD --checksum=sha256:${wrong} ${http.base}/files/payload.txt /x\n` })).rejects.toThrow(/checksum mismatch/);
    await expect(env.build({ Dockerfile: `FROM busybox\nADD ${http.base}/missing /x\n` })).rejects.toThrow(/404/);
    await expect(env.build({ Dockerfile: `FROM busybox\nADD ${http.base}/loop /x\n` })).rejects.toThrow(/10 redirects/);
  });

  it("applies symbolic --chmod and expands wildcards in COPY --from", async () => {
    const ctx = env.context({
      Dockerfile: "FROM busybox AS gen\nRUN mkdir -p /out/a /out/b && echo 1 > /out/a/one.txt && echo 2 > /out/b/two.txt && echo 3 > /out/three.log\nFROM busybox\nCOPY --chmod=u=rwX,go=rX tool.sh data.txt /bin2/\nCOPY --from=gen /out/*/*.txt /txt/\nCOPY --from=gen /out/*.log /logs/\n",
      "tool.sh": "#!/bin/sh\n",
      "data.txt": "d\n",
    });
    execFileSync("chmod", ["0700", join(ctx, "tool.sh")]);
    execFileSync("chmod", ["0600", join(ctx, "data.txt")]);
    await build({ context: ctx, root: env.root, runtime: "runc", tags: ["add/chmod:1"] });
    const img = await unpack(env, "add/chmod:1");
    expect(lstatSync(join(img.rootfs, "bin2/tool.sh")).mode & 0o7777).toBe(0o755);
    expect(lstatSync(join(img.rootfs, "bin2/data.txt")).mode & 0o7777).toBe(0o644);
    expect(img.read("txt/one.txt")).toBe("1\n");
    expect(img.read("txt/two.txt")).toBe("2\n");
    expect(img.read("logs/three.log")).toBe("3\n");
  });
});
