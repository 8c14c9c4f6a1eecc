import type { FastifyReply, FastifyRequest } from 'fastify';
import { FedgateError } from '@fedgate/core';
import type { AuditTrail } from '@fedgate/flows';
import { OAuthError } from '@fedgate/oauth';
import type { OAuthRateLimit, OAuthRateSubject } from '@fedgate/throttling';
import { oauthNoStore } from './oauth-reply';

/** A handler that sent its own answer (the token-exchange grant does) returns this. */
export const ANSWERED = Symbol('answered');

/** What a handler counts its request against, once it knows the client or the user. */
export interface EndpointLimits {
  /** The OAuth client the request is for (as claimed, or as authenticated where clients have secrets). */
  client(clientId: string): Promise<void>;
  /** The user the request acts for. */
  user(user: { connectorId: string; subject: string }): Promise<void>;
}

/** One endpoint of a front door: how it is named in logs and audit, and how it answers a failure. */
export interface EndpointSpec {
  front: 'oauth' | 'aws-sso';
  /** The endpoint or operation, e.g. `token`, `CreateToken`. */
  endpoint: string;
  /** Answers a failure in the front door's shape (RFC 6749's, or AWS's). */
  refuse(reply: FastifyReply, error: unknown): void;
  /**
   * Whether the request polls for a device code: a refused poll is told to
   * slow down (RFC 8628 section 3.5), which every device client obeys.
   */
  devicePoll?: boolean;
}

/**
 * The one shape of every OAuth and AWS SSO OIDC endpoint (token, device
 * authorization, revocation, client registration): the request is counted
 * against its client address before anything else, the handler counts it
 * against its client and user as it learns them (`oauthRateLimit`,
 * docs/configuration.md), the answer is never cached, and a failure is
 * answered by the front door's own error shape. Refusals by a limit are
 * audited (`oauth_rate_limited`) with the check that refused.
 */
export class OAuthEndpoints {
  constructor(
    private readonly limit: OAuthRateLimit,
    private readonly audit: AuditTrail,
  ) {}

  async serve(
    request: FastifyRequest,
    reply: FastifyReply,
    spec: EndpointSpec,
    handle: (limits: EndpointLimits) => Promise<object | typeof ANSWERED>,
  ): Promise<void> {
    const counted: OAuthRateSubject = { address: request.ip };
    const take = async (subject: OAuthRateSubject): Promise<void> => {
      Object.assign(counted, subject);
      try {
        await this.limit.take(subject);
      } catch (error) {
        auditRateRefusal(this.audit, error, { front: spec.front, endpoint: spec.endpoint }, counted);
        throw error;
      }
    };
    try {
      await take({ address: request.ip });
      const body = await handle({
        client: (clientId) => take({ clientId }),
        user: (user) => take({ user }),
      });
      if (body !== ANSWERED) {
        void oauthNoStore(reply).status(200).send(body);
      }
    } catch (error) {
      spec.refuse(reply, spec.devicePoll === true ? slowDown(reply, error) : error);
    }
  }
}

/**
 * Audits a refusal by an `oauthRateLimit` limit as `oauth_rate_limited`,
 * with the check that refused and what was counted; other errors are the
 * caller's to answer.
 */
export function auditRateRefusal(
  audit: AuditTrail,
  error: unknown,
  where: { front: 'oauth' | 'aws-sso'; endpoint: string; grant?: string },
  counted: OAuthRateSubject,
): void {
  if (!(error instanceof FedgateError) || error.code !== 'rate_limited') {
    return;
  }
  audit.record({
    event: 'oauth_rate_limited',
    outcome: 'rate_limited',
    ...(where.front === 'aws-sso' ? { front: 'aws-sso' } : {}),
    endpoint: where.endpoint,
    ...(where.grant === undefined ? {} : { grant: where.grant }),
    phase: error.phase,
    check: error.detail.check,
    ...(counted.clientId === undefined ? {} : { client: counted.clientId }),
    ...(counted.user === undefined
      ? {}
      : { connector: counted.user.connectorId, subject: counted.user.subject }),
    ...(counted.address === undefined ? {} : { clientAddress: counted.address }),
  });
}

/** A limit's refusal of a device poll as `slow_down`, with when to retry; any other error as it is. */
function slowDown(reply: FastifyReply, error: unknown): unknown {
  if (!(error instanceof FedgateError) || error.code !== 'rate_limited') {
    return error;
  }
  if (error.retryAfterSeconds !== undefined) {
    reply.header('Retry-After', String(error.retryAfterSeconds));
  }
  return new OAuthError('slow_down', error.message);
}
