// End-to-end build fixtures: fixtures/e2e/<case>/ holds a Dockerfile, its context files and
// expect.json, which says how to build the case and what the image must hold. The tsbuild e2e
// tests and the buildah peer comparison both build from these directories.
import { chmodSync, cpSync, existsSync, lstatSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join, resolve } from "node:path";
import { expect } from "vitest";
import { z } from "zod";

/** FIXTURES is the directory holding one subdirectory per end-to-end case. */
export const FIXTURES = resolve(import.meta.dirname, "../../fixtures/e2e");

const FileExpectation = z.strictObject({
  content: z.string().optional(),
  type: z.enum(["file", "dir", "symlink"]).optional(),
  link: z.string().optional(),
  mode: z.string().regex(/^0[0-7]{3,4}$/).optional(),
  uid: z.number().int().optional(),
  gid: z.number().int().optional(),
  mtime: z.string().optional(),
  absent: z.literal(true).optional(),
});

const Route = z.strictObject({
  body: z.string().optional(),
  headers: z.record(z.string(), z.string()).optional(),
  redirect: z.string().optional(),
});

const Expectations = z.strictObject({
  description: z.string(),
  build: z.strictObject({
    buildArgs: z.record(z.string(), z.string()).optional(),
    secrets: z.record(z.string(), z.string()).optional(),
    target: z.string().optional(),
  }).optional(),
  chmod: z.record(z.string(), z.string().regex(/^0[0-7]{3,4}$/)).optional(),
  serve: z.record(z.string(), Route).optional(),
  files: z.record(z.string(), FileExpectation).optional(),
  config: z.record(z.string(), z.unknown()).optional(),
  env: z.strictObject({ includes: z.array(z.string()).optional(), excludes: z.array(z.string()).optional() }).optional(),
  history: z.strictObject({ includes: z.array(z.string()) }).optional(),
  absentFromConfig: z.array(z.string()).optional(),
});

/** Expectations is the parsed content of a fixture's expect.json. */
export type Expectations = z.infer<typeof Expectations>;

/** Fixture is one end-to-end case: its directory and its expectations. */
export interface Fixture {
  readonly name: string;
  readonly dir: string;
  readonly expect: Expectations;
}

/** listFixtures names every fixture directory (one holding a Dockerfile), sorted. */
export function listFixtures(): string[] {
  return readdirSync(FIXTURES, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(FIXTURES, d.name, "Dockerfile")))
    .map((d) => d.name)
    .sort();
}

/** loadFixture reads fixtures/e2e/<name>/expect.json; a malformed file fails naming the fixture. */
export function loadFixture(name: string): Fixture {
  const dir = join(FIXTURES, name);
  const file = join(dir, "expect.json");
  const parsed = Expectations.safeParse(JSON.parse(readFileSync(file, "utf8")));
  if (!parsed.success) throw new Error(`${file}: ${parsed.error.message}`);
  return { name, dir, expect: parsed.data };
}

/** copyContext copies the fixture's context (everything but expect.json) to dest and applies its chmod list. */
export function copyContext(f: Fixture, dest: string): string {
  cpSync(f.dir, dest, { recursive: true, verbatimSymlinks: true, filter: (src) => src !== join(f.dir, "expect.json") });
  for (const [path, mode] of Object.entries(f.expect.chmod ?? {})) chmodSync(join(dest, path), Number.parseInt(mode, 8));
  return dest;
}

/** buildArgsOf returns the fixture's build args with `{{name}}` placeholders replaced from vars. */
export function buildArgsOf(f: Fixture, vars: Readonly<Record<string, string>> = {}): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(f.expect.build?.buildArgs ?? {})) {
    out[k] = v.replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
      const value = vars[name];
      if (value === undefined) throw new Error(`fixture ${f.name}: build arg ${k} needs {{${name}}}, which the test did not provide`);
      return value;
    });
  }
  return out;
}

/** FixtureServer is a loopback HTTP server for a fixture's `serve` routes. */
export interface FixtureServer {
  /** The placeholders the fixture's build args may use: `server` is `http://127.0.0.1:PORT`. */
  readonly vars: Readonly<Record<string, string>>;
  close(): Promise<void>;
}

/** serveFixture starts a loopback HTTP server with the fixture's routes (none: a server answering 404). */
export async function serveFixture(f: Fixture): Promise<FixtureServer> {
  const routes = f.expect.serve ?? {};
  const server: Server = createServer((req, res) => {
    const route = routes[req.url ?? ""];
    if (route?.redirect !== undefined) res.writeHead(302, { Location: route.redirect });
    else if (route) res.writeHead(200, route.headers ?? {});
    else res.writeHead(404);
    res.end(route?.body ?? "");
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { vars: { server: base }, close: () => new Promise<void>((ok, fail) => server.close((e) => (e ? fail(e) : ok()))) };
}

/** ImageView is an unpacked image: its rootfs directory and its config JSON. */
export interface ImageView {
  readonly rootfs: string;
  readonly config: { config: Record<string, unknown>; history?: { created_by?: string }[] };
}

/** checkFile checks one path of expect.json's `files` in an unpacked rootfs. */
function checkFile(rootfs: string, path: string, e: z.infer<typeof FileExpectation>, where: string): void {
  const full = join(rootfs, path);
  if (e.absent) {
    expect(existsSync(full), `${where}: ${path} must not exist`).toBe(false);
    return;
  }
  const st = lstatSync(full);
  const type = st.isSymbolicLink() ? "symlink" : st.isDirectory() ? "dir" : "file";
  if (e.type !== undefined) expect(type, `${where}: type of ${path}`).toBe(e.type);
  if (e.link !== undefined) expect(readlinkSync(full), `${where}: target of ${path}`).toBe(e.link);
  if (e.content !== undefined) expect(readFileSync(full, "utf8"), `${where}: content of ${path}`).toBe(e.content);
  if (e.mode !== undefined) expect((st.mode & 0o7777).toString(8).padStart(4, "0"), `${where}: mode of ${path}`).toBe(e.mode.padStart(4, "0"));
  if (e.uid !== undefined) expect(st.uid, `${where}: uid of ${path}`).toBe(e.uid);
  if (e.gid !== undefined) expect(st.gid, `${where}: gid of ${path}`).toBe(e.gid);
  if (e.mtime !== undefined) expect(st.mtime.getTime(), `${where}: mtime of ${path}`).toBe(Date.parse(e.mtime));
}

/** checkImage checks an unpacked image against the fixture's expectations (files, config, env, history, leaks). */
export function checkImage(f: Fixture, img: ImageView): void {
  const where = `fixture ${f.name}`;
  for (const [path, e] of Object.entries(f.expect.files ?? {})) checkFile(img.rootfs, path, e, where);
  if (f.expect.config) expect(img.config.config, `${where}: config`).toMatchObject(f.expect.config);
  const env = (img.config.config.Env ?? []) as string[];
  for (const kv of f.expect.env?.includes ?? []) expect(env, `${where}: Env`).toContain(kv);
  for (const kv of f.expect.env?.excludes ?? []) expect(env, `${where}: Env`).not.toContain(kv);
  const history = (img.config.history ?? []).map((h) => h.created_by);
  for (const h of f.expect.history?.includes ?? []) expect(history, `${where}: history`).toContain(h);
  for (const s of f.expect.absentFromConfig ?? []) expect(JSON.stringify(img.config), `${where}: config JSON`).not.toContain(s);
}
