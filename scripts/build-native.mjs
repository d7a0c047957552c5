#!/usr/bin/env node
// Builds tsbuild's optional native deflate (native/deflate.c over libdeflate) into
// native/build/tsbuild_deflate.node with the system C compiler, against Node's own Node-API
// headers. Run by `npm install`/`npm ci` (the package's install script) and by `npm run build`.
//
// The addon is optional: without it, layers are gzipped with Node's zlib (slower, larger blobs).
// When it cannot be built (no C compiler, no libdeflate-dev, no Node headers), this prints why and
// how to get it, and exits 0, unless TSBUILD_NATIVE=required (CI sets it through .ci/run), which
// makes it exit 1. An addon newer than its source and this script is kept as it is.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const source = join(root, "native", "deflate.c");
const outDir = join(root, "native", "build");
const out = join(outDir, "tsbuild_deflate.node");
const required = process.env.TSBUILD_NATIVE === "required";

/** headerDirs are where Node's node_api.h may be: npm's nodedir, Node's own prefix, Debian's nodejs. */
function headerDir() {
  const candidates = [process.env.npm_config_nodedir, join(dirname(process.execPath), ".."), "/usr", "/usr/local"]
    .filter((d) => d !== undefined && d !== "")
    .map((d) => join(d, "include", "node"));
  return candidates.find((d) => existsSync(join(d, "node_api.h")));
}

function give(reason) {
  const how = "install a C compiler and libdeflate (Debian/Ubuntu: apt-get install gcc libdeflate-dev), then run `npm run build:native`";
  const msg = `tsbuild: native deflate not built: ${reason}. Layers will be gzipped with Node's zlib (slower, about 5% larger); for the fast path, ${how}.`;
  if (required) {
    console.error(`${msg}\n(TSBUILD_NATIVE=required: failing)`);
    process.exit(1);
  }
  console.warn(msg);
  process.exit(0);
}

function mtime(p) {
  return statSync(p, { throwIfNoEntry: false })?.mtimeMs ?? 0;
}

if (process.env.TSBUILD_NATIVE === "off") {
  if (required) give("TSBUILD_NATIVE=off");
  console.warn("tsbuild: TSBUILD_NATIVE=off: native deflate not built");
  process.exit(0);
}
if (process.platform !== "linux") give(`it is built on Linux only (this is ${process.platform})`);
if (!existsSync(source)) give(`${source} is missing`);
if (mtime(out) > Math.max(mtime(source), mtime(fileURLToPath(import.meta.url)))) process.exit(0);
const include = headerDir();
if (include === undefined) give("Node's headers (include/node/node_api.h) were not found next to the node executable or in npm's nodedir");
const cc = process.env.CC || "cc";
const common = ["-O2", "-fPIC", "-shared", "-fvisibility=hidden", "-Wall", "-Wextra", "-Werror", `-I${include}`, "-o", `${out}.tmp`, source];
mkdirSync(outDir, { recursive: true });
// libdeflate linked in statically when its archive allows (the addon then needs no libdeflate0 at
// run time), else against the shared library.
const attempts = [[...common, "-Wl,-Bstatic", "-ldeflate", "-Wl,-Bdynamic"], [...common, "-ldeflate"]];
let lastError = "";
for (const args of attempts) {
  try {
    execFileSync(cc, args, { stdio: ["ignore", "pipe", "pipe"] });
    renameSync(`${out}.tmp`, out);
    console.log(`tsbuild: built ${out}`);
    process.exit(0);
  } catch (err) {
    lastError = (err.stderr?.toString() || err.message).trim().split("\n").slice(-3).join(" | ");
    rmSync(`${out}.tmp`, { force: true });
  }
}
give(`${cc} failed (${lastError})`);
