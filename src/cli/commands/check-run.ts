/**
 * The work of `tsbuild check` (loaded on demand by check.ts, so other commands do not load the parser or linter).
 *
 * `tsbuild check [FILE|-] [--format text|json] [--build-arg K=V]...`: run the build checks on a
 * Dockerfile (default ./Dockerfile; `-` reads standard input) with the .dockerignore that applies to it
 * (`<FILE>.dockerignore`, else `.dockerignore` next to it). Prints every syntax error and
 * finding; exit code 1 when any is an error, 0 for warnings only or a clean file.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import { InputError, RULES, RULE_NAMES, checkDockerfile, chooseDockerignore, formatDiagnostic, type CheckResult, type Diagnostic } from "../../api/index.js";
import type { Format } from "./check.js";


/** readBytes reads a file the user named (or fd 0), turning fs errors into an InputError. */
function readBytes(file: string | 0, what: string): Uint8Array {
  try {
    return readFileSync(file);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new InputError(`cannot read ${what}${file === 0 ? "" : ` ${file}`}: ${reason}`, { cause: err });
  }
}

/** parseBuildArgs turns repeated `K=V` (or `K`, taken from the environment) into a map. */
function parseBuildArgs(list: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const item of list) {
    const eq = item.indexOf("=");
    const key = eq < 0 ? item : item.slice(0, eq);
    if (key === "") throw new InputError(`invalid --build-arg ${JSON.stringify(item)}: expected KEY=VALUE`);
    const value = eq < 0 ? process.env[key] : item.slice(eq + 1);
    if (value !== undefined) out.set(key, value);
  }
  return out;
}

/** summary is the last line of text output. */
function summary(file: string, ds: readonly Diagnostic[]): string {
  const errors = ds.filter((d) => d.severity === "error").length;
  const warnings = ds.filter((d) => d.severity === "warning").length;
  if (errors + warnings === 0) return `${file}: no problems found`;
  const part = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;
  return `${file}: ${[errors ? part(errors, "error") : "", warnings ? part(warnings, "warning") : ""].filter(Boolean).join(", ")}`;
}

/** render prints the result in the chosen format. */
function render(result: CheckResult, format: Format, ignore: { text: string; file: string } | undefined): string {
  if (format === "json") return JSON.stringify({ file: result.file, diagnostics: result.diagnostics }, null, 2);
  const frames = result.diagnostics.map((d) => formatDiagnostic(d, d.file === result.file ? result.source : d.file === ignore?.file ? ignore.text : undefined));
  return [...frames, summary(result.file, result.diagnostics)].join("\n");
}

/** checkCommand runs the command and returns the exit code. */
export function checkCommand(file: string, format: Format, buildArgs: readonly string[]): number {
  const stdin = file === "-";
  const source = stdin ? readBytes(0, "standard input") : readBytes(file, "Dockerfile");
  // Standard input has no directory, so no ignore file applies to it.
  const ignoreFile = stdin ? undefined : chooseDockerignore(file, dirname(file), (p) => existsSync(p));
  const ignore = ignoreFile === undefined ? undefined : { file: ignoreFile, text: new TextDecoder().decode(readBytes(ignoreFile, "ignore file")) };
  const name = stdin ? "<stdin>" : file;
  const result = checkDockerfile({ source, file: name, dockerignore: ignore, buildArgs: parseBuildArgs(buildArgs) });
  process.stdout.write(render(result, format, ignore) + "\n");
  return result.diagnostics.some((d) => d.severity === "error") ? 1 : 0;
}

/** listRules prints the rule catalog: name, default severity, experimental flag, title and docs. */
export function listRules(): string {
  return RULE_NAMES.map((name) => {
    const r = RULES[name];
    const tag = r.experimental ? `${r.severity}, experimental: off unless enabled` : r.severity;
    return `${name} (${tag})\n  ${r.title}\n  ${r.docs}\n  ${r.url}`;
  }).join("\n\n");
}

