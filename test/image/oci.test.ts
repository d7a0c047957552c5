import { describe, expect, it } from "vitest";
import { sha256 } from "../../src/core/digest.js";
import { parseImageName, refKey } from "../../src/image/name.js";
import { descriptorOf, encodeJson, imageConfigSchema, MediaTypes, parseJsonBytes, parseManifestOrIndex } from "../../src/image/oci.js";

const d = sha256("x");

describe("OCI formats", () => {
  it("encodes JSON canonically with Go's escapes, and digests the exact bytes", () => {
    const bytes = encodeJson({ b: 1, a: { z: "<&>", y: [2, 1] } });
    expect(bytes.toString()).toBe('{"a":{"y":[2,1],"z":"\\u003c\\u0026\\u003e"},"b":1}');
    expect(JSON.parse(bytes.toString()).a.z).toBe("<&>");
    expect(descriptorOf(MediaTypes.ociConfig, bytes)).toEqual({ mediaType: MediaTypes.ociConfig, digest: sha256(bytes), size: bytes.length });
  });

  it("tells manifests from indexes by media type or by shape, and validates both", () => {
    const manifest = { schemaVersion: 2, mediaType: MediaTypes.dockerManifest, config: { mediaType: MediaTypes.dockerConfig, digest: d, size: 1 }, layers: [] };
    expect(parseManifestOrIndex(Buffer.from(JSON.stringify(manifest)), "m").kind).toBe("manifest");
    expect(parseManifestOrIndex(Buffer.from(JSON.stringify({ schemaVersion: 2, manifests: [] })), "i").kind).toBe("index");
    const bad = { ...manifest, config: { ...manifest.config, digest: "sha256:../../etc" } };
    expect(() => parseManifestOrIndex(Buffer.from(JSON.stringify(bad)), "manifest sha256:abc")).toThrow(/manifest sha256:abc is not a valid image object at config.digest/);
    expect(() => parseJsonBytes(Buffer.from("{"), imageConfigSchema, "config X")).toThrow(/config X is not valid JSON/);
    // zod's English messages (zod/mini loads none by itself), and the digest check's own message.
    expect(() => parseJsonBytes(Buffer.from(JSON.stringify({ architecture: 1, os: "linux", rootfs: { type: "layers", diff_ids: [] } })), imageConfigSchema, "config Y")).toThrow(/config Y is not a valid image object at architecture: Invalid input: expected string, received number/);
    expect(() => parseManifestOrIndex(Buffer.from(JSON.stringify(bad)), "m")).toThrow(/expected sha256:<64 lowercase hex digits>/);
    expect(() => parseManifestOrIndex(Buffer.from(JSON.stringify({ ...manifest, layers: [{ ...manifest.config, size: -1 }] })), "m")).toThrow(/at layers\.0\.size: Too small/);
  });

  it("keeps unknown config fields (Docker extensions) when validating", () => {
    const cfg = parseJsonBytes(Buffer.from(JSON.stringify({ architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [d] }, config: { Healthcheck: { Test: ["NONE"] } }, container: "abc" })), imageConfigSchema, "c");
    expect((cfg as Record<string, unknown>).container).toBe("abc");
  });
});

describe("image names", () => {
  it("normalizes as Docker does", () => {
    expect(refKey(parseImageName("busybox"))).toBe("docker.io/library/busybox:latest");
    expect(refKey(parseImageName("me/app:1.0"))).toBe("docker.io/me/app:1.0");
    expect(refKey(parseImageName("localhost:5000/app"))).toBe("localhost:5000/app:latest");
    expect(parseImageName(`ghcr.io/o/r@${d}`)).toEqual({ repository: "ghcr.io/o/r", tag: undefined, digest: d });
    expect(() => parseImageName("Upper/case")).toThrow(/invalid image name/);
    expect(() => parseImageName("app@sha256:123")).toThrow(/digest/);
    expect(() => parseImageName("app:bad/tag:x")).toThrow();
  });
});
