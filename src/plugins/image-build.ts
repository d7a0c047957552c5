/**
 * The part the bundler plugins share: the options they take (tsbuild's build options plus
 * `onResult` and `onError`), one image build after a bundle, and the error that fails the
 * bundler's build when the image build fails. Imports only the public API, like a user would.
 */
import { build, DockerfileSyntaxError, formatDiagnostic, RunStepError, TsbuildError, type BuildOptions, type BuildResult } from "../api/index.js";

/**
 * PluginOptions are what `tsbuild/vite` and `tsbuild/esbuild` take: the options of `build()`
 * (`context` is required: the directory whose Dockerfile copies the bundle) plus two callbacks.
 * Unknown options are type errors.
 */
export interface PluginOptions extends BuildOptions {
  /** onResult receives the image's BuildResult after each successful image build; what it throws fails the bundler build. */
  readonly onResult?: (result: BuildResult) => void | Promise<void>;
  /**
   * onError receives the image build's typed error (DockerfileSyntaxError, RunStepError,
   * RegistryError, BuildCanceledError, InputError) instead of failing the bundler build; throw
   * from it to fail the bundler build anyway. Without it a failed image build fails the bundler
   * build with an ImageBuildError.
   */
  readonly onError?: (error: unknown) => void | Promise<void>;
}

/** FailureText is a failed image build told for a bundler's log: one summary line and detail lines. */
export interface FailureText {
  readonly text: string;
  readonly notes: readonly string[];
}

/** describeFailure turns an image build's error into a summary and detail lines: every Dockerfile diagnostic, or a failed step's last output lines. */
export function describeFailure(error: unknown): FailureText {
  const message = error instanceof Error ? error.message : String(error);
  const text = `tsbuild: the image build failed: ${message}`;
  if (error instanceof DockerfileSyntaxError) return { text, notes: error.diagnostics.map((d) => formatDiagnostic(d)) };
  if (error instanceof RunStepError && error.lastLines.length > 0) return { text, notes: [`last output of ${error.step}:`, ...error.lastLines.map((l) => `  ${l}`)] };
  return { text, notes: [] };
}

/**
 * ImageBuildError fails a bundler build whose image build failed. `summary` is one line, `notes`
 * are detail lines (every Dockerfile diagnostic, or the failed step's last output), the message
 * is both joined; `cause` is the typed error of `build()`.
 */
export class ImageBuildError extends TsbuildError {
  /** summary is the one-line account of the failure. */
  readonly summary: string;
  /** notes are the detail lines under the summary. */
  readonly notes: readonly string[];
  constructor(cause: unknown) {
    const { text, notes } = describeFailure(cause);
    super("ImageBuild", [text, ...notes].join("\n"), { cause });
    this.summary = text;
    this.notes = notes;
  }
}

/**
 * buildImage runs one image build with `options` and hands the result to `onResult`. A failed
 * build goes to `onError` when given (then buildImage resolves with undefined), else buildImage
 * rejects with an ImageBuildError whose cause is the build's typed error. What the callbacks
 * throw propagates unchanged.
 */
export async function buildImage(options: PluginOptions): Promise<BuildResult | undefined> {
  const { onResult, onError, ...buildOptions } = options;
  let result: BuildResult;
  try {
    result = await build(buildOptions);
  } catch (err) {
    if (!onError) throw new ImageBuildError(err);
    await onError(err);
    return undefined;
  }
  await onResult?.(result);
  return result;
}
