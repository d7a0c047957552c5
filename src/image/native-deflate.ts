/**
 * nativeDeflate loads tsbuild's optional native deflate (native/deflate.c over libdeflate, built by
 * scripts/build-native.mjs into native/build/tsbuild_deflate.node at the package's root) once,
 * when the first layer is compressed. Undefined when it is not built, or when TSBUILD_DEFLATE=zlib
 * asks for Node's zlib; parallelGzip then uses zlib.
 */
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { chosenNativeFile, loadNative, nativeFile } from "../core/native.js";

/** NativeDeflate is the addon's interface (see native/deflate.c). */
export interface NativeDeflate {
  /** deflateMember compresses `block` on the thread pool into one complete gzip member (header with `xfl`, raw deflate at `level` 0-12, CRC-32 and length). */
  deflateMember(block: Uint8Array, level: number, xfl: number): Promise<Buffer>;
  /** libdeflateVersion is the libdeflate the addon was built with. */
  readonly libdeflateVersion: string;
}

/** ADDON is the addon's file name in native/build. */
const ADDON = "tsbuild_deflate.node";

/**
 * addonFile is the built addon in `from` or the nearest directory above it that has one (the
 * package's root: this module runs from src/image, dist/api/chunks or dist/cli/bundle), or
 * undefined.
 */
export function addonFile(from: string): string | undefined {
  return nativeFile(from, ADDON);
}

/** loadAddon opens the addon at `file` as require() would, without the module loader, checking that it is tsbuild's deflate. */
export function loadAddon(file: string): NativeDeflate {
  return loadNative<NativeDeflate>(file, "deflateMember", "deflate", "NativeDeflate", "set TSBUILD_DEFLATE=zlib");
}

/** DEFLATE_CHOICE: TSBUILD_DEFLATE picks libdeflate (the addon) or Node's zlib. */
const DEFLATE_CHOICE = { variable: "TSBUILD_DEFLATE", native: "libdeflate", fallback: "zlib", kind: "a gzip engine", needs: "a C compiler and libdeflate-dev" };

let loaded: { addon: NativeDeflate | undefined } | undefined;

/**
 * nativeDeflate is the addon, loaded on first call, or undefined (not built, or TSBUILD_DEFLATE=zlib).
 * An addon that is there but fails to load is an error, not a silent fallback: it names the file
 * and how to rebuild it.
 */
export function nativeDeflate(): NativeDeflate | undefined {
  if (loaded) return loaded.addon;
  const file = chosenNativeFile(dirname(fileURLToPath(import.meta.url)), ADDON, DEFLATE_CHOICE);
  loaded = { addon: file === undefined ? undefined : loadAddon(file) };
  return loaded.addon;
}
