import { AssumeRoleCommand, type AssumeRoleCommandInput } from '@aws-sdk/client-sts';
import type { AssumeRolePlan } from '@fedgate/mapping';
import { fromStsCredentials, type IssuedCredentials } from '../issued-credentials';
import type { ModeIssuer } from '../mode-issuer';
import type { StsClients } from '../sts-client';
import { mapStsError, STS_PHASES } from '../sts-errors';

/**
 * Mode assume-role: AssumeRole with the broker's own credentials, through
 * the backend's shared SDK client (its timeouts and retries are the
 * client's, sts-client.ts).
 */
export class AssumeRoleIssuer implements ModeIssuer<AssumeRolePlan> {
  constructor(private readonly clients: StsClients) {}

  /**
   * The AssumeRole parameters of a plan, read from the plan alone: role,
   * session name, SourceIdentity, the planned duration, tags, transitive
   * keys, the inline and managed session policies and the ExternalId.
   * Empty lists are left out.
   */
  static request(plan: AssumeRolePlan): AssumeRoleCommandInput {
    return {
      RoleArn: plan.roleArn,
      RoleSessionName: plan.roleSessionName,
      SourceIdentity: plan.sourceIdentity,
      DurationSeconds: plan.duration.seconds,
      ...(plan.sessionTags.length === 0
        ? {}
        : { Tags: plan.sessionTags.map((tag) => ({ Key: tag.key, Value: tag.value })) }),
      ...(plan.transitiveTagKeys.length === 0 ? {} : { TransitiveTagKeys: [...plan.transitiveTagKeys] }),
      ...(plan.policy === undefined ? {} : { Policy: plan.policy }),
      ...(plan.policyArns.length === 0 ? {} : { PolicyArns: plan.policyArns.map((arn) => ({ arn })) }),
      ...(plan.externalId === undefined ? {} : { ExternalId: plan.externalId }),
    };
  }

  async issue(plan: AssumeRolePlan): Promise<IssuedCredentials> {
    const { backend, client } = this.clients.get(plan.backendId);
    const request = AssumeRoleIssuer.request(plan);
    let response;
    try {
      response = await client.send(new AssumeRoleCommand(request));
    } catch (error) {
      throw mapStsError(error, {
        backendId: backend.id,
        operation: 'AssumeRole',
        roleArn: plan.roleArn,
        sentTags: request.Tags !== undefined,
        sentSourceIdentity: request.SourceIdentity !== undefined,
        sentExternalId: request.ExternalId !== undefined,
        retryMaxDelayMs: backend.retryMaxDelayMs,
      });
    }
    return fromStsCredentials(
      response.Credentials,
      { accountId: plan.accountId, kind: 'role', arn: response.AssumedRoleUser?.Arn },
      {
        phase: STS_PHASES.AssumeRole,
        detail: { backend: backend.id, roleArn: plan.roleArn, awsRequestId: response.$metadata.requestId },
      },
    );
  }
}
