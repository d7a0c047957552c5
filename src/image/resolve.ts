/**
 * resolveImage turns a user's image reference into a manifest digest. It lives apart from the
 * image reader so that starting a container does not load the manifest and config schemas.
 */
import { isDigest, parseDigest, type Digest } from "../core/digest.js";
import { NotFoundError, StoreError } from "../store/errors.js";
import type { Store } from "../store/store.js";
import { parseImageName, refKey } from "./name.js";

/**
 * resolveImage finds the manifest digest a user's REF names: `NAME[:TAG]`, `NAME@DIGEST`, a
 * manifest digest, or an image ID (the config digest, in full or as a unique hex prefix of at
 * least 4 digits, as `docker images` shows it).
 */
export function resolveImage(store: Store, ref: string): Digest {
  const byName = refByName(store, ref);
  if (byName) return byName;
  const images = store.meta.listImages();
  const hex = ref.startsWith("sha256:") ? ref.slice(7) : ref;
  if (/^[a-f0-9]{4,64}$/.test(hex)) {
    const hits = images.filter((i) => i.digest.slice(7).startsWith(hex) || i.configDigest.slice(7).startsWith(hex));
    if (hits.length === 1) return (hits[0] as { digest: Digest }).digest;
    if (hits.length > 1 && new Set(hits.map((h) => h.digest)).size > 1) throw new StoreError(`image ID prefix ${ref} is ambiguous: give more digits`);
    if (isDigest(ref)) throw new NotFoundError(`no such image: ${ref}`);
  }
  const name = parseImageName(ref);
  if (name.digest) {
    const d = parseDigest(name.digest);
    if (store.meta.getImage(d)) return d;
    throw new NotFoundError(`no such image: ${ref}`);
  }
  const d = store.meta.getRef(refKey(name));
  if (!d) throw new NotFoundError(`no such image: ${ref} (see \`tsbuild images\`; import, load or pull it first)`);
  return d;
}

/** refByName returns the digest a tagged name points at, or undefined when ref is not a stored name. */
function refByName(store: Store, ref: string): Digest | undefined {
  if (ref.includes("@") || ref.startsWith("sha256:")) return undefined;
  try {
    return store.meta.getRef(refKey(parseImageName(ref)));
  } catch {
    return undefined; // not a valid name (an ID prefix, say); resolveImage tries the other forms
  }
}
