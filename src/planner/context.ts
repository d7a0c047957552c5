/**
 * PlanContext is the shared, append-only state of one plan() call: the vertex table, the
 * diagnostics, and what each lowered stage produced. Vertices are added after their inputs, so
 * the table's insertion order is a topological order.
 */
import { canonicalJson, sha256, type Digest } from "../core/digest.js";
import type { Diagnostic, SourceRange } from "../core/diagnostic.js";
import type { Instruction } from "../parser/ast.js";
import type { ContainerConfig, HistoryEntry, Op, Vertex } from "./plan.js";
import type { Platform } from "./platform.js";
import type { StageAst } from "./stages.js";
import type { StageState } from "./state.js";

/** ResolvedImage is a base image the caller resolved before planning (read -> plan -> apply). */
export interface ResolvedImage {
  /** Normalized reference, e.g. `docker.io/library/busybox:latest`. */
  readonly ref: string;
  /** Manifest digest. */
  readonly digest: Digest;
  readonly platform: Platform;
  readonly config: ContainerConfig;
  readonly history: readonly HistoryEntry[];
  readonly author: string | undefined;
  /** The image's ONBUILD triggers, parsed by the caller, in order. */
  readonly onbuild: readonly Instruction[];
}

/** PlanInputs is everything plan() reads besides the AST. */
export interface PlanInputs {
  /** Dockerfile path as the user named it, for diagnostics. */
  readonly file: string;
  /** Target stage name; the last stage when undefined. */
  readonly target?: string | undefined;
  readonly buildArgs: ReadonlyMap<string, string>;
  /** The platform tsbuild runs on. */
  readonly buildPlatform: Platform;
  /** The platform to build for; the build platform when undefined. */
  readonly targetPlatform?: Platform | undefined;
  /** Base images by the reference as written after expansion (see imageRefs()). */
  readonly images: ReadonlyMap<string, ResolvedImage>;
  /** Extra labels for the final image (`--label`). */
  readonly labels?: ReadonlyMap<string, string> | undefined;
}

/** PlanContext is the state one plan() call threads through the lowering: inputs, scope, the vertices made so far and the diagnostics. */
export interface PlanContext {
  readonly file: string;
  readonly escapeChar: "\\" | "`";
  readonly inputs: PlanInputs;
  readonly targetPlatform: Platform;
  readonly stages: readonly StageAst[];
  /** Global scope: automatic platform ARGs plus meta ARGs (visible to FROM and `ARG NAME`). */
  readonly globalArgs: ReadonlyMap<string, string>;
  readonly diagnostics: Diagnostic[];
  readonly vertices: Map<Digest, Vertex>;
  /** Final state of every lowered stage, by index. */
  readonly done: (StageState | undefined)[];
  /** Build-arg names some reachable ARG declared. */
  readonly usedArgs: Set<string>;
}

/** addVertex hashes {op, inputs}, records the vertex once, and returns its digest. */
export function addVertex(
  ctx: PlanContext,
  op: Op,
  inputs: readonly Digest[],
  meta: { name: string; stage: string; range: SourceRange | undefined },
): Digest {
  const digest = sha256(canonicalJson({ op, inputs }));
  if (!ctx.vertices.has(digest)) ctx.vertices.set(digest, { digest, op, inputs, ...meta });
  return digest;
}

/** report appends a diagnostic. */
export function report(ctx: PlanContext, severity: "error" | "warning", code: string, message: string, range: SourceRange): void {
  ctx.diagnostics.push({ code, severity, message, file: ctx.file, range, notes: [] });
}
