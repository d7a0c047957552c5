import { describe, expect, it } from "vitest";
import { sha256, type Digest } from "../../src/core/digest.js";
import { cacheKey, contextSelectors, readsCache } from "../../src/executor/index.js";
import type { CopyOp, ExecMount, Vertex } from "../../src/planner/plan.js";
import { fakeImage, mustPlan } from "../planner/helpers.js";
import { exec, scratch, vertex } from "./fakes.js";

const K1 = sha256("input one");
const K2 = sha256("input two");
const C1 = sha256("context one");
const C2 = sha256("context two");

function copyOp(extra: Partial<CopyOp> = {}): CopyOp {
  return {
    kind: "copy", add: false, from: "context", sources: [{ kind: "path", path: "src" }], dest: "/app/", chown: undefined, chmod: undefined,
    link: false, parents: false, excludes: [], checksum: undefined, unpack: undefined, keepGitDir: false, ...extra,
  };
}

function mount(extra: Partial<ExecMount>): ExecMount {
  return {
    type: "bind", target: "/src", source: undefined, input: undefined, fromContext: false, readOnly: true, cacheId: undefined, sharing: undefined,
    secretId: undefined, secretEnv: undefined, required: false, mode: undefined, uid: undefined, gid: undefined, size: undefined, ...extra,
  };
}

/** keysOf computes every vertex's key of a plan, with one content digest per context selection. */
function keysOf(vertices: readonly Vertex[], content: Digest = C1): Map<Digest, Digest> {
  const keys = new Map<Digest, Digest>();
  for (const v of vertices) {
    const contents = contextSelectors(v).length > 0 ? [content] : [];
    keys.set(v.digest, cacheKey(v, v.inputs.map((i) => keys.get(i)!), contents));
  }
  return keys;
}

describe("cacheKey", () => {
  it("is equal for equal input keys even when the input vertex digests differ", () => {
    const a = vertex("a", exec("make"), [vertex("x", exec("one"))]);
    const b = vertex("b", exec("make"), [vertex("y", exec("two"))]);
    expect(a.digest).not.toBe(b.digest);
    expect(cacheKey(a, [K1], [])).toBe(cacheKey(b, [K1], []));
    expect(cacheKey(a, [K1], [])).not.toBe(cacheKey(a, [K2], []));
  });

  it("gives equal keys down the chain for one base image named by tag and by digest", () => {
    const base = fakeImage("alpine:3.20");
    const images = new Map([
      ["alpine:3.20", base],
      ["alpine@sha256:abc", { ...base, ref: "docker.io/library/alpine@sha256:abc" }],
    ]);
    const byTag = mustPlan("FROM alpine:3.20\nRUN make\n", { images });
    const byDigest = mustPlan("FROM alpine@sha256:abc\nRUN make\n", { images });
    expect(byTag.root).not.toBe(byDigest.root);
    expect(keysOf(byTag.vertices).get(byTag.root)).toBe(keysOf(byDigest.vertices).get(byDigest.root));
    const other = mustPlan("FROM alpine:3.20\nRUN make\n", { images: new Map([["alpine:3.20", fakeImage("other")]]) });
    expect(keysOf(other.vertices).get(other.root)).not.toBe(keysOf(byTag.vertices).get(byTag.root));
  });

  it("changes with the context content digest", () => {
    const v = vertex("copy", copyOp(), [scratch()]);
    expect(cacheKey(v, [K1], [C1])).not.toBe(cacheKey(v, [K1], [C2]));
    const p = mustPlan("FROM alpine\nCOPY a.txt /a\nRUN cat /a\n");
    expect(keysOf(p.vertices, C1).get(p.root)).not.toBe(keysOf(p.vertices, C2).get(p.root));
  });

  it("ignores names, stages and ranges", () => {
    const op = exec("make");
    const a = vertex("[1/2] RUN make", op, [], "build");
    const b: Vertex = { ...vertex("[stage-3 4/5] RUN make", op, [], "stage-3"), range: { start: { line: 9, column: 1, offset: 90 }, end: { line: 9, column: 9, offset: 98 } } };
    expect(cacheKey(a, [], [])).toBe(cacheKey(b, [], []));
  });

  it("keys a secret mount by id and target; secret content is never consulted", () => {
    const p1 = mustPlan("FROM alpine\nRUN --mount=type=secret,id=token cat /run/secrets/token\n");
    const p2 = mustPlan("FROM alpine\nRUN --mount=type=secret,id=token cat /run/secrets/token\n");
    const root = p1.vertices.find((v) => v.digest === p1.root)!;
    expect(contextSelectors(root)).toEqual([]);
    expect(keysOf(p1.vertices, C1).get(p1.root)).toBe(keysOf(p2.vertices, C2).get(p2.root));
    const other = mustPlan("FROM alpine\nRUN --mount=type=secret,id=other cat /run/secrets/token\n");
    expect(keysOf(other.vertices).get(other.root)).not.toBe(keysOf(p1.vertices).get(p1.root));
  });

  it("changes with the op and rejects a wrong number of input keys", () => {
    const a = vertex("a", exec("make"), [scratch()]);
    expect(cacheKey(a, [K1], [])).not.toBe(cacheKey(vertex("a", exec("make all"), [scratch()]), [K1], []));
    expect(() => cacheKey(a, [], [])).toThrow(/1 inputs but 0 input keys/);
  });
});

describe("contextSelectors", () => {
  it("selects the path sources of a COPY from the context, with its excludes", () => {
    const op = copyOp({ sources: [{ kind: "path", path: "a/*.js" }, { kind: "url", url: "https://x/y" }, { kind: "inline", file: { name: "EOF", content: "x", mode: 0o644 } }], excludes: ["*.map"] });
    expect(contextSelectors({ op })).toEqual([{ kind: "copy", sources: ["a/*.js"], excludes: ["*.map"], parents: false }]);
    expect(contextSelectors({ op: copyOp({ from: "input" }) })).toEqual([]);
    expect(contextSelectors({ op: copyOp({ sources: [{ kind: "url", url: "https://x/y" }] }) })).toEqual([]);
  });

  it("selects each context bind mount of a RUN, and nothing for other mounts", () => {
    const op = exec("make", {
      mounts: [mount({ fromContext: true }), mount({ fromContext: true, source: "src" }), mount({ source: "out", input: 1 }), mount({ type: "cache", target: "/root/.cache" })],
    });
    expect(contextSelectors({ op })).toEqual([
      { kind: "mount", source: "." },
      { kind: "mount", source: "src" },
    ]);
    expect(contextSelectors({ op: { kind: "mkdir", path: "/w", mode: 0o755, user: "" } })).toEqual([]);
  });
});

describe("readsCache", () => {
  it("honors --no-cache and --no-cache-filter", () => {
    expect(readsCache({ stage: "build" }, {})).toBe(true);
    expect(readsCache({ stage: "build" }, { noCache: true })).toBe(false);
    expect(readsCache({ stage: "build" }, { noCacheFilter: ["build"] })).toBe(false);
    expect(readsCache({ stage: "final" }, { noCacheFilter: ["build"] })).toBe(true);
  });
});
