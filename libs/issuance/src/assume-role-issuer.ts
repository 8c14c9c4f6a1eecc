import { AssumeRoleCommand, type AssumeRoleCommandInput, type STSClient } from '@aws-sdk/client-sts';
import type { BackendConfig } from '@fedgate/config';
import { FedgateError } from '@fedgate/core';
import type { Entitlement } from '@fedgate/mapping';
import type { IssuedCredentials } from './issued-credentials';
import { createStsClient } from './sts-client';
import { mapStsError } from './sts-errors';

/** The shortest session AssumeRole accepts (DESIGN §6.1). */
export const MIN_SESSION_SECONDS = 900;

/**
 * Issues credentials for an entitlement by calling AssumeRole with the
 * broker's own credentials. One SDK client per backend, built once.
 */
export class AssumeRoleIssuer {
  private readonly clients = new Map<string, STSClient>();

  constructor(
    backends: readonly BackendConfig[],
    clientFactory: (backend: BackendConfig) => STSClient = createStsClient,
  ) {
    for (const backend of backends) {
      this.clients.set(backend.id, clientFactory(backend));
    }
  }

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
   * inline and managed session policies. Empty lists are left out.
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
    };
  }

  async issue(entitlement: Entitlement, requestedSeconds?: number): Promise<IssuedCredentials> {
    const client = this.clients.get(entitlement.backendId);
    if (!client) {
      throw new FedgateError('internal', 'No STS backend is configured for this account', {
        detail: { backend: entitlement.backendId },
      });
    }
    const context = { roleArn: entitlement.roleArn, backendId: entitlement.backendId };
    let response;
    try {
      response = await client.send(
        new AssumeRoleCommand(AssumeRoleIssuer.request(entitlement, requestedSeconds)),
      );
    } catch (error) {
      throw mapStsError(error, context);
    }
    const credentials = response.Credentials;
    if (
      !credentials?.AccessKeyId ||
      !credentials.SecretAccessKey ||
      !credentials.SessionToken ||
      !credentials.Expiration
    ) {
      throw new FedgateError('upstream_unavailable', 'The STS backend returned no credentials', {
        detail: context,
      });
    }
    return {
      accessKeyId: credentials.AccessKeyId,
      secretAccessKey: credentials.SecretAccessKey,
      sessionToken: credentials.SessionToken,
      expiration: credentials.Expiration,
      accountId: entitlement.accountId,
      kind: 'role',
      ...(response.AssumedRoleUser?.Arn === undefined
        ? {}
        : { assumedRoleArn: response.AssumedRoleUser.Arn }),
    };
  }

  /** Releases the SDK clients' sockets. */
  close(): void {
    for (const client of this.clients.values()) {
      client.destroy();
    }
  }
}
