import { createHash, randomBytes } from "node:crypto";
import { constants as fsc } from "node:fs";
import { mkdir, open, readdir, rename, stat, unlink, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { Readable, Transform, type TransformCallback } from "node:stream";
import { hexOf, isDigest, parseDigest, type Digest } from "../core/digest.js";
import { DigestMismatchError, NotFoundError, SizeMismatchError, StoreError } from "./errors.js";

/** BlobInfo names a stored blob by digest and size in bytes. */
export interface BlobInfo {
  readonly digest: Digest;
  readonly size: number;
}

/** BlobExpectation is what a writer knows in advance: the descriptor it is fetching, if any. */
export interface BlobExpectation {
  readonly digest?: Digest;
  readonly size?: number;
}

/** BlobSource is anything that yields the blob's bytes in order. */
export type BlobSource = Uint8Array | AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

/** fsyncDir makes a rename or unlink in dir durable. */
export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, fsc.O_RDONLY | fsc.O_DIRECTORY);
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** tempName is `<pid>-<random>.tmp`; fsck uses the pid to tell a live writer's file from a stray one. */
function tempName(): string {
  return `${process.pid}-${randomBytes(8).toString("hex")}.tmp`;
}

/**
 * BlobStore is the content-addressed blob area of a store root: `<root>/blobs/sha256/<hex>`.
 * Every blob enters through {@link BlobStore.write}, the one commit protocol (temp file under
 * `<root>/tmp/`, hash while writing, fsync, verify size and digest, rename into place, fsync the
 * directory), so nothing ever exists under a digest's name unless its bytes have that digest.
 * Reads verify too: {@link BlobStore.open} hashes while streaming and fails at the end.
 */
export class BlobStore {
  readonly root: string;
  readonly blobDir: string;
  readonly tmpDir: string;

  constructor(root: string) {
    this.root = root;
    this.blobDir = join(root, "blobs", "sha256");
    this.tmpDir = join(root, "tmp");
  }

  /** path returns where a digest's blob lives; the digest is re-checked so no string reaches the filesystem unvalidated. */
  path(digest: Digest): string {
    return join(this.blobDir, hexOf(parseDigest(digest)));
  }

  /** stat returns the blob's size, or undefined when it is not stored. */
  async stat(digest: Digest): Promise<BlobInfo | undefined> {
    try {
      const st = await stat(this.path(digest));
      return { digest, size: st.size };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw err;
    }
  }

  /** has reports whether the blob is stored. */
  async has(digest: Digest): Promise<boolean> {
    return (await this.stat(digest)) !== undefined;
  }

  /**
   * write commits a blob by the one commit protocol and returns its digest and size. With an
   * expectation, a size or digest that differs fails the write (naming both digests) and nothing
   * is committed; the temp file is always removed on failure. Concurrent writers of the same blob
   * are safe: each writes its own temp file, and rename replaces identical bytes atomically.
   */
  async write(source: BlobSource, expected: BlobExpectation = {}): Promise<BlobInfo> {
    const tmp = join(this.tmpDir, tempName());
    const fh = await this.createTemp(tmp);
    let committed = false;
    try {
      const hash = createHash("sha256");
      let size = 0;
      const chunks = source instanceof Uint8Array ? [source] : source;
      const batch = new WriteBatcher(fh);
      for await (const chunk of chunks) {
        size += chunk.byteLength;
        if (expected.size !== undefined && size > expected.size) {
          throw new SizeMismatchError(expected.digest ?? "(blob)", expected.size, size, "blob");
        }
        hash.update(chunk);
        await batch.add(chunk);
      }
      await batch.finish();
      await fh.sync();
      await fh.close();
      const digest = `sha256:${hash.digest("hex")}` as Digest;
      if (expected.size !== undefined && size !== expected.size) {
        throw new SizeMismatchError(expected.digest ?? digest, expected.size, size, "blob");
      }
      if (expected.digest !== undefined && digest !== expected.digest) {
        throw new DigestMismatchError(expected.digest, digest, "blob");
      }
      await rename(tmp, this.path(digest)).catch(async (err: NodeJS.ErrnoException) => {
        if (err.code !== "ENOENT") throw err;
        await mkdir(this.blobDir, { recursive: true }); // a temp dir was there, the blob dir not yet
        await rename(tmp, this.path(digest));
      });
      committed = true;
      await fsyncDir(this.blobDir);
      return { digest, size };
    } finally {
      if (!committed) {
        await fh.close().catch(() => undefined); // already closed on the success path; a second close is expected to fail
        await unlink(tmp).catch(() => undefined); // the temp file may not exist if open failed midway; nothing else to undo
      }
    }
  }

  /** createTemp creates the temp file `tmp`, making the store's blob and temp directories first when they are missing. */
  private async createTemp(tmp: string): Promise<FileHandle> {
    try {
      return await open(tmp, "wx", 0o644);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
    await mkdir(this.blobDir, { recursive: true });
    await mkdir(this.tmpDir, { recursive: true });
    return open(tmp, "wx", 0o644);
  }

  /**
   * open returns a stream of the blob's bytes that hashes while streaming. After the last byte
   * (so only once the consumer has drained it) the stream errors with DigestMismatchError or
   * SizeMismatchError naming the digest if the bytes are not what the name promises. The caller
   * owns the stream and must consume or destroy it.
   */
  async open(digest: Digest, expectedSize?: number): Promise<Readable> {
    let fh;
    try {
      fh = await open(this.path(digest), "r");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") throw new NotFoundError(`blob ${digest} is not in the store at ${this.root}`);
      throw err;
    }
    const file = fh.createReadStream();
    const verifier = verifyingStream(digest, expectedSize);
    file.on("error", (err) => verifier.destroy(err));
    verifier.on("close", () => file.destroy());
    return file.pipe(verifier);
  }

  /**
   * readAll reads a whole blob into memory, refusing blobs over maxBytes, and verifies its
   * digest (DigestMismatchError) and, when given, its size (SizeMismatchError). One open, one
   * read and one hash: cheaper than a stream for the small JSON objects it is meant for.
   */
  async readAll(digest: Digest, maxBytes: number, expectedSize?: number): Promise<Buffer> {
    let fh: FileHandle;
    try {
      fh = await open(this.path(digest), "r");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") throw new NotFoundError(`blob ${digest} is not in the store at ${this.root}`);
      throw err;
    }
    let bytes: Buffer;
    try {
      const { size } = await fh.stat();
      if (size > maxBytes) throw new StoreError(`blob ${digest} is ${size} bytes, over the ${maxBytes}-byte limit for this kind of object`);
      // One byte more than stat saw: a blob that grew meanwhile then fails verification too.
      bytes = Buffer.allocUnsafe(size + 1);
      let got = 0;
      for (let n = -1; n !== 0 && got < bytes.length; got += n) n = (await fh.read(bytes, got, bytes.length - got, got)).bytesRead;
      bytes = bytes.subarray(0, got);
    } finally {
      await fh.close();
    }
    if (expectedSize !== undefined && bytes.length !== expectedSize) throw new SizeMismatchError(digest, expectedSize, bytes.length, "blob");
    const actual = `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
    if (actual !== digest) throw new DigestMismatchError(digest, actual, "blob");
    return bytes;
  }

  /** list yields every stored blob digest; names that are not digests are skipped (fsck reports them). */
  async list(): Promise<Digest[]> {
    let names: string[];
    try {
      names = await readdir(this.blobDir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw err;
    }
    return names.map((n) => `sha256:${n}`).filter(isDigest);
  }

  /** delete removes a blob; a blob already gone is not an error. */
  async delete(digest: Digest): Promise<void> {
    try {
      await unlink(this.path(digest));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
  }
}

/** WRITE_BATCH_BYTES is how much a blob write gathers before one writev. */
const WRITE_BATCH_BYTES = 1024 * 1024;

/**
 * WriteBatcher turns many small chunks (network reads are often 16-64 KiB) into few writev
 * calls, with one write in flight while the next batch gathers: at most two batches are held.
 */
class WriteBatcher {
  private pending: Uint8Array[] = [];
  private bytes = 0;
  private inflight: Promise<void> = Promise.resolve();

  constructor(private readonly fh: FileHandle) {}

  /** add queues a chunk (which the caller must not change afterwards), writing a batch once enough has gathered. */
  async add(chunk: Uint8Array): Promise<void> {
    this.pending.push(chunk);
    this.bytes += chunk.byteLength;
    if (this.bytes >= WRITE_BATCH_BYTES) await this.flush();
  }

  /** finish writes what is left and waits for every write. */
  async finish(): Promise<void> {
    await this.flush();
    await this.inflight;
  }

  private async flush(): Promise<void> {
    const bufs = this.pending;
    this.pending = [];
    this.bytes = 0;
    const bytes = bufs.reduce((n, b) => n + b.byteLength, 0);
    await this.inflight;
    if (bufs.length === 0) return;
    this.inflight = this.fh.writev(bufs).then(({ bytesWritten }) => {
      if (bytesWritten !== bytes) throw new StoreError(`short write to a blob's temp file (${bytesWritten} of ${bytes} bytes); is the disk full?`);
    });
    this.inflight.catch(() => undefined); // awaited by the next flush or finish(), which rethrow it
  }
}

/** verifyingStream passes bytes through and fails at the end if they do not hash to digest (or have another size). */
export function verifyingStream(digest: Digest, expectedSize?: number): Transform {
  const hash = createHash("sha256");
  let size = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, cb: TransformCallback) {
      hash.update(chunk);
      size += chunk.byteLength;
      cb(null, chunk);
    },
    flush(cb: TransformCallback) {
      const actual = `sha256:${hash.digest("hex")}`;
      if (expectedSize !== undefined && size !== expectedSize) cb(new SizeMismatchError(digest, expectedSize, size, "blob"));
      else if (actual !== digest) cb(new DigestMismatchError(digest, actual, "blob"));
      else cb();
    },
  });
}
