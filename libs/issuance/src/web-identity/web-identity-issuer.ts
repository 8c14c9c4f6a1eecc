import {
  AssumeRoleWithWebIdentityCommand,
  type AssumeRoleWithWebIdentityCommandInput,
  type STSClient,
} from '@aws-sdk/client-sts';
import type { BackendConfig } from '@fedgate/mapping';
import { FedgateError, type Identity } from '@fedgate/core';
import type { WebIdentityPlan } from '@fedgate/mapping';
import { fromStsCredentials, type IssuedCredentials } from '../issued-credentials';
import type { ModeIssuer } from '../mode-issuer';
import { mapStsError, STS_PHASES } from '../sts-errors';
import { JWKS_PATH } from './discovery';
import { createUnsignedStsClient } from './unsigned-sts-client';
import type { WebIdentityTokenSigner } from './web-identity-token';

/**
 * Mode web-identity: fedgate signs a short-lived JWT for the user (tags and
 * SourceIdentity in its AWS claims) and trades it for role credentials with
 * an unsigned AssumeRoleWithWebIdentity. The broker holds no AWS
 * credentials, and the session is not role chaining.
 */
const PHASE = STS_PHASES.AssumeRoleWithWebIdentity;

export class WebIdentityIssuer implements ModeIssuer<WebIdentityPlan> {
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
   * The request for a plan and a signed token, read from the plan alone. No
   * Tags, TransitiveTagKeys or SourceIdentity parameters exist for this
   * call: they travel in the token.
   */
  static request(plan: WebIdentityPlan, webIdentityToken: string): AssumeRoleWithWebIdentityCommandInput {
    return {
      RoleArn: plan.roleArn,
      RoleSessionName: plan.roleSessionName,
      WebIdentityToken: webIdentityToken,
      DurationSeconds: plan.duration.seconds,
      ...(plan.policy === undefined ? {} : { Policy: plan.policy }),
      ...(plan.policyArns.length === 0 ? {} : { PolicyArns: plan.policyArns.map((arn) => ({ arn })) }),
    };
  }

  async issue(plan: WebIdentityPlan, identity: Identity): Promise<IssuedCredentials> {
    const context = { roleArn: plan.roleArn, backendId: plan.backendId };
    if (plan.roleArn === '') {
      throw new FedgateError('internal', 'Web identity needs a role to assume', {
        phase: PHASE,
        detail: context,
      });
    }
    const client = this.clients.get(plan.backendId);
    if (!client) {
      throw new FedgateError('internal', 'No STS backend is configured for this account', {
        phase: PHASE,
        detail: { backend: plan.backendId },
      });
    }
    const signed = await this.signer.sign(plan, identity);
    let response;
    try {
      response = await client.send(
        new AssumeRoleWithWebIdentityCommand(WebIdentityIssuer.request(plan, signed.token)),
      );
    } catch (error) {
      const backend = this.backends.get(plan.backendId);
      const mapped = mapStsError(error, {
        ...context,
        operation: 'AssumeRoleWithWebIdentity',
        sentTags: plan.sessionTags.length > 0,
        sentSourceIdentity: plan.sourceIdentity !== '',
        ...(backend === undefined ? {} : { retryMaxDelayMs: backend.retryMaxDelayMs }),
      });
      throw this.explainUnverifiedToken(mapped, plan);
    }
    const issued = fromStsCredentials(
      response.Credentials,
      { accountId: plan.accountId, kind: 'role', arn: response.AssumedRoleUser?.Arn },
      { phase: PHASE, detail: context },
    );
    return { ...issued, webIdentityToken: { id: signed.jti, keyId: signed.kid } };
  }

  /**
   * STS's InvalidIdentityToken, said in words a user can act on. Most often
   * STS holds fedgate's keys from before a restart: with no configured
   * signing key, each start makes a new one, and STS refetches jwks.json
   * only after its cache or cooldown (docs/web-identity.md#errors).
   */
  private explainUnverifiedToken(mapped: FedgateError, plan: WebIdentityPlan): FedgateError {
    const awsError = mapped.detail.awsError;
    if (awsError !== 'InvalidIdentityToken' && awsError !== 'InvalidIdentityTokenException') {
      return mapped;
    }
    const jwks = `${this.signer.settings.issuer.replace(/\/$/, '')}${JWKS_PATH}`;
    const message = this.signer.signsWithEphemeralKey
      ? `STS could not verify fedgate's token for ${plan.roleArn}: this broker signs with a key it made when it ` +
        `started (issuance.webIdentity.signingKeys is empty), and STS still knows only the keys it fetched ` +
        `from ${jwks} before. Try again in a minute, once STS fetches the new key; configure signingKeys so ` +
        'that restarts keep the key'
      : `STS could not verify fedgate's token for ${plan.roleArn}: it found no key of ${jwks} that ` +
        "verifies it. Check the IAM OIDC provider for fedgate's issuer; a key added to signingKeys is used " +
        'only once STS has fetched it (publish a new key before it signs)';
    return new FedgateError(mapped.code, message, {
      detail: { ...mapped.detail, ephemeralSigningKey: this.signer.signsWithEphemeralKey },
      cause: mapped.cause,
      ...(mapped.phase === undefined ? {} : { phase: mapped.phase }),
    });
  }

  /** Releases the SDK clients' sockets. */
  close(): void {
    for (const client of this.clients.values()) {
      client.destroy();
    }
  }
}
