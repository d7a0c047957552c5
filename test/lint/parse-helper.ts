// Parses Dockerfile text for the lint tests.
import type { Diagnostic } from "../../src/core/diagnostic.js";
import type { Dockerfile } from "../../src/parser/ast.js";
import { parse } from "../../src/parser/index.js";

export function parseDockerfile(text: string, file = "Dockerfile"): { ast: Dockerfile; diagnostics: readonly Diagnostic[] } {
  const { ast, diagnostics } = parse(text, { file });
  return { ast, diagnostics };
}
