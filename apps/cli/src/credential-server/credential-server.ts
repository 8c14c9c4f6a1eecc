import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { IssuedCredentials } from '../commands/broker-api';

export interface CredentialServerOptions {
  /** 0 for any free port. */
  port: number;
  /** Current credentials; called for each request, so it decides when to refresh. */
  credentials: () => Promise<IssuedCredentials>;
  /** Told about failed requests (never with a secret). */
  onError?: (message: string) => void;
}

export interface RunningCredentialServer {
  /** The value for AWS_CONTAINER_CREDENTIALS_FULL_URI. */
  url: string;
  /** The value for AWS_CONTAINER_AUTHORIZATION_TOKEN. */
  token: string;
  close(): Promise<void>;
}

const PATH = '/credentials';
const HOST = '127.0.0.1';

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** Compares digests, so the time taken says nothing about how much of the token was right. */
function tokenMatches(given: string | undefined, token: Buffer): boolean {
  return given !== undefined && timingSafeEqual(digest(given), token);
}

function answer(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  response.end(JSON.stringify(body));
}

/**
 * A credential endpoint in the format of the AWS container credentials
 * provider (what ECS and EKS Pod Identity serve), for tools that do not run
 * credential_process: the SDKs and the AWS CLI read
 * AWS_CONTAINER_CREDENTIALS_FULL_URI and send AWS_CONTAINER_AUTHORIZATION_TOKEN
 * as the Authorization header. It listens on 127.0.0.1 only, answers only
 * GET of its one path with the right token, and only for its own host name
 * (a page in a browser cannot reach it through DNS rebinding).
 */
export async function startCredentialServer(
  options: CredentialServerOptions,
): Promise<RunningCredentialServer> {
  const token = randomBytes(32).toString('base64url');
  const expected = digest(token);
  let allowedHosts = new Set<string>();
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    if (!allowedHosts.has(request.headers.host ?? '')) {
      answer(response, 403, { error: 'forbidden', message: 'wrong Host' });
      return;
    }
    if (request.url !== PATH || request.method !== 'GET') {
      answer(response, 404, { error: 'not_found', message: `only GET ${PATH}` });
      return;
    }
    if (!tokenMatches(request.headers.authorization, expected)) {
      answer(response, 401, { error: 'unauthorized', message: 'missing or wrong Authorization token' });
      return;
    }
    options.credentials().then(
      (credentials) => {
        answer(response, 200, {
          AccessKeyId: credentials.AccessKeyId,
          SecretAccessKey: credentials.SecretAccessKey,
          Token: credentials.SessionToken,
          Expiration: credentials.Expiration,
          ...(credentials.AccountId === undefined ? {} : { AccountId: credentials.AccountId }),
        });
      },
      (error: unknown) => {
        const message = error instanceof Error ? error.message : String(error);
        options.onError?.(message);
        answer(response, 502, { error: 'unavailable', message });
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  allowedHosts = new Set([`${HOST}:${port}`, `localhost:${port}`]);
  return {
    url: `http://${HOST}:${port}${PATH}`,
    token,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => {
          if (error) {
            reject(error);
          } else {
            resolve();
          }
        });
        server.closeAllConnections();
      }),
  };
}
