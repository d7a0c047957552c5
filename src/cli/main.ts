#!/usr/bin/env node
// tsbuild's executable entry: builds the commander program and runs it. The CLI is the only
// code that writes to stdout/stderr or sets the exit code.
import { run } from "./program.js";

process.exitCode = await run(process.argv);
