#!/usr/bin/env node
// Builds tsbuild's optional native parts with the system C compiler into native/build/:
//   tsbuild_deflate.node  native/deflate.c, a Node-API addon over libdeflate (layer gzip), built
//                         against Node's own Node-API headers;
//   tsbuild_spawn.node    native/spawn.c, a Node-API addon that starts the OCI launcher with
//                         posix_spawn (src/runtime/native-spawn.ts);
//   tsbuild-launcher      native/launcher.c, the OCI runtime launcher as one program instead of
//                         unshare + sh + mount (src/runtime/drivers/launcher.ts).
// Run by `npm install`/`npm ci` (the package's install script) and by `npm run build`.
//
// All are optional: without the deflate addon layers are gzipped with Node's zlib (slower,
// larger blobs); without the others a container start takes a few milliseconds more (the
// launcher forked by child_process, and run through util-linux and sh). What cannot be built (no C compiler, no libdeflate-dev, no Node
// headers) is reported with the reason and how to get it, and the script exits 0, unless
// TSBUILD_NATIVE=required (CI sets it through .ci/run), which makes it exit 1;
// TSBUILD_NATIVE=off builds nothing. An output newer than its source and this script is kept.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const outDir = join(root, "native", "build");
const required = process.env.TSBUILD_NATIVE === "required";
const HOW = "install a C compiler and libdeflate (Debian/Ubuntu: apt-get install gcc libc6-dev libdeflate-dev), then run `npm run build:native`";

/** headerDir is where Node's node_api.h is: npm's nodedir, Node's own prefix, or the usual system prefixes. */
function headerDir() {
  const candidates = [process.env.npm_config_nodedir, join(dirname(process.execPath), ".."), "/usr", "/usr/local"]
    .filter((d) => d !== undefined && d !== "")
    .map((d) => join(d, "include", "node"));
  return candidates.find((d) => existsSync(join(d, "node_api.h")));
}

function mtime(p) {
  return statSync(p, { throwIfNoEntry: false })?.mtimeMs ?? 0;
}

/** addonArgs are the compiler argument lists of a Node-API addon, one per list of link options, or why it cannot be built. */
function addonArgs(src, out, links) {
  const include = headerDir();
  if (include === undefined) return "Node's headers (include/node/node_api.h) were not found next to the node executable or in npm's nodedir";
  const common = ["-O2", "-fPIC", "-shared", "-fvisibility=hidden", "-Wall", "-Wextra", "-Werror", `-I${include}`, "-o", out, src];
  return links.map((link) => [...common, ...link]);
}

/**
 * TARGETS: each output, its source, what it does without it, and the compiler argument lists to
 * try in order (undefined: it cannot be built here, the string saying why).
 */
const TARGETS = [
  {
    out: "tsbuild_deflate.node",
    source: "deflate.c",
    without: "layers will be gzipped with Node's zlib (slower, about 5% larger)",
    attempts(src, out) {
      // libdeflate linked in statically when its archive allows (no libdeflate0 needed at run time), else the shared library.
      return addonArgs(src, out, [["-Wl,-Bstatic", "-ldeflate", "-Wl,-Bdynamic"], ["-ldeflate"]]);
    },
  },
  {
    out: "tsbuild_spawn.node",
    source: "spawn.c",
    without: "the launcher of a container start is spawned with Node's child_process (a fork: a few milliseconds more)",
    attempts(src, out) {
      return addonArgs(src, out, [[]]);
    },
  },
  {
    out: "tsbuild-launcher",
    source: "launcher.c",
    without: "runtimes will be started through unshare, sh and mount",
    attempts(src, out) {
      return [["-O2", "-Wall", "-Wextra", "-Werror", "-pthread", "-o", out, src]];
    },
  },
];

/** build builds one target; returns undefined when built (or up to date), else why not. */
function build(target) {
  const src = join(root, "native", target.source);
  const out = join(outDir, target.out);
  if (!existsSync(src)) return `${src} is missing`;
  if (mtime(out) > Math.max(mtime(src), mtime(fileURLToPath(import.meta.url)))) return undefined;
  const attempts = target.attempts(src, `${out}.tmp`);
  if (typeof attempts === "string") return attempts;
  const cc = process.env.CC || "cc";
  let lastError = "";
  for (const args of attempts) {
    try {
      execFileSync(cc, args, { stdio: ["ignore", "pipe", "pipe"] });
      renameSync(`${out}.tmp`, out);
      console.log(`tsbuild: built ${out}`);
      return undefined;
    } catch (err) {
      lastError = (err.stderr?.toString() || err.message).trim().split("\n").slice(-3).join(" | ");
      rmSync(`${out}.tmp`, { force: true });
    }
  }
  return `${cc} failed (${lastError})`;
}

if (process.env.TSBUILD_NATIVE === "off") {
  if (required) throw new Error("TSBUILD_NATIVE cannot be both off and required");
  console.warn("tsbuild: TSBUILD_NATIVE=off: native parts not built");
  process.exit(0);
}
let failed = false;
for (const target of TARGETS) {
  const why = process.platform !== "linux" ? `it is built on Linux only (this is ${process.platform})` : (mkdirSync(outDir, { recursive: true }), build(target));
  if (why === undefined) continue;
  failed = true;
  console.warn(`tsbuild: native ${target.out} not built: ${why}. Without it ${target.without}; for the fast path, ${HOW}.`);
}
if (failed && required) {
  console.error("tsbuild: TSBUILD_NATIVE=required: failing");
  process.exit(1);
}
