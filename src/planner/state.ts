/**
 * StageState is the planner's running state for one stage while its instructions are lowered:
 * the current filesystem vertex, the environment (ENV + ARG values, in order), the image config
 * and history being built, and the bookkeeping BuildKit keeps per dispatch state.
 */
import type { Digest } from "../core/digest.js";
import type { Instruction } from "../parser/ast.js";
import type { ContainerConfig, HealthConfig, HistoryEntry } from "./plan.js";
import type { Platform } from "./platform.js";

/** DEFAULT_PATH is the PATH of an image with none (BuildKit's system.DefaultPathEnv on Linux). */
export const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** DEFAULT_SHELL is the shell of shell-form commands when no SHELL was set (Linux). */
export const DEFAULT_SHELL: readonly string[] = ["/bin/sh", "-c"];

/** HISTORY_COMMENT marks history entries written by the Dockerfile frontend, as BuildKit does. */
export const HISTORY_COMMENT = "buildkit.dockerfile.v0";

/** MutableConfig is ContainerConfig while a stage is being lowered. */
export interface MutableConfig {
  User?: string;
  ExposedPorts?: Record<string, Record<string, never>>;
  Env: string[];
  Entrypoint?: string[];
  Cmd?: string[];
  Volumes?: Record<string, Record<string, never>>;
  WorkingDir?: string;
  Labels?: Record<string, string>;
  StopSignal?: string;
  ArgsEscaped?: boolean;
  Healthcheck?: HealthConfig;
  OnBuild?: string[];
  Shell?: string[];
}

/** DeclaredArg is an ARG declared in the stage, with its value if it has one. */
/** DeclaredArg is one ARG a stage declared, with the value it took (undefined for none). */
export interface DeclaredArg {
  readonly key: string;
  readonly value: string | undefined;
}

/** StageState is one stage while it is lowered: its filesystem vertex, image config, history, environment and ARGs; ctx.done keeps the final one. */
export interface StageState {
  readonly index: number;
  /** Display name: the AS name, or `stage-N`. */
  readonly displayName: string;
  readonly platform: Platform;
  root: Digest;
  config: MutableConfig;
  author: string | undefined;
  history: HistoryEntry[];
  /** Environment for expansion and RUN: config Env plus ARG values, later entries win. */
  env: Map<string, string>;
  args: DeclaredArg[];
  /** ONBUILD triggers this stage defines (they run in stages built FROM it). */
  onbuild: Instruction[];
  workdirSet: boolean;
  cmdSet: boolean;
  /** Progress numbering as BuildKit's prefixCommand: n of total for RUN/COPY/ADD/WORKDIR. */
  cmdIndex: number;
  cmdTotal: number;
}

/** cloneConfig deep-copies a container config into a mutable one. */
export function cloneConfig(c: ContainerConfig | undefined): MutableConfig {
  const out: MutableConfig = { Env: [...(c?.Env ?? [])] };
  if (c?.User !== undefined) out.User = c.User;
  if (c?.ExposedPorts) out.ExposedPorts = { ...c.ExposedPorts };
  if (c?.Entrypoint) out.Entrypoint = [...c.Entrypoint];
  if (c?.Cmd) out.Cmd = [...c.Cmd];
  if (c?.Volumes) out.Volumes = { ...c.Volumes };
  if (c?.WorkingDir !== undefined) out.WorkingDir = c.WorkingDir;
  if (c?.Labels) out.Labels = { ...c.Labels };
  if (c?.StopSignal !== undefined) out.StopSignal = c.StopSignal;
  if (c?.ArgsEscaped !== undefined) out.ArgsEscaped = c.ArgsEscaped;
  if (c?.Healthcheck) out.Healthcheck = { ...c.Healthcheck, Test: [...c.Healthcheck.Test] };
  if (c?.OnBuild) out.OnBuild = [...c.OnBuild];
  if (c?.Shell) out.Shell = [...c.Shell];
  return out;
}

/** freezeConfig returns the config with empty optional fields dropped, ready for the plan. */
export function freezeConfig(c: MutableConfig): ContainerConfig {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(c)) {
    if (v !== undefined) out[k] = v;
  }
  return out as ContainerConfig;
}

/** envFromList turns `K=V` entries into a map (later entries win). */
export function envFromList(list: readonly string[]): Map<string, string> {
  const env = new Map<string, string>();
  for (const kv of list) {
    const eq = kv.indexOf("=");
    env.set(eq < 0 ? kv : kv.slice(0, eq), eq < 0 ? "" : kv.slice(eq + 1));
  }
  return env;
}

/** setConfigEnv replaces K's entry in a `K=V` list in place, or appends it (BuildKit's addEnv). */
export function setConfigEnv(list: string[], key: string, value: string): void {
  const i = list.findIndex((kv) => (kv.indexOf("=") < 0 ? kv : kv.slice(0, kv.indexOf("="))) === key);
  if (i >= 0) list[i] = `${key}=${value}`;
  else list.push(`${key}=${value}`);
}

/** envList renders the state environment as `K=V` entries in insertion order. */
export function envList(env: ReadonlyMap<string, string>): string[] {
  return [...env].map(([k, v]) => `${k}=${v}`);
}

/** withShell wraps a shell-form command in the stage's SHELL (or the default shell). */
export function withShell(state: StageState, args: readonly string[]): string[] {
  const shell = state.config.Shell && state.config.Shell.length > 0 ? state.config.Shell : DEFAULT_SHELL;
  return [...shell, args.join(" ")];
}

/** commitHistory appends a history entry as BuildKit's commitToHistory does. */
export function commitHistory(state: StageState, createdBy: string, withLayer: boolean, markOp: boolean): void {
  const entry: HistoryEntry = { created_by: markOp ? `${createdBy} # buildkit` : createdBy, comment: HISTORY_COMMENT };
  state.history.push(withLayer ? entry : { ...entry, empty_layer: true });
}
