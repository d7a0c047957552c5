import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "test/**/*.test.tsx", "src/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Root-only tests (namespaces, mounts) share host resources; keep files in one process each.
    pool: "forks",
    // One temporary directory for the run, removed at its end (test/helpers/run-tmpdir.ts).
    globalSetup: ["test/helpers/run-tmpdir.ts"],
  },
});
