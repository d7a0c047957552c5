import { mkdirSync } from "node:fs";
import { BlobStore } from "./blobs.js";
import { MetaStore } from "./meta.js";

/** Store is one store root: content-addressed blobs plus their SQLite metadata. */
export interface Store {
  readonly root: string;
  readonly blobs: BlobStore;
  readonly meta: MetaStore;
  close(): void;
}

/**
 * openStore opens (creating if needed) the store at root. The root directory is made 0700:
 * unpacked image content may hold setuid files and secrets of other images.
 */
export function openStore(root: string): Store {
  mkdirSync(root, { recursive: true, mode: 0o700 });
  const meta = new MetaStore(root);
  return { root, blobs: new BlobStore(root), meta, close: () => meta.close() };
}
