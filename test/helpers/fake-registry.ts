// An in-process registry on node:http for protocol edge cases a real registry will not produce:
// corrupt blobs, redirects to other hosts, oversized manifests, flaky 5xx answers.
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** Recorded is one request a fake server saw. */
export interface Recorded {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
}

/** FakeServer is a running fake: `host:port`, every request seen, and stop(). */
export interface FakeServer {
  readonly host: string;
  readonly requests: Recorded[];
  stop(): Promise<void>;
}

/** startFake serves handler on address (default 127.0.0.1) at a free port. */
export async function startFake(handler: (req: IncomingMessage, res: ServerResponse) => void, address = "127.0.0.1"): Promise<FakeServer> {
  const requests: Recorded[] = [];
  const server = createServer((req, res) => {
    requests.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers });
    handler(req, res);
  });
  await new Promise<void>((r) => server.listen(0, address, r));
  const host = `${address}:${(server.address() as AddressInfo).port}`;
  return {
    host,
    requests,
    stop: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
