/**
 * requirePrerequisites applies the project's rule for tests that need root, a runtime, a registry
 * or other installed tools: under CI=true a missing prerequisite fails the test file; elsewhere
 * the tests are skipped (by the caller's `describe.skipIf`) and the reason is printed here.
 */
export function requirePrerequisites(what: string, missing: string | undefined): void {
  if (missing === undefined) return;
  if (process.env.CI === "true") throw new Error(`${what} cannot run under CI: ${missing}`);
  console.warn(`skipping ${what}: ${missing}`);
}
