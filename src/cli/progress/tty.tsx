/**
 * The tty progress renderer: a live view in BuildKit's manner drawn with ink. Finished steps move
 * into `<Static>` (printed once, kept in scrollback); the live region shows the header
 * `[+] Building 3.2s (4/7)`, each running step with its elapsed time, its last output lines and
 * byte progress bars. At the end the header says FINISHED (or ERROR) and the summary or failure
 * report follows. Every line is cut to the terminal width, so a narrow or resized terminal never
 * wraps and garbles the redraw; redraws are batched at most every REDRAW_MS.
 */
import { Box, render, Static, Text, type Instance } from "ink";
import type { BuildEvent } from "../../api/essentials.js";
import { seconds, type BuildOutcome, type ProgressRenderer } from "./format.js";
import { failureLines, summaryLines, warningLines } from "./summary.js";
import { applyEvent, counts, createTtyState, type StepView, type TtyState } from "./tty-state.js";

/** REDRAW_MS bounds the redraw rate (BuildKit redraws at most every 70-100 ms). */
export const REDRAW_MS = 100;

/** BAR_WIDTH is the width of a byte progress bar in cells. */
const BAR_WIDTH = 20;

/** ViewProps is a frame: the state, the clock reading to show elapsed times against, the terminal width and the outcome once known. */
export interface ViewProps {
  readonly state: TtyState;
  readonly now: number;
  readonly start: number;
  readonly width: number;
  readonly outcome?: BuildOutcome | undefined;
}

function elapsed(step: StepView, now: number): string {
  if (step.started === undefined) return "";
  return `${seconds((step.completed ?? now) - step.started)}s`;
}

const PREFIX: Partial<Record<StepView["status"], string>> = { cached: "CACHED ", error: "ERROR ", canceled: "CANCELED " };
const COLOR: Partial<Record<StepView["status"], string>> = { done: "blue", cached: "blue", error: "red", canceled: "yellow" };

/** StepLine is ` => [2/3] RUN ...` with the elapsed time at the right; the name is cut, never wrapped. */
function StepLine({ step, now, width }: { step: StepView; now: number; width: number }) {
  const time = elapsed(step, now);
  return (
    <Box width={width}>
      <Box flexGrow={1} flexShrink={1} overflow="hidden">
        <Text color={COLOR[step.status]} wrap="truncate-end">{` => ${PREFIX[step.status] ?? ""}${step.name}`}</Text>
      </Box>
      <Text color={COLOR[step.status]}>{time ? ` ${time}` : ""}</Text>
    </Box>
  );
}

function bar(current: number, total: number | undefined): string {
  if (total === undefined || total <= 0) return "";
  const filled = Math.min(BAR_WIDTH, Math.round((current / total) * BAR_WIDTH));
  return `[${"=".repeat(filled)}${" ".repeat(BAR_WIDTH - filled)}] `;
}

/** Running is a running step with its transfers and the last lines of its output (faint). */
function Running({ step, now, width }: { step: StepView; now: number; width: number }) {
  const lines = step.partial ? [...step.tail, step.partial] : step.tail;
  return (
    <Box flexDirection="column" width={width}>
      <StepLine step={step} now={now} width={width} />
      {[...step.transfers].map(([id, t]) => (
        <Text key={id} wrap="truncate-end">{` => => ${bar(t.current, t.total)}${t.label} ${mb(t.current)}${t.total === undefined ? "" : ` / ${mb(t.total)}`}${t.done ? " done" : ""}`}</Text>
      ))}
      {lines.map((l, i) => (
        <Text key={i} dimColor wrap="truncate-end">{` => => # ${l}`}</Text>
      ))}
    </Box>
  );
}

function mb(n: number): string {
  return `${(n / 1e6).toFixed(2)}MB`;
}

/** Header is `[+] Building 3.2s (4/7)`, then ` FINISHED` or ` ERROR` once the build ended. */
function Header({ state, now, start, outcome, width }: ViewProps) {
  const { done, total } = counts(state);
  const end = outcome === undefined ? "" : outcome.ok ? " FINISHED" : " ERROR";
  return <Text bold wrap="truncate-end">{`[+] Building ${seconds(now - start)}s (${done}/${total})${end}`.slice(0, Math.max(1, width))}</Text>;
}

/** ProgressView renders one frame; it is a pure function of its props. */
export function ProgressView(props: ViewProps) {
  const { state, now, width, outcome } = props;
  const running = [...state.steps.values()].filter((s) => s.status === "running");
  const tail = outcome === undefined ? [] : [...warningLines(state.warnings), ...(outcome.ok ? summaryLines(outcome.result) : failureLines(outcome.error, outcome.dockerfileText))];
  return (
    <>
      {/* A new array each frame: Static memoizes on the array's identity and renders only the items added since the last frame. */}
      <Static items={[...state.finished]}>{(step) => <StepLine key={step.id} step={step} now={now} width={width} />}</Static>
      <Box flexDirection="column" width={width}>
        <Header {...props} />
        {running.map((s) => (
          <Running key={s.id} step={s} now={now} width={width} />
        ))}
        {tail.flatMap((l) => l.split("\n")).map((l, i) => (
          // The summary wraps instead of cutting: its digests must stay whole.
          <Text key={i} color={outcome?.ok ? undefined : "red"} wrap="wrap">{l || " "}</Text>
        ))}
      </Box>
    </>
  );
}

/** TtyStream is the terminal the view draws on (process.stderr, as buildx does). */
export type TtyStream = NodeJS.WriteStream;

/** TtyRenderer drives ProgressView on `stream`: events update the state, a timer redraws at most every REDRAW_MS. */
export class TtyRenderer implements ProgressRenderer {
  private readonly state = createTtyState();
  private readonly start = Date.now();
  private readonly ink: Instance;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly stream: TtyStream) {
    // Ctrl-C is the CLI's: it aborts the build so sandboxes are cleaned up, then the view ends.
    this.ink = render(this.frame(), { stdout: stream, exitOnCtrlC: false, patchConsole: false, maxFps: 1000 / REDRAW_MS });
    this.timer = setInterval(() => this.ink.rerender(this.frame()), REDRAW_MS);
  }

  /** onEvent folds an event into the state; the next tick draws it. */
  readonly onEvent = (e: BuildEvent): void => applyEvent(this.state, e);

  /** finish draws the last frame with the summary or the failure and releases the terminal. */
  async finish(outcome: BuildOutcome): Promise<void> {
    clearInterval(this.timer);
    this.ink.rerender(this.frame(outcome));
    this.ink.unmount();
    await this.ink.waitUntilExit();
  }

  private frame(outcome?: BuildOutcome) {
    return <ProgressView state={this.state} now={Date.now()} start={this.start} width={this.stream.columns || 80} outcome={outcome} />;
  }
}
