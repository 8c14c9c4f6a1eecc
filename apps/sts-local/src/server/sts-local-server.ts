import { RequestThrottle } from './request-throttle';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger, type Logger } from '@fedgate/logging';
import { SigV4Verifier } from '../auth/sigv4-verifier';
import type { StsLocalConfig } from '../config/sts-local-config';
import { FederationEndpoint } from '../console/federation-endpoint';
import { CredentialStore } from '../sts/credential-store';
import { Directory } from '../sts/directory';
import { createAssumeRoleWithSaml } from '../saml/assume-role-with-saml';
import { SamlProviders } from '../saml/saml-providers';
import { createAssumeRoleWithWebIdentity } from '../web-identity/assume-role-with-web-identity';
import { OidcProviders } from '../web-identity/oidc-providers';
import { createStsHandler } from './sts-handler';

/** How to run sts-local; every field has a default. */
export interface StsLocalOptions {
  /** Overrides `server.port`; 0 picks a free port. */
  port?: number;
  /** Overrides `server.host`. */
  host?: string;
  logger?: Logger;
  /** The clock, for tests of expiry and clock skew. */
  now?: () => number;
}

/** A listening sts-local. */
export interface RunningStsLocal {
  /** `http://HOST:PORT`, the endpoint to give an STS client and the federation base URL. */
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Starts sts-local: the STS Query API on `/`, the console federation
 * endpoint on `/federation`, and `/healthz`. Usable embedded in tests
 * (`{ port: 0 }`) and from the command line (main.ts).
 */
export async function startStsLocal(
  config: StsLocalConfig,
  options: StsLocalOptions = {},
): Promise<RunningStsLocal> {
  const logger = (options.logger ?? createLogger({ level: config.logging.level })).child({
    component: 'sts-local',
  });
  const now = options.now ?? Date.now;
  const directory = new Directory(config);
  const store = new CredentialStore(directory);
  const sts = createStsHandler({
    config,
    directory,
    store,
    verifier: new SigV4Verifier(store, now),
    unsigned: {
      AssumeRoleWithWebIdentity: createAssumeRoleWithWebIdentity(new OidcProviders(config)),
      AssumeRoleWithSAML: createAssumeRoleWithSaml(new SamlProviders(config)),
    },
    logger,
    now,
    ...(config.throttling === undefined ? {} : { throttle: new RequestThrottle(config.throttling) }),
  });
  const federation = new FederationEndpoint(store, config.partition, logger, now);

  const route = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const path = (request.url ?? '/').split('?')[0];
    if (path === '/federation') {
      federation.handle(request, response);
    } else if (path === '/healthz') {
      response.writeHead(200, { 'content-type': 'text/plain' });
      response.end('ok\n');
    } else if (path === '/') {
      await sts(request, response);
    } else {
      response.writeHead(404, { 'content-type': 'text/plain' });
      response.end('not found\n');
    }
  };
  const server = createServer((request, response) => {
    route(request, response).catch((error: unknown) => {
      logger.error({ err: error, path: (request.url ?? '/').split('?')[0] }, 'sts-local request failed');
      if (!response.headersSent) {
        response.writeHead(500, { 'content-type': 'text/plain' });
      }
      response.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? config.server.port, options.host ?? config.server.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
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
