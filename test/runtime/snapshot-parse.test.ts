// Parsers behind snapshots: getfattr dumps (escaped names, binary values) and /proc/self/mountinfo.
import { describe, expect, it } from "vitest";
import { parseMountinfo } from "../../src/runtime/mountinfo.js";
import { escapeAttr, parseGetfattrDump, unescapeAttr } from "../../src/runtime/xattr.js";

describe("parseGetfattrDump", () => {
  it("reads escaped file and attribute names and keeps values byte-exact", () => {
    const dump = Buffer.concat([
      Buffer.from("# file: /u/nl\\012x\n", "latin1"),
      Buffer.from("security.capability=0x0100000200040000000000000000000000000000\n"),
      Buffer.from("user.empty=0x\n\n"),
      Buffer.from("# file: /u/a b/"),
      Buffer.from("é", "utf8"),
      Buffer.from("\\134\nuser.we ird\\075=0x00ff\n\n"),
    ]);
    const parsed = parseGetfattrDump(dump);
    expect([...parsed.keys()]).toEqual(["/u/nl\nx", "/u/a b/é\\"]);
    expect(parsed.get("/u/nl\nx")?.["security.capability"]?.toString("hex")).toBe("0100000200040000000000000000000000000000");
    expect(parsed.get("/u/nl\nx")?.["user.empty"]?.length).toBe(0);
    expect(parsed.get("/u/a b/é\\")?.["user.we ird="]).toEqual(Buffer.from([0, 255]));
  });

  it("refuses lines it does not understand and names that are not UTF-8", () => {
    expect(() => parseGetfattrDump(Buffer.from("user.x=0x00\n"))).toThrow(/outside a file block/);
    expect(() => parseGetfattrDump(Buffer.from("# file: /a\nuser.x=\"text\"\n"))).toThrow(/unexpected value/);
    expect(() => parseGetfattrDump(Buffer.from("# file: /a\\377\n"))).toThrow(/not UTF-8/);
  });

  it("escapes for setfattr --restore and back without loss", () => {
    const name = Buffer.from("a b=\\\n\té", "utf8");
    const escaped = escapeAttr(name);
    expect(escaped).toBe("a\\040b\\075\\134\\012\\011\\303\\251");
    expect(unescapeAttr(Buffer.from(escaped, "latin1"))).toEqual(name);
  });
});

describe("parseMountinfo", () => {
  it("reads mount points with escapes and optional fields", () => {
    const text = [
      "22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw",
      "243 22 0:39 / /tmp/a\\040b/merged rw,relatime - overlay overlay rw,lowerdir=0:1,upperdir=u",
      "244 243 0:40 / /tmp/x\\134y rw master:3 shared:9 - tmpfs my\\040fs rw",
    ].join("\n");
    expect(parseMountinfo(text)).toEqual([
      { id: 22, parent: 1, mountPoint: "/", fsType: "ext4", source: "/dev/vda" },
      { id: 243, parent: 22, mountPoint: "/tmp/a b/merged", fsType: "overlay", source: "overlay" },
      { id: 244, parent: 243, mountPoint: "/tmp/x\\y", fsType: "tmpfs", source: "my fs" },
    ]);
  });

  it("refuses malformed lines", () => {
    expect(() => parseMountinfo("22 1 254:0 / / rw ext4")).toThrow(/unexpected mountinfo line/);
  });
});
