// Git source references (BuildKit's ParseGitRef forms) and credential redaction, as line tables.
import { describe, expect, it } from "vitest";
import { parseGitRef, redactUrl, stripCredentials } from "../src/core/git-ref.js";

describe("parseGitRef", () => {
  it.each([
    ["https://github.com/moby/buildkit.git", { remote: "https://github.com/moby/buildkit.git", ref: undefined, subdir: undefined }],
    ["https://github.com/moby/buildkit.git#v0.12.0", { remote: "https://github.com/moby/buildkit.git", ref: "v0.12.0", subdir: undefined }],
    ["https://github.com/moby/buildkit.git#main:docs/dev", { remote: "https://github.com/moby/buildkit.git", ref: "main", subdir: "docs/dev" }],
    ["https://github.com/moby/buildkit.git#:docs", { remote: "https://github.com/moby/buildkit.git", ref: undefined, subdir: "docs" }],
    ["git@github.com:moby/buildkit.git#main", { remote: "git@github.com:moby/buildkit.git", ref: "main", subdir: undefined }],
    ["git://127.0.0.1:9418/app.git", { remote: "git://127.0.0.1:9418/app.git", ref: undefined, subdir: undefined }],
    ["ssh://git@example.org/app", { remote: "ssh://git@example.org/app", ref: undefined, subdir: undefined }],
    ["https://h/r.git?tag=v1&subdir=docs", { remote: "https://h/r.git", ref: "refs/tags/v1", subdir: "docs" }],
    ["https://h/r.git?branch=dev&keep-git-dir=true&submodules=false", { remote: "https://h/r.git", ref: "refs/heads/dev", subdir: undefined, keepGitDir: true, submodules: false }],
    ["git@h:r.git?ref=pull/42/head&commit=abcdef12", { remote: "git@h:r.git", ref: "pull/42/head", subdir: undefined, checksum: "abcdef12" }],
  ])("reads %s", (src, want) => {
    expect(parseGitRef(src)).toEqual({ ok: true, value: want });
  });

  it.each(["https://example.org/file.tar.gz", "http://example.org/repo", "./repo.git", "../x.git", "/abs/repo.git", "repo.git", "github.com/moby/buildkit", "ftp://example.org/r.git"])(
    "leaves %s to the other source kinds",
    (src) => expect(parseGitRef(src)).toBeUndefined(),
  );

  it.each([
    ["git://h/r.git#--upload-pack=touch", /not a valid ref name/],
    ["git://h/r.git#main:../../etc", /must stay inside the repository/],
    ["git://h/r.git#a..b", /not a valid ref name/],
    ["https://h/r.git?tag=a&branch=b", /only one of ref, tag and branch/],
    ["https://h/r.git?depth=1", /unknown query parameter "depth"/],
    ["https://h/r.git?ref=main#main", /either a #fragment or a \?query/],
    ["https://h/r.git?checksum=xyz", /must be a commit id/],
    ["https://h/r.git?keep-git-dir=maybe", /not a boolean/],
  ])("refuses %s", (src, message) => {
    const r = parseGitRef(src);
    expect(r?.ok).toBe(false);
    expect(r && !r.ok ? r.message : "").toMatch(message);
  });
});

describe("credentials in URLs", () => {
  it.each([
    ["https://user:pw@example.org/r.git", "https://user:xxxxx@example.org/r.git"],
    ["https://token@example.org/r.git#main", "https://xxxxx@example.org/r.git#main"],
    ["ssh://git@example.org/r", "ssh://git@example.org/r"],
    ["git@example.org:r.git", "git@example.org:r.git"],
    ["ADD https://a:b@h/x.git /d && echo http://c:d@h2/y", "ADD https://a:xxxxx@h/x.git /d && echo http://c:xxxxx@h2/y"],
    ["https://example.org/r.git", "https://example.org/r.git"],
  ])("redacts %s for display", (src, want) => expect(redactUrl(src)).toBe(want));

  it("strips them for cache keys", () => {
    expect(stripCredentials("https://user:pw@example.org/r.git#x")).toBe("https://example.org/r.git#x");
    expect(stripCredentials("git@example.org:r.git")).toBe("git@example.org:r.git");
  });
});
