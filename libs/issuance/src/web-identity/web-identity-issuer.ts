import {
  AssumeRoleWithWebIdentityCommand,
  type AssumeRoleWithWebIdentityCommandInput,
  type STSClient,
} from '@aws-sdk/client-sts';
import type { BackendConfig } from '@fedgate/config';
import { FedgateError, type Identity } from '@fedgate/core';
import type { Entitlement } from '@fedgate/mapping';
import { AssumeRoleIssuer } from '../assume-role-issuer';
import { fromStsCredentials, type IssuedCredentials } from '../issued-credentials';
import type { ModeIssuer } from '../mode-issuer';
import { mapStsError } from '../sts-errors';
import { createUnsignedStsClient } from './unsigned-sts-client';
import type { WebIdentityTokenSigner } from './web-identity-token';

/**
 * Mode web-identity: fedgate signs a short-lived JWT for the user (tags and
 * SourceIdentity in its AWS claims) and trades it for role credentials with
 * an unsigned AssumeRoleWithWebIdentity. The broker holds no AWS
 * credentials, and the session is not role chaining.
 */
export class WebIdentityIssuer implements ModeIssuer {
  private readonly clients = new Map<string, STSClient>();
  private readonly backends = new Map<string, BackendConfig>();

  constructor(
    backends: readonly BackendConfig[],
    private readonly signer: WebIdentityTokenSigner,
    clientFactory: (backend: BackendConfig) => STSClient = createUnsignedStsClient,
  ) {
    for (const backend of backends) {
      this.backends.set(backend.id, backend);
      this.clients.set(backend.id, clientFactory(backend));
    }
  }

  /**
   * The request for an entitlement and a signed token. No Tags,
   * TransitiveTagKeys or SourceIdentity parameters exist for this call:
   * they travel in the token.
   */
  static request(
    entitlement: Entitlement,
    webIdentityToken: string,
    requestedSeconds?: number,
  ): AssumeRoleWithWebIdentityCommandInput {
    const policyArns = entitlement.policyArns ?? [];
    return {
      RoleArn: entitlement.roleArn,
      RoleSessionName: entitlement.roleSessionName,
      WebIdentityToken: webIdentityToken,
      DurationSeconds: AssumeRoleIssuer.plannedDuration(entitlement, requestedSeconds),
      ...(entitlement.policy === undefined ? {} : { Policy: entitlement.policy }),
      ...(policyArns.length === 0 ? {} : { PolicyArns: policyArns.map((arn) => ({ arn })) }),
    };
  }

  async issue(
    entitlement: Entitlement,
    identity: Identity,
    requestedSeconds?: number,
  ): Promise<IssuedCredentials> {
    const context = { roleArn: entitlement.roleArn, backendId: entitlement.backendId };
    if (entitlement.mode !== undefined && entitlement.mode !== 'web-identity') {
      throw new FedgateError('internal', 'This entitlement is not issued by web identity', {
        detail: { ...context, mode: entitlement.mode },
      });
    }
    if (entitlement.roleArn === '') {
      throw new FedgateError('internal', 'Web identity needs a role to assume', { detail: context });
    }
    const client = this.clients.get(entitlement.backendId);
    if (!client) {
      throw new FedgateError('internal', 'No STS backend is configured for this account', {
        detail: { backend: entitlement.backendId },
      });
    }
    const signed = await this.signer.sign(entitlement, identity);
    let response;
    try {
      response = await client.send(
        new AssumeRoleWithWebIdentityCommand(
          WebIdentityIssuer.request(entitlement, signed.token, requestedSeconds),
        ),
      );
    } catch (error) {
      const backend = this.backends.get(entitlement.backendId);
      throw mapStsError(error, {
        ...context,
        operation: 'AssumeRoleWithWebIdentity',
        sentTags: (entitlement.sessionTags ?? []).length > 0,
        sentSourceIdentity: entitlement.sourceIdentity !== '',
        ...(backend === undefined ? {} : { retryMaxDelayMs: backend.retryMaxDelayMs }),
      });
    }
    const issued = fromStsCredentials(
      response.Credentials,
      { accountId: entitlement.accountId, kind: 'role', arn: response.AssumedRoleUser?.Arn },
      context,
    );
    return { ...issued, webIdentityToken: { id: signed.jti, keyId: signed.kid } };
  }

  /** Releases the SDK clients' sockets. */
  close(): void {
    for (const client of this.clients.values()) {
      client.destroy();
    }
  }
}
