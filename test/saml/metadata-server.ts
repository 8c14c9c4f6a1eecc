/**
 * A loopback HTTP server that serves IdP metadata the way an IdP's
 * metadata URL does, and can be told to start failing (an error status,
 * bad XML, a document signed by someone else) and to recover: what a SAML
 * connector's scheduled refresh meets in production.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface MetadataServer {
  url: string;
  /** What the next requests get. */
  serve(answer: { status?: number; body: string }): void;
  /** Requests answered so far. */
  readonly requests: number;
  stop(): Promise<void>;
}

export async function startMetadataServer(initial: {
  status?: number;
  body: string;
}): Promise<MetadataServer> {
  let answer = initial;
  let requests = 0;
  const server: Server = createServer((_request, reply) => {
    requests += 1;
    reply.statusCode = answer.status ?? 200;
    reply.setHeader('content-type', 'application/samlmetadata+xml');
    reply.end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/metadata`,
    serve(next) {
      answer = next;
    },
    get requests() {
      return requests;
    },
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}
