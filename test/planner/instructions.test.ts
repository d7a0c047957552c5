// Per-instruction lowering: config edits, history texts, vertices and their identity.
import { describe, expect, it } from "vitest";
import type { CopyOp, ExecOp, MkdirOp } from "../../src/planner/plan.js";
import { execs, fakeImage, mustPlan, planText } from "./helpers.js";

const opsOf = <K extends string>(p: ReturnType<typeof mustPlan>, kind: K) => p.vertices.filter((v) => v.op.kind === kind).map((v) => v.op);

describe("RUN", () => {
  it("wraps shell form in SHELL and keeps exec form, adding a default PATH only when missing", () => {
    const p = mustPlan('FROM scratch\nRUN echo $HOME\nSHELL ["/bin/bash", "-eu", "-c"]\nRUN echo two\nRUN ["/bin/true", "x"]\n');
    expect(execs(p).map((e) => e.argv)).toEqual([["/bin/sh", "-c", "echo $HOME"], ["/bin/bash", "-eu", "-c", "echo two"], ["/bin/true", "x"]]);
    expect(p.image.history.at(-1)?.created_by).toBe("RUN /bin/true x # buildkit");
  });

  it("appends the default PATH to the config of a base image that has none, as BuildKit does", () => {
    const bare = fakeImage("bare:1", { config: { Env: ["A=1"], Cmd: ["sh"] } });
    const p = mustPlan("FROM bare\nENV B=2\n", { images: new Map([["bare", bare]]) });
    expect(p.image.config.Env).toEqual(["A=1", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "B=2"]);
    expect(mustPlan("FROM busybox\n").image.config.Env).toEqual(["PATH=/usr/sbin:/usr/bin:/sbin:/bin"]);
  });

  it("lowers mounts with BuildKit's defaults and expands their values", () => {
    const p = mustPlan("FROM busybox\nWORKDIR /src\nARG CACHE=/root/.cache\nRUN --mount=type=cache,target=$CACHE --mount=type=secret,id=tok --mount=type=bind,target=rel echo\n");
    const [op] = execs(p);
    expect(op!.mounts).toMatchObject([
      { type: "cache", target: "/root/.cache", cacheId: "/root/.cache", sharing: "shared", readOnly: false },
      { type: "secret", target: "/run/secrets/tok", secretId: "tok", readOnly: true },
      { type: "bind", target: "/src/rel", fromContext: true },
    ]);
    expect(op!.cwd).toBe("/src");
  });

  it("runs a single heredoc as the script, and a shebang heredoc as a file", () => {
    const p = mustPlan("FROM busybox\nRUN <<EOF\necho one\necho two\nEOF\nRUN <<-EOT\n\t#!/usr/bin/env python3\n\tprint(1)\n\tEOT\nRUN cat <<A > /a && cat <<B > /b\naaa\nA\nbbb\nB\n");
    const [a, b, c] = execs(p);
    expect(a!.argv).toEqual(["/bin/sh", "-c", "echo one\necho two\n"]);
    expect(b!.argv).toEqual(["/bin/sh", "-c", "/dev/pipes/EOT"]);
    expect(b!.files).toEqual([{ name: "EOT", content: "#!/usr/bin/env python3\nprint(1)\n", mode: 0o755 }]);
    expect(c!.argv).toEqual(["/bin/sh", "-c", "cat <<A > /a && cat <<B > /b\naaa\nA\nbbb\nB"]);
  });
});

describe("COPY and ADD", () => {
  it("resolves the destination against WORKDIR and expands sources, dest and --chown", () => {
    const p = mustPlan("FROM busybox\nWORKDIR /app\nENV U=1000 SRC=src\nCOPY --chown=$U:$U --chmod=0644 $SRC/ ./lib/\nCOPY a b\n");
    const [first, second] = opsOf(p, "copy") as CopyOp[];
    expect(first).toMatchObject({ from: "context", sources: [{ kind: "path", path: "src/" }], dest: "/app/lib/", chown: "1000:1000", chmod: "0644" });
    expect(second!.dest).toBe("/app/b");
    expect(p.image.history.map((h) => h.created_by)).toContain("COPY --chown=1000:1000 --chmod=0644 src/ ./lib/ # buildkit");
  });

  it("turns heredoc sources into inline files, expanding unless the delimiter is quoted", () => {
    const p = mustPlan("FROM busybox\nENV NAME=world\nCOPY <<EOF <<'RAW' /etc/\nhello $NAME\nEOF\nhello $NAME\nRAW\n");
    const [op] = opsOf(p, "copy") as CopyOp[];
    expect(op!.sources).toEqual([
      { kind: "inline", file: { name: "EOF", content: "hello world\n", mode: 0o644 } },
      { kind: "inline", file: { name: "RAW", content: "hello $NAME\n", mode: 0o644 } },
    ]);
    expect(p.image.history.at(-1)?.created_by).toBe("COPY <<EOF <<RAW /etc/ # buildkit");
  });

  it("gives two heredocs of the same name their own bodies, in order", () => {
    const p = mustPlan("FROM busybox\nCOPY <<EOF <<EOF /etc/\nfirst\nEOF\nsecond\nEOF\n");
    const [op] = opsOf(p, "copy") as CopyOp[];
    expect(op!.sources.map((s) => (s.kind === "inline" ? s.file.content : s.kind))).toEqual(["first\n", "second\n"]);
  });

  it("ADD keeps URLs apart from paths", () => {
    const p = mustPlan("FROM busybox\nADD --checksum=sha256:0000000000000000000000000000000000000000000000000000000000000000 https://127.0.0.1/a.tgz /x/\n");
    const [op] = opsOf(p, "copy") as CopyOp[];
    expect(op).toMatchObject({ add: true, sources: [{ kind: "url", url: "https://127.0.0.1/a.tgz" }], checksum: expect.stringMatching(/^sha256:0+$/) });
  });
});

describe("WORKDIR", () => {
  it("resolves relative paths, creates the directory as the current USER, and skips /", () => {
    const p = mustPlan("FROM busybox\nUSER app\nWORKDIR a\nWORKDIR b/../c\nWORKDIR /\n");
    expect(opsOf(p, "mkdir") as MkdirOp[]).toEqual([
      { kind: "mkdir", path: "/a", mode: 0o755, user: "app" },
      { kind: "mkdir", path: "/a/c", mode: 0o755, user: "app" },
    ]);
    expect(p.image.history.slice(-3)).toEqual([
      { created_by: "WORKDIR /a", comment: "buildkit.dockerfile.v0" },
      { created_by: "WORKDIR /a/c", comment: "buildkit.dockerfile.v0" },
      { created_by: "WORKDIR /", comment: "buildkit.dockerfile.v0", empty_layer: true },
    ]);
  });
});

describe("config instructions", () => {
  it("CMD, ENTRYPOINT, USER, EXPOSE, VOLUME, STOPSIGNAL, LABEL, HEALTHCHECK, MAINTAINER", () => {
    const p = mustPlan(
      [
        "FROM busybox",
        "MAINTAINER someone",
        "ENV PORTS='80 443/udp'",
        "EXPOSE $PORTS 8000-8001/TCP",
        "VOLUME /data /logs",
        'LABEL a=b "c d"=e',
        "USER 1000:1000",
        "STOPSIGNAL SIGQUIT",
        "HEALTHCHECK --interval=30s --retries=3 CMD curl -f http://127.0.0.1/",
        'ENTRYPOINT ["/bin/app"]',
        "CMD serve --port 1",
        "",
      ].join("\n"),
    );
    expect(p.image.config).toMatchObject({
      ExposedPorts: { "80/tcp": {}, "443/udp": {}, "8000/tcp": {}, "8001/tcp": {} },
      Volumes: { "/data": {}, "/logs": {} },
      Labels: { a: "b", "c d": "e" },
      User: "1000:1000",
      StopSignal: "SIGQUIT",
      Entrypoint: ["/bin/app"],
      Cmd: ["/bin/sh", "-c", "serve --port 1"],
      Healthcheck: { Test: ["CMD-SHELL", "curl -f http://127.0.0.1/"], Interval: 30_000_000_000, Retries: 3 },
    });
    expect(p.image.author).toBe("someone");
    const texts = p.image.history.map((h) => h.created_by);
    expect(texts).toContain("EXPOSE [80/tcp 443/udp 8000/tcp 8001/tcp]");
    expect(texts).toContain("VOLUME [/data /logs]");
    expect(texts).toContain('ENTRYPOINT ["/bin/app"]');
    expect(texts).toContain('CMD ["/bin/sh" "-c" "serve --port 1"]');
    expect(texts).toContain("HEALTHCHECK {Test:[CMD-SHELL curl -f http://127.0.0.1/] Interval:30s Timeout:0s StartPeriod:0s StartInterval:0s Retries:3}");
  });

  it("ENTRYPOINT clears an inherited CMD but not one set in the same stage", () => {
    expect(mustPlan('FROM busybox\nENTRYPOINT ["/e"]\n').image.config.Cmd).toBeUndefined();
    expect(mustPlan('FROM busybox\nCMD ["c"]\nENTRYPOINT ["/e"]\n').image.config.Cmd).toEqual(["c"]);
  });

  it("rejects a bad STOPSIGNAL and an EXPOSE out of range with the line", () => {
    const r = planText("FROM busybox\nSTOPSIGNAL SIGNOPE\nEXPOSE 70000\n");
    expect(r.diagnostics.map((d) => [d.range.start.line, d.code])).toEqual([[2, "InvalidSignal"], [3, "InvalidPort"]]);
  });
});

describe("identity", () => {
  it("is deterministic and ignores stage names and labels", () => {
    const a = mustPlan("FROM busybox AS one\nRUN echo hi\nFROM one\nRUN echo there\n");
    const b = mustPlan("FROM busybox AS two\nRUN echo hi\nFROM two\nRUN echo there\n");
    expect(a.vertices.map((v) => v.digest)).toEqual(b.vertices.map((v) => v.digest));
    expect(mustPlan("FROM busybox\nRUN echo hi\n").root).toBe(mustPlan("FROM busybox\nRUN echo hi\n").root);
  });

  it("changes when an ENV value, the base digest or the command changes, and shares identical steps", () => {
    const base = mustPlan("FROM busybox\nENV A=1\nRUN echo hi\n").root;
    expect(mustPlan("FROM busybox\nENV A=2\nRUN echo hi\n").root).not.toBe(base);
    expect(mustPlan("FROM busybox\nENV A=1\nRUN echo ho\n").root).not.toBe(base);
    const p = mustPlan("FROM busybox AS a\nRUN echo same\nFROM busybox AS b\nRUN echo same\nFROM busybox\nCOPY --from=a /x /x\nCOPY --from=b /y /y\n");
    expect(execs(p)).toHaveLength(1);
  });

  it("orders vertices after their inputs", () => {
    const p = mustPlan("FROM busybox AS a\nRUN echo 1\nFROM alpine\nRUN --mount=from=a,target=/m true\nCOPY --from=a /x /x\n");
    const seen = new Set<string>();
    for (const v of p.vertices) {
      for (const i of v.inputs) expect(seen.has(i)).toBe(true);
      seen.add(v.digest);
    }
    const run = execs(p).at(-1) as ExecOp;
    expect(run.mounts[0]).toMatchObject({ type: "bind", input: 1, fromContext: false });
  });

  it("reports every expansion error with its location", () => {
    const r = planText("FROM busybox\nENV A=${B:?needed}\nWORKDIR ${C:?also}\n");
    expect(r.diagnostics.map((d) => d.range.start.line)).toEqual([2, 3]);
  });
});

describe("RUN --mount values with variables", () => {
  it("expands uid, gid and mode after the parser left them raw, and checks them", () => {
    const p = mustPlan("FROM busybox\nARG UID=1000\nARG MODE=0700\nRUN --mount=type=cache,target=/c,uid=$UID,gid=${UID},mode=$MODE true\n");
    expect(execs(p)[0]!.mounts[0]).toMatchObject({ uid: 1000, gid: 1000, mode: 0o700 });
    const bad = planText("FROM busybox\nARG UID=nobody\nRUN --mount=type=cache,target=/c,uid=$UID true\n");
    expect(bad.diagnostics.map((d) => d.message)).toContain('invalid uid value "nobody" in --mount (from "$UID")');
  });
});

describe("RUN --mount=type=ssh", () => {
  it("numbers default agent targets among the step's ssh mounts and points SSH_AUTH_SOCK at the first", () => {
    const p = mustPlan("FROM busybox\nRUN --mount=type=cache,target=/c --mount=type=ssh --mount=type=ssh,id=gh,required --mount=type=ssh,target=/a.sock true\n");
    const op = execs(p)[0]!;
    expect(op.mounts.filter((m) => m.type === "ssh")).toMatchObject([
      { target: "/run/buildkit/ssh_agent.0", secretId: "default", required: false },
      { target: "/run/buildkit/ssh_agent.1", secretId: "gh", required: true },
      { target: "/a.sock", secretId: "default" },
    ]);
    expect(op.env.at(-1)).toBe("SSH_AUTH_SOCK=/run/buildkit/ssh_agent.0");
  });

  it("keeps an SSH_AUTH_SOCK the stage sets, and keeps the socket out of the history", () => {
    const p = mustPlan("FROM busybox\nENV SSH_AUTH_SOCK=/mine\nRUN --mount=type=ssh true\n");
    expect(execs(p)[0]!.env).toContain("SSH_AUTH_SOCK=/mine");
    expect(execs(p)[0]!.env.filter((e) => e.startsWith("SSH_AUTH_SOCK="))).toHaveLength(1);
    expect(p.image.history.at(-1)?.created_by).toBe("RUN /bin/sh -c true # buildkit");
    expect(p.image.config.Env).not.toContainEqual(expect.stringContaining("ssh_agent"));
  });
});

describe("RUN --mount=type=secret naming", () => {
  it("names a secret by source, id or the target's base name, and mounts env= alone as no file", () => {
    const p = mustPlan("FROM busybox\nRUN --mount=type=secret,source=npmrc --mount=type=secret,target=/x/tok --mount=type=secret,id=a,env=A --mount=type=secret,id=b,env=B,target=/b true\n");
    expect(execs(p)[0]!.mounts).toMatchObject([
      { secretId: "npmrc", target: "/run/secrets/npmrc" },
      { secretId: "tok", target: "/x/tok" },
      { secretId: "a", secretEnv: "A", envOnly: true },
      { secretId: "b", secretEnv: "B", target: "/b" },
    ]);
    expect(execs(p)[0]!.mounts[3]).not.toHaveProperty("envOnly");
  });
});
