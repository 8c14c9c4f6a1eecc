import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '@fedgate/logging';
import type { SigV4Verifier } from '../auth/sigv4-verifier';
import type { StsLocalConfig } from '../config/sts-local-config';
import { assumeRole } from '../operations/assume-role';
import { getCallerIdentity } from '../operations/get-caller-identity';
import { getFederationToken } from '../operations/get-federation-token';
import { getSessionToken } from '../operations/get-session-token';
import type { Operation } from '../operations/operation';
import type { CredentialStore } from '../sts/credential-store';
import type { Directory } from '../sts/directory';
import { newRequestId } from '../sts/identifiers';
import { QueryParams } from '../sts/query-params';
import { StsError } from '../sts/sts-error';
import type { RequestThrottle } from './request-throttle';
import { errorXml, successXml } from '../sts/xml';
import { readBody } from './read-body';

/** The STS API version every request names (docs/sts-local.md). */
export const STS_VERSION = '2011-06-15';

/** Operations that need a SigV4 signature. */
const SIGNED_OPERATIONS: Readonly<Record<string, Operation>> = {
  AssumeRole: assumeRole,
  GetCallerIdentity: getCallerIdentity,
  GetSessionToken: getSessionToken,
  GetFederationToken: getFederationToken,
};

/** Operations that are unsigned (the token or assertion is the credential). */
export type UnsignedOperations = Readonly<Record<string, Operation>>;

/** What the STS handler needs, and nothing more. */
export interface StsHandlerDeps {
  config: StsLocalConfig;
  directory: Directory;
  store: CredentialStore;
  verifier: SigV4Verifier;
  unsigned: UnsignedOperations;
  logger: Logger;
  now: () => number;
  /** Present when the config turns throttling on. */
  throttle?: RequestThrottle;
}

function isFormBody(request: IncomingMessage): boolean {
  const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  // Clients send `application/x-www-form-urlencoded`, with or without `; charset=utf-8`.
  return type === '' || type === 'application/x-www-form-urlencoded';
}

function send(response: ServerResponse, status: number, requestId: string, xml: string): void {
  response.writeHead(status, {
    'content-type': 'text/xml',
    'x-amzn-requestid': requestId,
    date: new Date().toUTCString(),
    'content-length': Buffer.byteLength(xml),
  });
  response.end(xml);
}

/**
 * Serves the STS Query API: parses the form, verifies the signature of
 * signed actions, runs the operation and answers with AWS's XML. Every
 * failure is an STS error document; unexpected ones are InternalFailure
 * (500) and logged without request data.
 */
export function createStsHandler(deps: StsHandlerDeps) {
  return async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const requestId = newRequestId();
    const started = Date.now();
    let action: string | undefined;
    let accessKeyId: string | undefined;
    try {
      const read = await readBody(request, deps.config.server.maxBodyBytes);
      if (!read.ok) {
        throw new StsError(
          'ValidationError',
          `Request body is larger than ${deps.config.server.maxBodyBytes} bytes`,
        );
      }
      const url = request.url ?? '/';
      const question = url.indexOf('?');
      const params = new QueryParams(
        new URLSearchParams(question < 0 ? '' : url.slice(question + 1)),
        ...(request.method === 'POST' && isFormBody(request)
          ? [new URLSearchParams(read.body.toString('utf8'))]
          : []),
      );
      action = params.get('Action');
      const version = params.get('Version');
      // Own properties only: `Action=toString` must not find Object.prototype.toString.
      const own = (table: Readonly<Record<string, Operation>>): Operation | undefined =>
        action !== undefined && Object.hasOwn(table, action) ? table[action] : undefined;
      const signed = own(SIGNED_OPERATIONS);
      const unsigned = own(deps.unsigned);
      const unknownAction = () =>
        new StsError(
          'InvalidAction',
          `Could not find operation ${action ?? ''} for version ${version ?? ''}`,
        );
      const context = {
        params,
        region: deps.config.regions[0] ?? 'us-east-1',
        sourceIp: request.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '0.0.0.0',
        now: deps.now(),
        directory: deps.directory,
        store: deps.store,
      };
      let result;
      if (unsigned !== undefined) {
        if (version !== STS_VERSION) {
          throw unknownAction();
        }
        deps.throttle?.take(`address:${context.sourceIp}`, context.now);
        result = await unsigned(context);
      } else {
        const verified = await deps.verifier.verify({
          method: request.method ?? 'GET',
          url,
          rawHeaders: request.rawHeaders,
          body: read.body,
        });
        accessKeyId = verified.credentials.accessKeyId;
        if (signed === undefined || version !== STS_VERSION) {
          throw unknownAction();
        }
        if (!deps.config.regions.includes(verified.region)) {
          throw new StsError(
            'RegionDisabledException',
            `STS is not activated in this region for account:${verified.credentials.caller.accountId}. Your account ` +
              'administrator can activate STS in this region using the IAM Console.',
          );
        }
        deps.throttle?.take(`key:${verified.credentials.accessKeyId}`, context.now);
        result = await signed({ ...context, caller: verified.credentials.caller, region: verified.region });
      }
      send(response, 200, requestId, successXml(action ?? '', result, requestId));
      deps.logger.info(
        { requestId, action, accessKeyId, status: 200, ms: Date.now() - started },
        'sts request',
      );
    } catch (error) {
      const stsError =
        error instanceof StsError
          ? error
          : new StsError('InternalFailure', 'We encountered an internal error. Please try again.');
      if (!(error instanceof StsError)) {
        deps.logger.error({ requestId, action, err: error }, 'sts-local failed on a request');
      }
      send(response, stsError.status, requestId, errorXml(stsError, requestId));
      deps.logger.info(
        {
          requestId,
          action,
          accessKeyId,
          status: stsError.status,
          code: stsError.code,
          ms: Date.now() - started,
        },
        'sts request refused',
      );
    }
  };
}
