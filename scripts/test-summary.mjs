// Prints vitest's totals as one plain line ("N passed, N failed, N skipped") so that CI logs
// state how many tests ran. Reads the JSON report written by `vitest run --reporter=json`.
import { readFileSync } from "node:fs";

const file = process.argv[2] ?? ".vitest-report.json";
const report = JSON.parse(readFileSync(file, "utf8"));
const passed = report.numPassedTests ?? 0;
const failed = report.numFailedTests ?? 0;
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
if (passed === 0) {
  console.error("no test ran");
  process.exitCode = 1;
}
