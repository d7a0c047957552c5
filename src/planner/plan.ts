/**
 * The Plan: a content-addressed DAG of vertices (BuildKit's LLB, in our own terms) plus the image
 * config and history of the target stage. Produced by plan() (pure), consumed by the executor.
 *
 * Identity rule (STYLE #12): a vertex digest covers its op and its inputs' digests, nothing else.
 * Names, progress labels and source locations live beside the digest, never inside it.
 */
import type { Digest } from "../core/digest.js";
import type { SourceRange } from "../core/diagnostic.js";
import type { GitRef } from "../core/git-ref.js";
import type { MountType } from "../parser/ast.js";
import type { Platform } from "./platform.js";

/** ImageOp is a base image, already resolved to a manifest digest (read -> plan -> apply). */
export interface ImageOp {
  readonly kind: "image";
  readonly ref: string;
  readonly digest: Digest;
}

/** ScratchOp is the empty filesystem. */
export interface ScratchOp {
  readonly kind: "scratch";
}

/** ExecMount is one RUN --mount after expansion; `input` indexes the vertex inputs for bind/cache `from`. */
export interface ExecMount {
  readonly type: MountType;
  readonly target: string;
  readonly source: string | undefined;
  readonly input: number | undefined;
  /** True when the mount reads the build context (bind without `from`). */
  readonly fromContext: boolean;
  readonly readOnly: boolean;
  readonly cacheId: string | undefined;
  readonly sharing: "shared" | "private" | "locked" | undefined;
  readonly secretId: string | undefined;
  readonly secretEnv: string | undefined;
  readonly required: boolean;
  readonly mode: number | undefined;
  readonly uid: number | undefined;
  readonly gid: number | undefined;
  readonly size: string | undefined;
}

/** ExecOp runs argv in the sandbox on top of inputs[0] (the root filesystem). */
export interface ExecOp {
  readonly kind: "exec";
  readonly argv: readonly string[];
  /** `K=V` entries: the stage's ENV plus its ARG values, in BuildKit's order. */
  readonly env: readonly string[];
  readonly cwd: string;
  /** USER as written (`name`, `uid:gid` ...); resolved against the rootfs by the executor. */
  readonly user: string;
  readonly network: "default" | "none" | "host";
  readonly security: "sandbox" | "insecure";
  readonly mounts: readonly ExecMount[];
  /** Inline heredoc script files mounted read-only at /dev/pipes/<name> (shebang heredocs). */
  readonly files: readonly InlineFile[];
}

/** InlineFile is file content defined in the Dockerfile itself (heredocs). */
export interface InlineFile {
  readonly name: string;
  readonly content: string;
  readonly mode: number;
}

/** CopySource is one source of a COPY/ADD: a path or URL pattern, or an inline heredoc file. */
export type CopySource =
  | { readonly kind: "path"; readonly path: string }
  | { readonly kind: "url"; readonly url: string }
  /** An ADD git source (core's GitRef): the remote (credentials included, never keyed or shown), ref, subdirectory and URL query options. */
  | ({ readonly kind: "git" } & GitRef)
  | { readonly kind: "inline"; readonly file: InlineFile };

/** CopyOp copies sources from the context or inputs[1] into inputs[0] at dest. */
export interface CopyOp {
  readonly kind: "copy";
  readonly add: boolean;
  /** "context" reads the build context; "input" reads inputs[1] (a stage or image). */
  readonly from: "context" | "input";
  readonly sources: readonly CopySource[];
  /** Absolute destination (resolved against WORKDIR); a trailing `/` means "into this directory". */
  readonly dest: string;
  readonly chown: string | undefined;
  readonly chmod: string | undefined;
  readonly link: boolean;
  readonly parents: boolean;
  readonly excludes: readonly string[];
  readonly checksum: string | undefined;
  readonly unpack: boolean | undefined;
  readonly keepGitDir: boolean;
}

/** MkdirOp creates path (with parents) owned by `user` in inputs[0] (WORKDIR). */
export interface MkdirOp {
  readonly kind: "mkdir";
  readonly path: string;
  readonly mode: number;
  readonly user: string;
}

/** Op is what a vertex does; every field counts in its digest. */
export type Op = ImageOp | ScratchOp | ExecOp | CopyOp | MkdirOp;

/** Vertex is one node of the DAG. */
export interface Vertex {
  /** sha256 of the canonical JSON of {op, inputs}. */
  readonly digest: Digest;
  readonly op: Op;
  /** Input vertex digests; their meaning is given by the op. */
  readonly inputs: readonly Digest[];
  /** Progress label in BuildKit's form, e.g. `[build 2/4] RUN make`. Not hashed. */
  readonly name: string;
  /** Stage name (or `stage-N`) the vertex belongs to. Not hashed. */
  readonly stage: string;
  /** Where in the Dockerfile the vertex comes from. Not hashed. */
  readonly range: SourceRange | undefined;
}

/** HealthConfig is the image config's Healthcheck (durations in nanoseconds). */
export interface HealthConfig {
  readonly Test: readonly string[];
  readonly Interval?: number;
  readonly Timeout?: number;
  readonly StartPeriod?: number;
  readonly StartInterval?: number;
  readonly Retries?: number;
}

/** ContainerConfig is the `config` object of an OCI image config, with Docker's extensions. */
export interface ContainerConfig {
  readonly User?: string;
  readonly ExposedPorts?: Readonly<Record<string, Record<string, never>>>;
  readonly Env?: readonly string[];
  readonly Entrypoint?: readonly string[];
  readonly Cmd?: readonly string[];
  readonly Volumes?: Readonly<Record<string, Record<string, never>>>;
  readonly WorkingDir?: string;
  readonly Labels?: Readonly<Record<string, string>>;
  readonly StopSignal?: string;
  readonly ArgsEscaped?: boolean;
  readonly Healthcheck?: HealthConfig;
  readonly OnBuild?: readonly string[];
  readonly Shell?: readonly string[];
}

/** HistoryEntry is one image history record. `created` is set by the executor (or SOURCE_DATE_EPOCH). */
export interface HistoryEntry {
  readonly created_by?: string;
  readonly comment?: string;
  readonly empty_layer?: boolean;
  readonly created?: string;
  readonly author?: string;
}

/** ImagePlan is the image config the target stage produces, minus rootfs (known after execution). */
export interface ImagePlan {
  readonly platform: Platform;
  readonly author: string | undefined;
  readonly config: ContainerConfig;
  /** Base history first, then one entry per instruction; layer entries match layer vertices in order. */
  readonly history: readonly HistoryEntry[];
}

/** Plan is the planner's output. */
export interface Plan {
  /** Every vertex, each after all of its inputs (topological order), deduplicated by digest. */
  readonly vertices: readonly Vertex[];
  /** The vertex whose filesystem is the target image. */
  readonly root: Digest;
  /** The target stage's index and name. */
  readonly target: { readonly index: number; readonly name: string | undefined };
  readonly image: ImagePlan;
  /** Build args given but never declared by a used stage (BuildKit warns about these). */
  readonly unusedBuildArgs: readonly string[];
}
