import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { connect, createServer, type TLSSocket } from 'node:tls';

/** LDAPv3 protocol operations a client sends (RFC 4511 application tags). */
const OPERATIONS: Record<number, string> = {
  0x60: 'bind',
  0x42: 'unbind',
  0x63: 'search',
  0x77: 'extended',
  0x50: 'abandon',
};

/** One request a client sent, on the n-th connection the proxy accepted (from 1). */
export interface CountedRequest {
  connection: number;
  operation: string;
}

/** A TLS-terminating proxy in front of slapd's ldaps port that records every LDAP request. */
export interface CountingLdapProxy {
  readonly url: string;
  /** Connections accepted since the last reset (each one a TLS handshake with the directory). */
  connections(): number;
  requests(): CountedRequest[];
  /** Forgets what was counted (connection numbers keep counting up). */
  reset(): void;
  /** Cuts every open connection, as a directory's idle timeout or restart does. */
  cutAll(): void;
  /**
   * Cuts the connection that sends the `nth` next request of this operation
   * (1: the next one), before the directory sees it: a connection lost just
   * as it is used.
   */
  cutAt(operation: string, nth?: number): void;
  close(): Promise<void>;
}

/** The length of a BER element starting at `offset`, header included, or undefined when incomplete. */
function elementLength(buffer: Buffer, offset: number): { header: number; body: number } | undefined {
  const first = buffer[offset + 1];
  if (first === undefined) {
    return undefined;
  }
  if (first < 0x80) {
    return { header: 2, body: first };
  }
  const bytes = first & 0x7f;
  if (offset + 2 + bytes > buffer.length) {
    return undefined;
  }
  let body = 0;
  for (let index = 0; index < bytes; index += 1) {
    body = body * 256 + (buffer[offset + 2 + index] ?? 0);
  }
  return { header: 2 + bytes, body };
}

/**
 * Starts the proxy on 127.0.0.1 with the given certificate (from the
 * harness's test CA), forwarding over TLS to `target` (slapd's ldaps URL).
 */
export async function startCountingLdapProxy(
  target: string,
  targetCaFile: string,
  certificate: { certFile: string; keyFile: string },
): Promise<CountingLdapProxy> {
  const upstream = new URL(target);
  const ca = readFileSync(targetCaFile);
  let accepted = 0;
  let countedFrom = 0;
  let requests: CountedRequest[] = [];
  const open = new Set<TLSSocket>();
  let cut: { operation: string; remaining: number } | undefined;
  const server = createServer(
    { cert: readFileSync(certificate.certFile), key: readFileSync(certificate.keyFile) },
    (client) => {
      accepted += 1;
      const connection = accepted;
      const directory = connect({ host: upstream.hostname, port: Number(upstream.port), ca });
      open.add(client);
      open.add(directory);
      let pending = Buffer.alloc(0);
      client.on('data', (chunk: Buffer) => {
        pending = Buffer.concat([pending, chunk]);
        // Each LDAPMessage: SEQUENCE { messageID INTEGER, protocolOp [APPLICATION n] ... }.
        for (;;) {
          const message = elementLength(pending, 0);
          if (message === undefined || pending.length < message.header + message.body) {
            break;
          }
          const id = elementLength(pending, message.header);
          const tag = id === undefined ? undefined : pending[message.header + id.header + id.body];
          const operation = OPERATIONS[tag ?? -1] ?? `0x${(tag ?? 0).toString(16)}`;
          requests.push({ connection, operation });
          pending = pending.subarray(message.header + message.body);
          if (cut?.operation === operation && --cut.remaining === 0) {
            cut = undefined;
            client.destroy();
            directory.destroy();
            return;
          }
        }
        directory.write(chunk);
      });
      directory.pipe(client);
      const end = (): void => {
        open.delete(client);
        open.delete(directory);
        client.destroy();
        directory.destroy();
      };
      client.on('close', end);
      directory.on('close', end);
      client.on('error', end);
      directory.on('error', end);
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `ldaps://127.0.0.1:${port}`,
    connections: () => accepted - countedFrom,
    requests: () => [...requests],
    reset: () => {
      countedFrom = accepted;
      requests = [];
    },
    cutAll: () => {
      for (const socket of open) {
        socket.destroy();
      }
    },
    cutAt: (operation, nth = 1) => {
      cut = { operation, remaining: nth };
    },
    close: async () => {
      for (const socket of open) {
        socket.destroy();
      }
      await new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      );
    },
  };
}
