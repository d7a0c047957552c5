/**
 * The part of tsbuild's API that starting a container needs, importable on its own: a program
 * (tsbuild's CLI for `tsbuild run`) that imports this module loads no parser, planner or build
 * code. Everything here is also exported from the main entry (index.ts).
 */
export { InputError, TsbuildError } from "../core/errors.js";
export { run, run as runContainer } from "./run.js";
export type { RunOptions } from "./run.js";
export type { ContainerOptions } from "./container-create.js";
export { CONTROL_SIGNAL } from "../runtime/container/control.js";
export type { RunResult, SignalSource } from "../runtime/driver.js";
