// ADD and COPY extras end to end: local tars extracted safely, URLs downloaded from a loopback
// HTTP server with --checksum, symbolic --chmod, and wildcards in COPY --from.
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { pack } from "tar-stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { build } from "../../src/api/index.js";
import { buildFixture, checkFixture, e2eMissing, makeEnv, unpack, type Env } from "./helpers.js";
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

  it("extracts local plain and gzip tars, and copies a non-archive file as is (fixtures/e2e/add-tar)", async () => {
    const { fixture } = await buildFixture(env, "add-tar", { tags: ["add/tar:1"] });
    await checkFixture(env, fixture, "add/tar:1");
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

  it("downloads a URL through a redirect with --checksum, mode 0600 and Last-Modified as mtime (fixtures/e2e/add-url)", async () => {
    const { fixture } = await buildFixture(env, "add-url", { tags: ["add/url:1"] });
    await checkFixture(env, fixture, "add/url:1");
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
    // The redirects are followed over kept-alive connections (the builds before opened one), not a connection each.
    let connections = 0;
    let requests = 0;
    const onConnection = (): void => void connections++;
    const onRequest = (): void => void requests++;
    http.server.on("connection", onConnection);
    http.server.on("request", onRequest);
    try {
      await expect(env.build({ Dockerfile: `FROM busybox\nADD ${http.base}/loop /x\n` })).rejects.toThrow(/10 redirects/);
    } finally {
      http.server.off("connection", onConnection);
      http.server.off("request", onRequest);
    }
    expect(requests).toBe(11);
    expect(connections).toBeLessThanOrEqual(1);
  });

  it("applies symbolic --chmod and expands wildcards in COPY --from (fixtures/e2e/copy-chmod-glob)", async () => {
    const { fixture } = await buildFixture(env, "copy-chmod-glob", { tags: ["add/chmod:1"] });
    await checkFixture(env, fixture, "add/chmod:1");
  });
});
