/**
 * unpackRunImage is the first start of an image: read and validate it (recording its use),
 * unpack it once into the store's layer dirs, and cache the result for imageForRun.
 */
import type { Digest } from "../core/digest.js";
import { baseImage } from "../executor/ops/runner.js";
import { readImage } from "../image/images.js";
import type { Store } from "../store/store.js";
import type { RuntimeName } from "./drivers.js";
import { cacheRunImage, type RunImage } from "./run-image.js";
import { createServices } from "./services.js";

/** unpackRunImage reads, unpacks and caches image `digest` (see imageForRun). */
export async function unpackRunImage(store: Store, digest: Digest, runtime: RuntimeName | "auto"): Promise<RunImage> {
  const img = await readImage(store, digest);
  const services = await createServices(store, undefined, { runtime });
  const base = await baseImage(services, digest);
  const image: RunImage = { digest, config: img.config.config ?? {}, lowers: base.layers.map((l) => l.dir) };
  await cacheRunImage(store, image);
  return image;
}
