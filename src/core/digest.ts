import { createHash } from "node:crypto";

/** Digest is an OCI content digest `sha256:<64 lowercase hex>`; construct it only via {@link parseDigest} or {@link sha256}. */
export type Digest = string & { readonly __brand: "Digest" };

const DIGEST_RE = /^sha256:[a-f0-9]{64}$/;

/** parseDigest checks algorithm and length and returns a branded Digest, or throws a TypeError naming the bad value. */
export function parseDigest(value: string): Digest {
  if (!DIGEST_RE.test(value)) {
    throw new TypeError(`invalid digest ${JSON.stringify(value)}: expected sha256:<64 lowercase hex digits>`);
  }
  return value as Digest;
}

/** isDigest reports whether value is a well-formed sha256 digest. */
export function isDigest(value: string): value is Digest {
  return DIGEST_RE.test(value);
}

/** sha256 hashes bytes (strings are UTF-8 encoded) into a Digest. */
export function sha256(data: Uint8Array | string): Digest {
  return `sha256:${createHash("sha256").update(data).digest("hex")}` as Digest;
}

/** hexOf returns the 64-digit hex part of a digest. */
export function hexOf(d: Digest): string {
  return d.slice("sha256:".length);
}

/**
 * canonicalJson serializes a JSON value with object keys sorted bytewise at every level and no
 * whitespace, so that equal values always give equal bytes (and equal digests).
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") {
    if (typeof value === "number" && !Number.isFinite(value)) {
      throw new TypeError("canonicalJson: non-finite number");
    }
    if (value === undefined) throw new TypeError("canonicalJson: undefined is not JSON");
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
}
