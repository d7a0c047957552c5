/**
 * tty-load-bundled.ts stands in for tty-load.ts in the bundled CLI (scripts/bundle-cli.mjs).
 * There the CLI is a CommonJS script run by bundle-load.ts, where an import() of a package is
 * not available and ink, an ES module with top-level await, cannot be require()d: the host
 * imports ink first, and the renderer's require("ink") then returns it.
 */
import type { BundleHost } from "../bundle-load.js";
import type * as Tty from "./tty.js";

declare const __tsbuild: BundleHost;

/** loadTty imports ink through the bundle's host, then the tty renderer module. */
export async function loadTty(): Promise<typeof Tty> {
  await __tsbuild.preload(["ink"]);
  return import("./tty.js");
}
