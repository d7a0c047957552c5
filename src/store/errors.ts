import { TsbuildError } from "../core/errors.js";

/** DigestMismatchError says stored or received bytes do not hash to the digest they were named by. */
export class DigestMismatchError extends TsbuildError {
  readonly expected: string;
  readonly actual: string;
  constructor(expected: string, actual: string, what: string) {
    super("DigestMismatch", `${what} ${expected}: content hashes to ${actual}; the data is corrupt (run \`tsbuild fsck\`, then pull or load the image again)`);
    this.expected = expected;
    this.actual = actual;
  }
}

/** SizeMismatchError says content is shorter or longer than its descriptor's size. */
export class SizeMismatchError extends TsbuildError {
  constructor(digest: string, expected: number, actual: number, what: string) {
    super("SizeMismatch", `${what} ${digest}: expected ${expected} bytes, got ${actual}${actual < expected ? " (truncated)" : ""}`);
  }
}

/** NotFoundError says a blob, image or reference is not in the store. */
export class NotFoundError extends TsbuildError {
  constructor(message: string) {
    super("NotFound", message);
  }
}

/** StoreError is any other store failure that the user can act on (the message says how). */
export class StoreError extends TsbuildError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("Store", message, options);
  }
}
