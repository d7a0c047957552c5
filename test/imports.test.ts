// Enforces the import table of docs/ARCHITECTURE.md: which src/ module may import which.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { describe, expect, it } from "vitest";

const SRC = resolve(import.meta.dirname, "../src");

type Module = "core" | "parser" | "planner" | "executor" | "runtime" | "store" | "image" | "registry" | "api" | "plugins" | "cli";

/** ALLOWED is the table: module -> modules under src/ it may import (itself always allowed). */
const ALLOWED: Record<Module, readonly Module[]> = {
  core: [],
  parser: ["core"],
  planner: ["core", "parser", "image"],
  executor: ["core", "planner", "store", "image", "registry", "runtime"],
  runtime: ["core"],
  store: ["core"],
  image: ["core", "store"],
  registry: ["core", "image", "store"],
  api: ["core", "parser", "planner", "executor", "runtime", "store", "image", "registry"],
  plugins: ["api"],
  cli: ["api"],
};

/** FORBIDDEN_PACKAGES lists packages and builtins a module must never import. */
const FORBIDDEN_PACKAGES: Partial<Record<Module, readonly RegExp[]>> = {
  planner: [/^node:fs/, /^fs/, /^node:child_process/, /^child_process/, /^node:timers/],
  core: [/^ink$/, /^react$/],
  parser: [/^node:child_process/, /^ink$/, /^react$/],
  api: [/^ink$/, /^react$/],
  // vite and esbuild are optional peers: the plugins may import their types only (checked below).
  plugins: [/^ink$/, /^react$/],
};

/** TYPE_ONLY says which module pairs are allowed only as `import type` (the table's "types"). */
const TYPE_ONLY: Partial<Record<Module, readonly Module[]>> = {
  // The planner calls two runtime parts of the parser: see PLANNER_PARSER_RUNTIME.
  planner: ["image"],
  executor: ["planner", "runtime"],
};

/**
 * PLANNER_PARSER_RUNTIME lists the parser modules the planner may call: the pure shell expander,
 * the ARG scope rules it shares with the linter, and the heredoc lookup (which body a `<<NAME`
 * word names). Everything else from parser is types only.
 */
const PLANNER_PARSER_RUNTIME: readonly RegExp[] = [/\/parser\/shell\//, /\/parser\/arg-scope\.js$/, /\/parser\/instructions\/heredoc\.js$/];

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (/\.(ts|tsx)$/.test(name)) out.push(p);
  }
  return out;
}

function moduleOf(file: string): Module | undefined {
  const first = relative(SRC, file).split(sep)[0];
  return first && first in ALLOWED ? (first as Module) : undefined;
}

const IMPORT_RE = /(?:^|\n)\s*(import|export)\s+(type\s+)?(?:[^'";]*?\sfrom\s+)?["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;

function importsOf(text: string): { spec: string; typeOnly: boolean }[] {
  const out: { spec: string; typeOnly: boolean }[] = [];
  for (const m of text.matchAll(IMPORT_RE)) {
    const spec = m[3] ?? m[4];
    if (spec) out.push({ spec, typeOnly: Boolean(m[2]) });
  }
  return out;
}

describe("import rules (docs/ARCHITECTURE.md)", () => {
  const files = walk(SRC);

  it("finds the source tree", () => {
    expect(files.length).toBeGreaterThan(3);
  });

  it("every file obeys the module table", () => {
    const violations: string[] = [];
    for (const file of files) {
      const from = moduleOf(file);
      if (!from) {
        violations.push(`${relative(SRC, file)} is outside every module of the table`);
        continue;
      }
      for (const { spec, typeOnly } of importsOf(readFileSync(file, "utf8"))) {
        if (from === "planner" && !typeOnly && spec.includes("/parser/") && !PLANNER_PARSER_RUNTIME.some((re) => re.test(spec))) {
          violations.push(`${relative(SRC, file)}: planner may import only types, the shell expander, the ARG scope and the heredoc lookup from parser (${spec})`);
        }
        for (const re of FORBIDDEN_PACKAGES[from] ?? []) {
          if (re.test(spec)) violations.push(`${relative(SRC, file)}: ${from} must not import ${spec}`);
        }
        if (from === "plugins" && !typeOnly && /^(vite|esbuild)(\/|$)/.test(spec)) {
          violations.push(`${relative(SRC, file)}: plugins may import only types from ${spec} (an optional peer dependency)`);
        }
        if (!spec.startsWith(".")) continue;
        const to = moduleOf(resolve(dirname(file), spec));
        if (!to) {
          violations.push(`${relative(SRC, file)}: import ${spec} leaves src/`);
          continue;
        }
        if (to === from) continue;
        if (!ALLOWED[from].includes(to)) {
          violations.push(`${relative(SRC, file)}: ${from} must not import ${to} (${spec})`);
        } else if (TYPE_ONLY[from]?.includes(to) && !typeOnly) {
          violations.push(`${relative(SRC, file)}: ${from} may import only types from ${to} (${spec})`);
        }
      }
    }
    expect(violations).toEqual([]);
  });

  it("the checker itself catches a violation", () => {
    const found = importsOf(`import { x } from "../executor/a.js";\nimport type { Y } from "../parser/ast.js";\nconst m = await import("../cli/b.js");`);
    expect(found).toEqual([
      { spec: "../executor/a.js", typeOnly: false },
      { spec: "../parser/ast.js", typeOnly: true },
      { spec: "../cli/b.js", typeOnly: false },
    ]);
  });
});
