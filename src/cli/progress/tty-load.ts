/**
 * tty-load.ts loads the tty renderer, and with it ink and React, on first use. The bundled CLI
 * swaps in tty-load-bundled.ts (scripts/bundle-cli.mjs).
 */
import type * as Tty from "./tty.js";

/** loadTty imports the tty renderer module. */
export function loadTty(): Promise<typeof Tty> {
  return import("./tty.js");
}
