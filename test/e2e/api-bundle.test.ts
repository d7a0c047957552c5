// The library as programs import it: `import ... from "tsbuild"` resolves through the package's
// exports to dist/api/index.js, an ES module bundle (scripts/bundle-api.mjs) with chunks for what
// loads on first use (the parser, the builder). Each test runs a fresh node process on the built
// files (so dist/ must be built: `npm test` builds first), as a program using tsbuild would.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as api from "../../src/api/index.js";
import { requirePrerequisites } from "../helpers/prerequisites.js";

const REPO = resolve(import.meta.dirname, "../..");
const ENTRY = join(REPO, "dist/api/index.js");
const missing = existsSync(ENTRY) ? undefined : `${ENTRY} is missing (run npm run build)`;
requirePrerequisites("library bundle tests", missing);

/** program runs `code` as an ES module in a fresh node process in the repository (where "tsbuild" names this package) and returns its JSON output. */
function program(code: string, env: NodeJS.ProcessEnv = {}): unknown {
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", code], { cwd: REPO, encoding: "utf8", env: { ...process.env, ...env }, timeout: 120_000 });
  if (r.status !== 0) throw new Error(`node exited with ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout) as unknown;
}

/** staticImports lists the module specifiers a built file imports statically (`import ... from "x"` and `import "x"`). */
function staticImports(file: string): string[] {
  const text = readFileSync(file, "utf8");
  return [...text.matchAll(/^(?:import|export)\s[^;]*?from\s*"([^"]+)";|^import\s*"([^"]+)";/gm)].map((m) => (m[1] ?? m[2]) as string);
}

describe.skipIf(missing !== undefined)("the library bundle (dist/api/index.js)", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "tsbuild-api-bundle-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('"tsbuild" resolves to the bundle, which exports what src/api/index.ts does', () => {
    const out = program(`const m = await import("tsbuild"); console.log(JSON.stringify({ url: import.meta.resolve("tsbuild"), names: Object.keys(m).sort() }));`) as { url: string; names: string[] };
    expect(out.url).toBe(`file://${ENTRY}`);
    expect(out.names).toEqual(Object.keys(api).sort());
  });

  it("loads better-sqlite3 only when a store is first opened, not at import", () => {
    const root = join(dir, "sqlite-store");
    const out = program(`
      import { createRequire } from "node:module";
      const loaded = () => Object.keys(createRequire(import.meta.url).cache).some((k) => k.includes("/better-sqlite3/"));
      const t = await import("tsbuild");
      const atImport = loaded();
      t.parse("FROM scratch\\n");
      const afterParse = loaded();
      const images = await t.images({ root: ${JSON.stringify(root)} });
      console.log(JSON.stringify({ atImport, afterParse, images: images.length, afterStore: loaded() }));`) as Record<string, unknown>;
    expect(out).toEqual({ atImport: false, afterParse: false, images: 0, afterStore: true });
  });

  it("loads as a few files: its static imports are its own chunks and Node's builtins", () => {
    const seen = new Set<string>();
    const visit = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const spec of staticImports(file)) {
        if (spec.startsWith("node:") || !spec.startsWith(".")) {
          expect(spec, `${file} imports ${spec}`).toMatch(/^node:/);
          continue;
        }
        expect(spec, `${file} imports ${spec}`).toMatch(/^\.{1,2}\/chunks\/|^\.\/chunk-/);
        visit(resolve(file, "..", spec));
      }
    };
    visit(ENTRY);
    expect(seen.size).toBeGreaterThan(1);
    expect(seen.size).toBeLessThan(15);
  });

  it("parses, packs, builds (its lazily loaded parser and builder chunks) and lists images", () => {
    const ctx = join(dir, "ctx");
    mkdirSync(join(ctx, "d"), { recursive: true });
    writeFileSync(join(ctx, "d/a.txt"), "hello\n");
    writeFileSync(join(ctx, "Dockerfile"), "FROM scratch\nCOPY d /d\nENV GREETING=hello\n");
    const root = join(dir, "store");
    const out = program(
      `const t = await import("tsbuild");
       const parsed = t.parse("FROM scratch\\nCOPY a b\\n", { file: "Dockerfile" });
       const packed = await t.pack([${JSON.stringify(join(ctx, "d"))}], "packed:1", { root: ${JSON.stringify(root)} });
       const built = await t.build({ context: ${JSON.stringify(ctx)}, tags: ["built:1"], root: ${JSON.stringify(root)} });
       const shown = await t.inspect("built:1", { root: ${JSON.stringify(root)} });
       const rows = await t.images({ root: ${JSON.stringify(root)} });
       console.log(JSON.stringify({ instructions: parsed.ast.instructions.map((i) => i.kind), packed: packed.digest, built: built.manifestDigest, shown: shown.Digest, env: shown.Config.config.Env, names: rows.map((r) => r.repository + ":" + r.tag).sort() }));`,
    ) as { instructions: string[]; packed: string; built: string; shown: string; env: string[]; names: string[] };
    expect(out.instructions).toEqual(["FROM", "COPY"]);
    expect(out.packed).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(out.shown).toBe(out.built);
    expect(out.env).toContain("GREETING=hello");
    expect(out.names).toEqual(["built:1", "packed:1"]);
  });
});
