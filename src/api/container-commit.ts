/**
 * commitContainer turns a container's writable layer into a new image: the layer diff (overlay
 * whiteouts as OCI whiteouts) becomes one more gzip layer on top of the container's image, the
 * image config is copied with the new diffID and a history entry, and the result is tagged.
 */
import type { Digest } from "../core/digest.js";
import { commitLayer } from "../executor/ops/layer.js";
import { addImage, readImage } from "../image/images.js";
import { descriptorOf, encodeJson, type ImageConfig } from "../image/oci.js";
import { containerPaths } from "../runtime/container/state.js";
import { openStore } from "../store/store.js";
import { lookup, whereOf, type ContainerScope } from "./container-shared.js";
import { createServices } from "./services.js";

const CONFIG_MEDIA_TYPE = "application/vnd.oci.image.config.v1+json";
const MANIFEST_MEDIA_TYPE = "application/vnd.oci.image.manifest.v1+json";

/** CommitOptions: the container (name or id), the new image's name, an optional history comment. */
export interface CommitOptions extends ContainerScope {
  readonly container: string;
  readonly image: string;
  readonly message?: string;
}

/** rfc3339 formats a date without fractional seconds. */
function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** commitContainer writes the new image and returns its manifest digest. */
export async function commitContainer(opts: CommitOptions): Promise<Digest> {
  const where = whereOf(opts);
  const s = await lookup(where, opts.container);
  const store = openStore(where.storeRoot);
  try {
    const services = await createServices(store, undefined, { runtime: s.run.runtime });
    const img = await readImage(store, s.imageDigest as Digest);
    const layer = await commitLayer(services, containerPaths(where.root, s.id).upper);
    const created = rfc3339(new Date());
    const history = [...(img.config.history ?? []), { created, created_by: `tsbuild commit ${s.name}`, ...(opts.message !== undefined && { comment: opts.message }) }];
    const config = { ...img.config, created, rootfs: { type: "layers", diff_ids: [...img.config.rootfs.diff_ids, layer.diffId] }, history } as ImageConfig;
    const configBytes = encodeJson(config);
    const configDesc = descriptorOf(CONFIG_MEDIA_TYPE, configBytes);
    await store.blobs.write(configBytes, { digest: configDesc.digest, size: configDesc.size });
    const layers = [...img.manifest.layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size })), { mediaType: layer.mediaType, digest: layer.digest, size: layer.size }];
    const manifest = { schemaVersion: 2, mediaType: MANIFEST_MEDIA_TYPE, config: configDesc, layers };
    return await addImage(store, encodeJson(manifest), [opts.image]);
  } finally {
    store.close();
  }
}
