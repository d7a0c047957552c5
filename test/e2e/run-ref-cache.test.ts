// The name lookups of container starts (run-image.ts): a start of a recently started name takes
// its digest from <store>/run-cache/refs without opening the database, and never a stale one:
// any change to the database (a tag moved, an image removed) ends every record.
import { existsSync, readdirSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runImageByRef } from "../../src/api/run-image.js";
import { parseImageName, refKey } from "../../src/image/name.js";
import { openStore, type Store } from "../../src/store/store.js";
import { requirePrerequisites } from "../helpers/prerequisites.js";
import { e2eMissing, makeEnv, type Env } from "./helpers.js";

const missing = e2eMissing();
requirePrerequisites("the start name lookup tests", missing);

/** settle waits until the database's files last changed over a second ago (records are made only then). */
const settle = () => new Promise((r) => setTimeout(r, 1100));

describe.skipIf(missing !== undefined)("start name lookups", () => {
  let env: Env;
  let opens = 0;
  /** open is the store opener the lookups get: the real one, counted. */
  const open = (): Store => {
    opens++;
    return openStore(env.root);
  };
  const lookup = (ref: string) => runImageByRef(env.root, open, ref, "runc");
  const refsDir = () => `${env.root}/run-cache/refs`;

  beforeAll(async () => {
    env = await makeEnv();
    await env.build({ Dockerfile: "FROM busybox\nRUN echo two > /two\n" }, { tags: ["two:latest"] });
  }, 120_000);
  afterAll(() => env?.cleanup());

  const key = (ref: string) => refKey(parseImageName(ref));
  const tag = (src: string, dst: string) => {
    const store = openStore(env.root);
    try {
      const digest = store.meta.getRef(key(src));
      if (digest === undefined) throw new Error(`no ${src}`);
      store.meta.setRef(key(dst), digest);
      return digest;
    } finally {
      store.close();
    }
  };

  it("answers a settled name from its record without opening the database", async () => {
    const busybox = tag("busybox:latest", "cur:latest");
    // A first start may unpack the image (writing the database): the record comes with a later one.
    await lookup("cur");
    await settle();
    opens = 0;
    expect((await lookup("cur")).digest).toBe(busybox);
    expect(opens).toBe(1);
    expect(readdirSync(refsDir()).filter((f) => f.endsWith(".json"))).toHaveLength(1);
    const again = await lookup("cur");
    expect(again.digest).toBe(busybox);
    expect(again.lowers.length).toBeGreaterThan(0);
    expect(opens).toBe(1);
  });

  it("never answers from a record after the database changed: a moved tag is followed at once", async () => {
    const two = tag("two:latest", "cur:latest");
    opens = 0;
    expect((await lookup("cur")).digest).toBe(two);
    expect(opens).toBe(1);
    // Within a second of the change nothing is recorded: each start asks the database.
    expect((await lookup("cur")).digest).toBe(two);
    expect(opens).toBe(2);
    await settle();
    expect((await lookup("cur")).digest).toBe(two);
    expect((await lookup("cur")).digest).toBe(two);
    expect(opens).toBe(3);
  });

  it("never answers for a removed name", async () => {
    await settle();
    await lookup("cur");
    const store = openStore(env.root);
    try {
      expect(store.meta.deleteRef(key("cur"))).toBe(true);
    } finally {
      store.close();
    }
    await expect(lookup("cur")).rejects.toThrow(/no such image: cur/);
  });

  it("keeps one record per name, under a name of its own, and prune's cache sweep removes them", async () => {
    await settle();
    await lookup("busybox:latest");
    await lookup("two");
    expect(readdirSync(refsDir()).filter((f) => f.endsWith(".json")).length).toBeGreaterThanOrEqual(2);
    const { keepRunCaches } = await import("../../src/api/run-image.js");
    const store = openStore(env.root);
    try {
      await keepRunCaches(store, new Set());
    } finally {
      store.close();
    }
    expect(existsSync(refsDir())).toBe(false);
  });
});
