/**
 * The end of a build in text: the success summary (image ID, manifest, layers, tags, steps run
 * and cached, total time), the warnings found, and failure reports with the Dockerfile code
 * frame and the failed step's last output lines. Shared by the plain and quiet modes; plain
 * text only, no escape sequences.
 */
import { BuildCanceledError, codeFrame, DockerfileSyntaxError, formatDiagnostic, locationOf, RunStepError, type BuildResult, type Diagnostic } from "../../api/essentials.js";
import { bytes, plural, seconds } from "./format.js";

/** summaryLines describes a successful build; no line ends in `CACHED` (scripts count those to find cached steps). */
export function summaryLines(r: BuildResult): string[] {
  const out = [
    `#* built ${r.configDigest} in ${seconds(r.durationMs)}s: ${plural(r.executed, "step")} run, ${r.cached} cached`,
    `#* manifest ${r.manifestDigest}, ${plural(r.layers.length, "layer")}, ${bytes(r.size)}`,
  ];
  if (r.tags.length > 0) out.push(`#* tagged ${r.tags.join(", ")}`);
  return out;
}

/** warningLines lists the warnings of a build, BuildKit's "N warnings found" block; empty when there are none. */
export function warningLines(warnings: readonly Diagnostic[]): string[] {
  if (warnings.length === 0) return [];
  return [`${plural(warnings.length, "warning")} found:`, ...warnings.map((d) => ` - ${d.code}: ${d.message} (${locationOf(d)})`)];
}

/** failureLines reports why a build failed: diagnostics with code frames, or the failed step with its output and Dockerfile line. */
export function failureLines(err: unknown, dockerfileText: string | undefined): string[] {
  if (err instanceof DockerfileSyntaxError) return err.diagnostics.map((d) => formatDiagnostic(d, dockerfileText));
  if (err instanceof RunStepError) return stepFailure(err, dockerfileText);
  if (err instanceof BuildCanceledError) return [`ERROR: ${err.message}`];
  return [`ERROR: ${err instanceof Error ? err.message : String(err)}`];
}

function stepFailure(err: RunStepError, dockerfileText: string | undefined): string[] {
  const out = ["------", ` > ${err.step}:`, ...err.lastLines.map((l) => `  ${l}`), "------"];
  if (err.range && dockerfileText !== undefined) {
    out.push(`${err.file ?? "Dockerfile"}:${err.range.start.line}`, codeFrame(dockerfileText, err.range), "------");
  }
  const cause = err.cause instanceof Error ? err.cause.message : err.message;
  out.push(`ERROR: failed to solve: ${cause}`);
  return out;
}
