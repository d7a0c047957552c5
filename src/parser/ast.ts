/**
 * The Dockerfile AST: readonly discriminated unions, one node kind per instruction.
 *
 * Two layers live side by side on every instruction, like BuildKit's parser.Node and
 * instructions.Command: `flags` and `args` are the raw layer-1 shape (what the BuildKit dump
 * prints), and the per-kind fields are the validated, typed meaning. Values are kept raw
 * (quotes and escapes intact); variable expansion happens in the planner with src/parser/shell.
 */
import type { SourceRange } from "../core/diagnostic.js";

/** Word is one piece of source text with its exact range. `value` is raw (as written, after line joining). */
export interface Word {
  readonly value: string;
  readonly range: SourceRange;
}

/** Flag is one `--name[=value]` word from the front of an instruction. `value` is undefined for a bare `--name`. */
export interface Flag {
  /** Flag name without the leading dashes, as written. */
  readonly name: string;
  /** The value with quotes and escapes removed (BuildKit's flag scanner), or undefined. */
  readonly value: string | undefined;
  /** The whole flag as the dump prints it, e.g. `--from=build`. */
  readonly text: string;
  readonly range: SourceRange;
  readonly nameRange: SourceRange;
  readonly valueRange: SourceRange | undefined;
}

/** Comment is one `#` line (directives excluded); `text` has the `#` and one following space removed. */
export interface Comment {
  readonly text: string;
  readonly range: SourceRange;
}

/** Directive is a parser directive at the top of the file (`# syntax=`, `# escape=`, `# check=`). */
export interface Directive {
  readonly name: "syntax" | "escape" | "check";
  readonly value: string;
  readonly range: SourceRange;
}

/** Heredoc is one `<<NAME` body attached to a RUN, COPY or ADD. */
export interface Heredoc {
  /** Delimiter with quotes removed. */
  readonly name: string;
  /** False when the delimiter had any quoting: the body is then used verbatim. */
  readonly expand: boolean;
  /** `<<-`: leading tabs are stripped from every line when the content is used. */
  readonly chomp: boolean;
  /** File descriptor digits before `<<` (e.g. 3 in `3<<EOF`), or undefined. */
  readonly fd: number | undefined;
  /** Body lines, each with its own line ending, terminator excluded. */
  readonly content: string;
  /** Range of the `<<NAME` word in the instruction line. */
  readonly wordRange: SourceRange;
  /** Range of the body plus terminator line. */
  readonly bodyRange: SourceRange;
}

/** Command is the exec (JSON array) or shell form of RUN, CMD, ENTRYPOINT and HEALTHCHECK CMD. */
export type Command =
  | { readonly form: "exec"; readonly argv: readonly Word[] }
  | { readonly form: "shell"; readonly script: Word };

/** KeyValue is one ENV or LABEL pair; `legacy` marks the `ENV key value` form. Key and value are raw. */
export interface KeyValue {
  readonly key: Word;
  readonly value: Word;
  readonly legacy: boolean;
  readonly range: SourceRange;
}

/** ArgDecl is one `NAME[=default]` of an ARG; the default is raw (expanded by the planner). */
export interface ArgDecl {
  readonly name: Word;
  readonly defaultValue: Word | undefined;
  readonly range: SourceRange;
}

/** MountType is a RUN --mount type. */
export type MountType = "bind" | "cache" | "tmpfs" | "secret" | "ssh";

/** MountOption is one `key[=value]` field of a `--mount` value: key lower-cased, value raw (undefined when bare). */
export interface MountOption {
  readonly key: string;
  readonly value: string | undefined;
  readonly range: SourceRange;
}

/**
 * Mount is one parsed `RUN --mount=...`; option values are raw (the planner expands all but `from`).
 * A field whose value holds `$` cannot be checked before expansion: its typed field is left
 * undefined (a `type` holding `$` leaves `type` at `bind`) and the planner re-checks `options`.
 */
export interface Mount {
  readonly type: MountType;
  readonly target: string | undefined;
  readonly source: string | undefined;
  readonly from: string | undefined;
  readonly readOnly: boolean;
  readonly id: string | undefined;
  readonly sharing: "shared" | "private" | "locked" | undefined;
  readonly mode: number | undefined;
  readonly uid: number | undefined;
  readonly gid: number | undefined;
  readonly size: string | undefined;
  readonly env: string | undefined;
  readonly required: boolean | undefined;
  /** Every field as written, in order. */
  readonly options: readonly MountOption[];
  readonly range: SourceRange;
}

interface Base {
  /** The keyword as written (`run`, `Run`, `RUN`). */
  readonly keyword: string;
  readonly keywordRange: SourceRange;
  /** Whole instruction, first physical line to last (heredoc bodies included). */
  readonly range: SourceRange;
  /** Raw layer-1 flags, in order. */
  readonly flags: readonly Flag[];
  /** Raw layer-1 arguments: exactly what the BuildKit dump prints for this instruction. */
  readonly args: readonly Word[];
  /** Comment lines directly above this instruction (since the previous one). */
  readonly comments: readonly Comment[];
  /** The joined logical line after the keyword, before flag splitting. */
  readonly text: string;
}

export interface FromInstruction extends Base {
  readonly kind: "FROM";
  readonly image: Word;
  readonly stageName: Word | undefined;
  readonly asKeyword: Word | undefined;
  readonly platform: Flag | undefined;
}

export interface RunInstruction extends Base {
  readonly kind: "RUN";
  readonly command: Command;
  readonly heredocs: readonly Heredoc[];
  readonly mounts: readonly Mount[];
  readonly network: "default" | "none" | "host" | undefined;
  readonly security: "sandbox" | "insecure" | undefined;
  readonly devices: readonly string[];
}

export interface CmdInstruction extends Base {
  readonly kind: "CMD";
  readonly command: Command;
}

export interface EntrypointInstruction extends Base {
  readonly kind: "ENTRYPOINT";
  readonly command: Command;
}

export interface ShellInstruction extends Base {
  readonly kind: "SHELL";
  readonly shell: readonly Word[];
}

export interface EnvInstruction extends Base {
  readonly kind: "ENV";
  readonly pairs: readonly KeyValue[];
}

export interface LabelInstruction extends Base {
  readonly kind: "LABEL";
  readonly pairs: readonly KeyValue[];
}

export interface ArgInstruction extends Base {
  readonly kind: "ARG";
  readonly decls: readonly ArgDecl[];
}

/** CopyLikeFields are what COPY and ADD share. Sources include heredoc words (matched in `heredocs` by name). */
export interface CopyLikeFields {
  readonly sources: readonly Word[];
  readonly dest: Word;
  /** True for the JSON array form. */
  readonly json: boolean;
  readonly heredocs: readonly Heredoc[];
  readonly chown: Flag | undefined;
  readonly chmod: Flag | undefined;
  readonly link: boolean;
  readonly excludes: readonly Flag[];
}

/** CopyLike is a COPY or ADD node's shared part. */
interface CopyLike extends Base, CopyLikeFields {}

export interface CopyInstruction extends CopyLike {
  readonly kind: "COPY";
  readonly from: Flag | undefined;
  readonly parents: boolean;
}

export interface AddInstruction extends CopyLike {
  readonly kind: "ADD";
  readonly checksum: Flag | undefined;
  readonly keepGitDir: boolean;
  readonly unpack: boolean | undefined;
}

export interface ExposeInstruction extends Base {
  readonly kind: "EXPOSE";
  readonly ports: readonly Word[];
}

export interface VolumeInstruction extends Base {
  readonly kind: "VOLUME";
  readonly paths: readonly Word[];
}

export interface UserInstruction extends Base {
  readonly kind: "USER";
  readonly user: Word;
}

export interface WorkdirInstruction extends Base {
  readonly kind: "WORKDIR";
  readonly path: Word;
}

export interface StopsignalInstruction extends Base {
  readonly kind: "STOPSIGNAL";
  readonly signal: Word;
}

export interface MaintainerInstruction extends Base {
  readonly kind: "MAINTAINER";
  readonly name: Word;
}

/** Healthcheck durations are in nanoseconds, as the image config stores them; undefined means "not set". */
export type HealthcheckInstruction = Base & {
  readonly kind: "HEALTHCHECK";
} & (
    | { readonly type: "NONE" }
    | {
        readonly type: "CMD";
        readonly command: Command;
        readonly interval: number | undefined;
        readonly timeout: number | undefined;
        readonly startPeriod: number | undefined;
        readonly startInterval: number | undefined;
        readonly retries: number | undefined;
      }
  );

export interface OnbuildInstruction extends Base {
  readonly kind: "ONBUILD";
  readonly trigger: Instruction;
  /** The trigger as stored in the image config: original line minus ONBUILD, plus heredoc bodies. */
  readonly triggerText: string;
}

/** UnknownInstruction keeps an unrecognized keyword so tools can still see it; the parser reports an error for it. */
export interface UnknownInstruction extends Base {
  readonly kind: "UNKNOWN";
}

export type Instruction =
  | FromInstruction
  | RunInstruction
  | CmdInstruction
  | EntrypointInstruction
  | ShellInstruction
  | EnvInstruction
  | LabelInstruction
  | ArgInstruction
  | CopyInstruction
  | AddInstruction
  | ExposeInstruction
  | VolumeInstruction
  | UserInstruction
  | WorkdirInstruction
  | StopsignalInstruction
  | MaintainerInstruction
  | HealthcheckInstruction
  | OnbuildInstruction
  | UnknownInstruction;

export type InstructionKind = Instruction["kind"];

/** Dockerfile is the root: directives, instructions in source order, and the escape character in force. */
export interface Dockerfile {
  readonly file: string;
  readonly directives: readonly Directive[];
  readonly escapeChar: "\\" | "`";
  readonly instructions: readonly Instruction[];
  /** Comments not attached to any instruction (e.g. trailing ones). */
  readonly comments: readonly Comment[];
  readonly range: SourceRange;
}
