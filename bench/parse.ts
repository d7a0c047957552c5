// Parser throughput: tsbuild's parser (full `parse`, and layer 1 `parseRaw` alone) against the
// npm package dockerfile-ast (`DockerfileParser.parse`) on the same inputs in the same run:
// every Dockerfile of ../shared/conformance plus generated large files (5,000-instruction files
// mixing every instruction, long continuations, many heredocs). Each parser is warmed up, then
// timed over ROUNDS rounds, the parsers taking turns within each round; the median round counts.
// Time is CPU time (process.cpuUsage), so other load on the machine skews no parser more than
// another. Prints MB/s and files/s (per CPU second) per parser and the ratio to dockerfile-ast.
// The target is at least 2x dockerfile-ast for both parse and parseRaw on every corpus (exit 1).
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { DockerfileParser } from "dockerfile-ast";
import { parse, parseRaw } from "../src/parser/index.js";

const ROOT = resolve(import.meta.dirname, "..");
const CONFORMANCE = resolve(ROOT, "../shared/conformance");
const ROUNDS = 11;
const WARMUP_ROUNDS = 3;
/** WARMUP_MS is the least CPU time each parser runs before timing, so the JIT has settled (small corpora need many passes). */
const WARMUP_MS = 500;

/** conformanceFiles finds every file named Dockerfile under the conformance folder. */
function conformanceFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...conformanceFiles(p));
    else if (name === "Dockerfile") out.push(readFileSync(p, "utf8"));
  }
  return out;
}

/** stageBlock is one stage using every instruction kind, flags, JSON and shell forms. */
function stageBlock(i: number): string[] {
  return [
    `FROM --platform=$BUILDPLATFORM \${BASE}:\${TAG} AS stage${i}`,
    `ARG VERSION=1.${i} BUILD_DATE`,
    `ENV APP_HOME=/app PATH=/app/bin:$PATH LANG="C.UTF-8"`,
    `LABEL org.opencontainers.image.title="stage ${i}" version=$VERSION`,
    `WORKDIR /app/${i}`,
    `USER app:app`,
    `COPY --chown=app:app --chmod=0644 --link package.json package-lock.json ./`,
    `ADD --checksum=sha256:${"ab".repeat(32)} https://example.com/f${i}.tgz /tmp/`,
    `RUN --mount=type=cache,target=/root/.npm --mount=type=secret,id=npm,env=NPM_TOKEN npm ci`,
    `RUN ["sh", "-c", "echo ${i}"]`,
    `SHELL ["/bin/bash", "-o", "pipefail", "-c"]`,
    `VOLUME ["/data/${i}"]`,
    `EXPOSE 8080/tcp ${9000 + (i % 1000)}/udp`,
    `STOPSIGNAL SIGTERM`,
    `HEALTHCHECK --interval=30s --timeout=3s --retries=3 CMD ["curl", "-f", "http://localhost:8080/"]`,
    `ONBUILD RUN echo triggered ${i}`,
    `MAINTAINER team${i}@example.com`,
    `ENTRYPOINT ["node", "server.js"]`,
    `CMD ["--port", "8080"]`,
  ];
}

/** mixed builds a file of about `n` instructions cycling through stageBlock. */
function mixed(n: number): string {
  const lines = ["# syntax=docker/dockerfile:1", "# check=skip=MaintainerDeprecated", "ARG BASE=alpine", "ARG TAG=3.20"];
  for (let i = 0; lines.length < n; i++) lines.push(...stageBlock(i));
  return lines.join("\n") + "\n";
}

/** continuations builds `n` RUN instructions of 20 continued lines each, with comments inside. */
function continuations(n: number): string {
  const parts = ["FROM alpine"];
  for (let i = 0; i < n; i++) {
    const body = Array.from({ length: 20 }, (_, j) => (j === 10 ? `# step ${j}\n    pkg-${i}-${j} \\` : `    pkg-${i}-${j} \\`));
    parts.push(`RUN apk add --no-cache \\`, ...body, `    && echo done-${i}`);
  }
  return parts.join("\n") + "\n";
}

/** heredocs builds `n` RUN and COPY instructions with heredoc bodies of 8 lines. */
function heredocs(n: number): string {
  const parts = ["FROM alpine"];
  for (let i = 0; i < n; i++) {
    const body = Array.from({ length: 8 }, (_, j) => `echo "line ${j} of ${i}: $HOME"`);
    if (i % 2 === 0) parts.push(`RUN <<EOF${i}`, ...body, `EOF${i}`);
    else parts.push(`COPY <<-'CONF' /etc/app${i}.conf`, ...body.map((b) => `\t${b}`), `\tCONF`);
  }
  return parts.join("\n") + "\n";
}

interface Corpus {
  readonly name: string;
  readonly files: readonly string[];
}

const corpora: Corpus[] = [
  { name: "conformance", files: conformanceFiles(CONFORMANCE) },
  { name: "generated", files: [mixed(5000), continuations(2000), heredocs(2500)] },
];

type Parser = (text: string) => unknown;
const parsers: readonly (readonly [string, Parser])[] = [
  ["tsbuild parse", (s) => parse(s)],
  ["tsbuild parseRaw", (s) => parseRaw(s)],
  ["dockerfile-ast", (s) => DockerfileParser.parse(s)],
];

/** cpuMs is the CPU time (user + system, all threads) this process has used, in milliseconds. */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** timeRun parses every file `reps` times and returns the CPU milliseconds per pass. */
function timeRun(fn: Parser, files: readonly string[], reps: number): number {
  const t0 = cpuMs();
  for (let k = 0; k < reps; k++) for (const f of files) fn(f);
  return (cpuMs() - t0) / reps;
}

/** median is the middle value of a non-empty list (the upper one of the two for an even length). */
function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1] ?? NaN;
}

/**
 * measureAll warms every parser up (WARMUP_ROUNDS passes and WARMUP_MS), then runs ROUNDS rounds; in each round every parser parses
 * the corpus (repeated to >= 50 ms), in a rotating order so that each sees the same conditions.
 * It returns each parser's median CPU milliseconds per pass over the corpus.
 */
function measureAll(files: readonly string[]): number[] {
  for (const [, fn] of parsers) {
    let spent = 0;
    for (let i = 0; i < WARMUP_ROUNDS || spent < WARMUP_MS; i++) spent += timeRun(fn, files, 1);
  }
  const reps = parsers.map(([, fn]) => Math.max(1, Math.ceil(50 / Math.max(timeRun(fn, files, 1), 0.01))));
  const samples: number[][] = parsers.map(() => []);
  for (let r = 0; r < ROUNDS; r++) {
    for (let j = 0; j < parsers.length; j++) {
      const i = (r + j) % parsers.length;
      const [, fn] = parsers[i] as (typeof parsers)[number];
      samples[i]?.push(timeRun(fn, files, reps[i] ?? 1));
    }
  }
  return samples.map(median);
}

const ratios: number[] = [];
for (const corpus of corpora) {
  if (corpus.files.length === 0) {
    console.log(`${corpus.name}: no files found (expected ../shared/conformance next to the checkout), skipped`);
    continue;
  }
  const bytes = corpus.files.reduce((n, s) => n + Buffer.byteLength(s), 0);
  console.log(`${corpus.name}: ${corpus.files.length} files, ${(bytes / 1e6).toFixed(2)} MB`);
  const ms = measureAll(corpus.files);
  const base = ms[parsers.findIndex(([name]) => name === "dockerfile-ast")] ?? NaN;
  parsers.forEach(([name], i) => {
    const t = ms[i] ?? NaN;
    const ratio = base / t;
    if (name !== "dockerfile-ast") ratios.push(ratio);
    const mbps = bytes / 1e6 / (t / 1000);
    const fps = corpus.files.length / (t / 1000);
    console.log(`  ${name.padEnd(18)} ${mbps.toFixed(2).padStart(8)} MB/s ${fps.toFixed(0).padStart(9)} files/s   ${ratio.toFixed(2)}x dockerfile-ast`);
  });
}
const worst = Math.min(...ratios);
console.log(`tsbuild (parse and parseRaw) vs dockerfile-ast, worst corpus: ${worst.toFixed(2)}x (target >= 2x)`);
process.exitCode = worst >= 2 ? 0 : 1;
