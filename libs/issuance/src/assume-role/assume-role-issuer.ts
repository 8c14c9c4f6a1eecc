import { AssumeRoleCommand, type AssumeRoleCommandInput } from '@aws-sdk/client-sts';
import type { Identity } from '@fedgate/core';
import type { Entitlement } from '@fedgate/mapping';
import { fromStsCredentials, type IssuedCredentials } from './issued-credentials';
import type { ModeIssuer } from './mode-issuer';
import type { StsClients } from './sts-client';
import { mapStsError } from './sts-errors';

/** The shortest session AssumeRole accepts (DESIGN §6.1). */
export const MIN_SESSION_SECONDS = 900;

/**
 * Issues credentials for an entitlement by calling AssumeRole with the
 * broker's own credentials, through the backend's shared SDK client (its
 * timeouts and retries are the client's, sts-client.ts).
 */
export class AssumeRoleIssuer implements ModeIssuer {
  constructor(private readonly clients: StsClients) {}

  /**
   * Clamps the requested duration to what the entitlement allows: never
   * longer than the permission set, never shorter than AWS's minimum.
   */
  static plannedDuration(entitlement: Entitlement, requestedSeconds?: number): number {
    // The mapping's plan already weighed the request against every limit (role maximum, chaining).
    if (entitlement.durationPlan !== undefined && requestedSeconds === undefined) {
      return entitlement.durationPlan.seconds;
    }
    const allowed = entitlement.durationPlan?.seconds ?? entitlement.sessionDurationSeconds;
    if (requestedSeconds === undefined) {
      return allowed;
    }
    return Math.max(MIN_SESSION_SECONDS, Math.min(requestedSeconds, allowed));
  }

  /**
   * The AssumeRole parameters for an entitlement, built only from the
   * mapping's validated values: tags, transitive keys, SourceIdentity, the
   * inline and managed session policies, the account's ExternalId. Empty
   * lists are left out.
   */
  static request(entitlement: Entitlement, requestedSeconds?: number): AssumeRoleCommandInput {
    const tags = entitlement.sessionTags ?? [];
    const transitive = entitlement.transitiveTagKeys ?? [];
    const policyArns = entitlement.policyArns ?? [];
    return {
      RoleArn: entitlement.roleArn,
      RoleSessionName: entitlement.roleSessionName,
      SourceIdentity: entitlement.sourceIdentity,
      DurationSeconds: AssumeRoleIssuer.plannedDuration(entitlement, requestedSeconds),
      ...(tags.length === 0 ? {} : { Tags: tags.map((tag) => ({ Key: tag.key, Value: tag.value })) }),
      ...(transitive.length === 0 ? {} : { TransitiveTagKeys: transitive }),
      ...(entitlement.policy === undefined ? {} : { Policy: entitlement.policy }),
      ...(policyArns.length === 0 ? {} : { PolicyArns: policyArns.map((arn) => ({ arn })) }),
      ...(entitlement.externalId === undefined ? {} : { ExternalId: entitlement.externalId }),
    };
  }

  async issue(
    entitlement: Entitlement,
    _identity: Identity,
    requestedSeconds?: number,
  ): Promise<IssuedCredentials> {
    const { backend, client } = this.clients.get(entitlement.backendId);
    const request = AssumeRoleIssuer.request(entitlement, requestedSeconds);
    let response;
    try {
      response = await client.send(new AssumeRoleCommand(request));
    } catch (error) {
      throw mapStsError(error, {
        backendId: backend.id,
        operation: 'AssumeRole',
        roleArn: entitlement.roleArn,
        sentTags: request.Tags !== undefined,
        sentSourceIdentity: request.SourceIdentity !== undefined,
        sentExternalId: request.ExternalId !== undefined,
        retryMaxDelayMs: backend.retryMaxDelayMs,
      });
    }
    return fromStsCredentials(
      response.Credentials,
      { accountId: entitlement.accountId, kind: 'role', arn: response.AssumedRoleUser?.Arn },
      { backend: backend.id, roleArn: entitlement.roleArn, awsRequestId: response.$metadata.requestId },
    );
  }
}
