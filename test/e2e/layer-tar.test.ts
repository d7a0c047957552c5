// Issue 4 acceptance 5 at the tar level: a RUN that creates, modifies and deletes files and
// replaces directories and files produces a layer whose tar holds exactly the expected entries and
// whiteouts (one per child a replaced directory hides, as BuildKit writes them), a later step does
// not see what it deleted, and the kept layer dirs still pass fsck.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { createGunzip } from "node:zlib";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkStore } from "../../src/api/images.js";
import { readImage, resolveImage } from "../../src/image/images.js";
import { readTar } from "../../src/image/tar-reader.js";
import { openStore } from "../../src/store/store.js";
import { e2eMissing, makeEnv, type Env } from "./helpers.js";
import { requirePrerequisites } from "../helpers/prerequisites.js";

const GOLDEN = resolve(import.meta.dirname, "../../fixtures/e2e/run-layer.golden");
const missing = e2eMissing();
requirePrerequisites("layer tar test", missing);

const DOCKERFILE = [
  "FROM busybox",
  "RUN mkdir -p /d/sub /keep /tofile/t && echo old > /etc/old && echo 1 > /etc/mod && touch /d/sub/f /d/g /keep/k /tofile/t/x /todir",
  // /d is deleted and made again (a hidden child, a recreated subdirectory with a hidden child),
  // /todir replaces a file, /tofile replaces a directory.
  "RUN echo new > /new && echo 2 > /etc/mod && rm /etc/old && rm -rf /d && mkdir -p /d/sub && touch /d/x /d/sub/y && ln -s new /link && chmod 0750 /keep" +
    " && rm /todir && mkdir /todir && touch /todir/z && rm -rf /tofile && echo f > /tofile",
  // A later step mounts that layer as a lower: what the step deleted must stay hidden.
  "RUN test ! -e /d/g && test ! -e /d/sub/f && test -e /d/sub/y && test -f /tofile && test -e /todir/z && set -- $(ls -A /d) && test \"$*\" = \"sub x\"",
  "",
].join("\n");

describe.skipIf(missing !== undefined)("RUN layer tar", () => {
  let env: Env;
  beforeAll(async () => {
    env = await makeEnv();
  });
  afterAll(() => env?.cleanup());

  it("lists exactly the changes, with a whiteout per child a replaced directory hides, as BuildKit writes them", async () => {
    await env.build({ Dockerfile: DOCKERFILE }, { tags: ["e2e/layer:1"] });
    const store = openStore(env.root);
    const lines: string[] = [];
    try {
      const img = await readImage(store, resolveImage(store, "e2e/layer:1"));
      const last = img.manifest.layers.at(-2)!;
      const tar = Readable.from(await store.blobs.open(last.digest, last.size)).pipe(createGunzip());
      for await (const e of readTar(tar)) {
        const h = e.header;
        const chunks: Buffer[] = [];
        for await (const c of e.body) chunks.push(c);
        const content = Buffer.concat(chunks).toString("utf8").trim();
        lines.push(`${h.type} ${h.name} ${(h.mode & 0o7777).toString(8)} ${h.uid}:${h.gid}${h.linkname ? ` -> ${h.linkname}` : ""}${content ? ` "${content}"` : ""}`);
      }
    } finally {
      store.close();
    }
    const report = await checkStore({ root: env.root });
    expect(report.problems, "each step's kept layer dir still hashes to its diffID").toEqual([]);
    const actual = `${lines.join("\n")}\n`;
    if (process.env.UPDATE_GOLDEN === "1") writeFileSync(GOLDEN, actual);
    expect(existsSync(GOLDEN), `${GOLDEN} is missing: run with UPDATE_GOLDEN=1`).toBe(true);
    expect(actual).toBe(readFileSync(GOLDEN, "utf8"));
  });
});
