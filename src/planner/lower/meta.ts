/** Instructions that only edit the image config: USER, VOLUME, STOPSIGNAL, MAINTAINER, HEALTHCHECK, ONBUILD. */
import { goDuration, goSlice } from "../../core/gofmt.js";
import type {
  HealthcheckInstruction,
  MaintainerInstruction,
  OnbuildInstruction,
  StopsignalInstruction,
  UserInstruction,
  VolumeInstruction,
} from "../../parser/ast.js";
import { report, type PlanContext } from "../context.js";
import type { Expander } from "../expand.js";
import type { HealthConfig } from "../plan.js";
import { commitHistory, type StageState } from "../state.js";
import { commandArgs } from "./command.js";

/** lowerUser sets USER (resolved against the rootfs later, by the executor and the runner). */
export function lowerUser(ins: UserInstruction, state: StageState, x: Expander): void {
  const user = x.word(ins.user.value, ins.user.range);
  if (user === undefined) return;
  state.config.User = user;
  commitHistory(state, `USER ${user}`, false, false);
}

/** lowerVolume adds each path to Volumes; an empty path is an error. */
export function lowerVolume(ins: VolumeInstruction, state: StageState, x: Expander, ctx: PlanContext): void {
  const paths: string[] = [];
  for (const w of ins.paths) {
    const p = x.word(w.value, w.range);
    if (p === undefined) return;
    if (p === "") {
      report(ctx, "error", "InvalidVolume", "VOLUME specified can not be an empty string", w.range);
      return;
    }
    paths.push(p);
  }
  const volumes = (state.config.Volumes ??= {});
  for (const p of paths) volumes[p] = {};
  commitHistory(state, `VOLUME ${goSlice(paths)}`, false, false);
}

/** SIGNALS are the Linux signal names STOPSIGNAL accepts (with or without the SIG prefix). */
const SIGNALS = new Set(
  "ABRT ALRM BUS CHLD CLD CONT FPE HUP ILL INT IO IOT KILL PIPE POLL PROF PWR QUIT SEGV STKFLT STOP SYS TERM TRAP TSTP TTIN TTOU URG USR1 USR2 VTALRM WINCH XCPU XFSZ".split(" "),
);

/** isSignal accepts a signal number, a name, SIGRTMIN+n / SIGRTMAX-n, as Docker's signal.ParseSignal does. */
export function isSignal(s: string): boolean {
  if (/^[0-9]+$/.test(s)) return Number(s) > 0 && Number(s) <= 64;
  const name = s.toUpperCase().replace(/^SIG/, "");
  if (SIGNALS.has(name)) return true;
  const rt = /^RTM(IN|AX)([+-]([0-9]+))?$/.exec(name);
  return rt !== null && (rt[3] === undefined || Number(rt[3]) <= 15);
}

/** lowerStopsignal validates and sets StopSignal. */
export function lowerStopsignal(ins: StopsignalInstruction, state: StageState, x: Expander, ctx: PlanContext): void {
  const sig = x.word(ins.signal.value, ins.signal.range);
  if (sig === undefined) return;
  if (!isSignal(sig)) {
    report(ctx, "error", "InvalidSignal", `invalid signal: ${sig} (use a name such as SIGTERM or a number)`, ins.signal.range);
    return;
  }
  state.config.StopSignal = sig;
  commitHistory(state, `STOPSIGNAL ${sig}`, false, false);
}

/** lowerMaintainer sets the image author. */
export function lowerMaintainer(ins: MaintainerInstruction, state: StageState): void {
  state.author = ins.name.value;
  commitHistory(state, `MAINTAINER ${ins.name.value}`, false, false);
}

/** healthString formats the config as Go's `%+v` of BuildKit's HealthcheckConfig. */
function healthString(h: HealthConfig): string {
  const d = (n: number | undefined) => goDuration(n ?? 0);
  return `{Test:${goSlice(h.Test)} Interval:${d(h.Interval)} Timeout:${d(h.Timeout)} StartPeriod:${d(h.StartPeriod)} StartInterval:${d(h.StartInterval)} Retries:${h.Retries ?? 0}}`;
}

/** lowerHealthcheck sets Healthcheck: NONE, CMD (exec) or CMD-SHELL (shell form). */
export function lowerHealthcheck(ins: HealthcheckInstruction, state: StageState): void {
  let h: HealthConfig;
  if (ins.type === "NONE") {
    h = { Test: ["NONE"] };
  } else {
    const test = ins.command.form === "exec" ? ["CMD", ...commandArgs(ins.command, state)] : ["CMD-SHELL", ins.command.script.value];
    h = {
      Test: test,
      ...(ins.interval !== undefined && { Interval: ins.interval }),
      ...(ins.timeout !== undefined && { Timeout: ins.timeout }),
      ...(ins.startPeriod !== undefined && { StartPeriod: ins.startPeriod }),
      ...(ins.startInterval !== undefined && { StartInterval: ins.startInterval }),
      ...(ins.retries !== undefined && { Retries: ins.retries }),
    };
  }
  state.config.Healthcheck = h;
  commitHistory(state, `HEALTHCHECK ${healthString(h)}`, false, false);
}

/** lowerOnbuild records a trigger; BuildKit writes no history entry for ONBUILD. */
export function lowerOnbuild(ins: OnbuildInstruction, state: StageState): void {
  (state.config.OnBuild ??= []).push(ins.triggerText);
  state.onbuild.push(ins.trigger);
}
