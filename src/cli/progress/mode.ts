/**
 * Progress mode selection for `tsbuild build --progress`: an explicit mode wins, then
 * TSBUILD_PROGRESS (like BUILDKIT_PROGRESS), then `auto`, which means an interactive display
 * only when stderr is a terminal, CI is not set and TERM is not `dumb`, else plain text.
 */
import { InputError } from "../../api/essentials.js";
import { JsonRenderer } from "./json.js";
import { PlainRenderer } from "./plain.js";
import { failureLines } from "./summary.js";
import { loadTty } from "./tty-load.js";
import type { BuildOutcome, ProgressRenderer } from "./format.js";

/** PROGRESS_MODES are the values `--progress` accepts. */
export const PROGRESS_MODES = ["auto", "tty", "plain", "json", "quiet"] as const;

/** ProgressMode is one value of `--progress`. */
export type ProgressMode = (typeof PROGRESS_MODES)[number];

/** Terminal is what mode selection looks at; the CLI passes process.stderr.isTTY and process.env. */
export interface Terminal {
  readonly isTTY: boolean;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** interactive reports whether `auto` may draw a live display: a terminal, not CI (CI=0/false count as unset), not TERM=dumb. */
export function interactive(t: Terminal): boolean {
  const ci = t.env.CI;
  const inCi = (ci !== undefined && ci !== "0" && ci.toLowerCase() !== "false") || t.env.CONTINUOUS_INTEGRATION !== undefined;
  return t.isTTY && !inCi && t.env.TERM !== "dumb";
}

/** resolveProgressMode turns the flag (undefined when not given) into a concrete mode; `auto` is tty on an interactive terminal, else plain. */
export function resolveProgressMode(flag: string | undefined, t: Terminal): Exclude<ProgressMode, "auto"> {
  const requested = flag ?? t.env.TSBUILD_PROGRESS ?? "auto";
  if (!(PROGRESS_MODES as readonly string[]).includes(requested)) {
    const source = flag === undefined ? `TSBUILD_PROGRESS=${requested}` : `--progress ${requested}`;
    throw new InputError(`invalid ${source}: expected one of ${PROGRESS_MODES.join(", ")}`);
  }
  if (requested === "auto") return interactive(t) ? "tty" : "plain";
  return requested as Exclude<ProgressMode, "auto">;
}

/** Outputs are the CLI's two streams, one call per line without the newline. */
export interface Outputs {
  readonly stdout: (line: string) => void;
  readonly stderr: (line: string) => void;
}

/** QuietRenderer prints nothing while building, the image ID on stdout on success and the failure on stderr. */
export class QuietRenderer implements ProgressRenderer {
  constructor(private readonly io: Outputs) {}
  /** onEvent ignores every event. */
  readonly onEvent = (): void => undefined;
  /** finish prints the image ID or the failure report. */
  finish(outcome: BuildOutcome): void {
    if (outcome.ok) this.io.stdout(outcome.result.configDigest);
    else for (const l of failureLines(outcome.error, outcome.dockerfileText)) this.io.stderr(l);
  }
}

/**
 * createRenderer makes the renderer of a concrete mode; progress goes to stderr, stdout stays for
 * results. ink and React are imported only for tty, so the other modes start fast.
 */
export async function createRenderer(mode: Exclude<ProgressMode, "auto">, io: Outputs): Promise<ProgressRenderer> {
  if (mode === "tty") {
    const { TtyRenderer } = await loadTty();
    return new TtyRenderer(process.stderr);
  }
  if (mode === "json") return new JsonRenderer(io.stderr);
  if (mode === "quiet") return new QuietRenderer(io);
  return new PlainRenderer(io.stderr);
}
