import { GetFederationTokenCommand, type GetFederationTokenCommandInput } from '@aws-sdk/client-sts';
import { FedgateError, type Identity } from '@fedgate/core';
import type { Entitlement } from '@fedgate/mapping';
import { AssumeRoleIssuer } from './assume-role-issuer';
import { fromStsCredentials, type IssuedCredentials } from './issued-credentials';
import type { ModeIssuer } from './mode-issuer';
import type { StsClients } from './sts-client';
import { mapStsError } from './sts-errors';

/** GetFederationToken's Name: 2–32 of `[\w+=,.@-]` (DESIGN §6.1). */
const FEDERATED_USER_NAME = /^[\w+=,.@-]{2,32}$/;

/**
 * Issues credentials for a permission set in mode federation-token: the
 * backend's IAM user calls GetFederationToken with its long-term keys, named
 * after the user, with the permission set's session policies (the session
 * can do exactly what both the IAM user's policy and these allow) and its
 * session tags. Such credentials cannot call AssumeRole, and their tags are
 * never transitive.
 */
export class FederationTokenIssuer implements ModeIssuer {
  constructor(private readonly clients: StsClients) {}

  /**
   * The GetFederationToken parameters for an entitlement, from the mapping's
   * validated values. The config requires a policy for this mode and the
   * mapping's budget refuses transitive keys; both are checked again here,
   * so a request that would issue a powerless session, or silently drop
   * transitive keys, never leaves.
   */
  static request(entitlement: Entitlement, requestedSeconds?: number): GetFederationTokenCommandInput {
    const name = entitlement.federatedUserName;
    const tags = entitlement.sessionTags ?? [];
    const policyArns = entitlement.policyArns ?? [];
    const detail = { backend: entitlement.backendId, permissionSet: entitlement.permissionSet };
    if (name === undefined || !FEDERATED_USER_NAME.test(name)) {
      throw new FedgateError(
        'internal',
        'GetFederationToken needs a federated user name of 2–32 characters',
        {
          detail: { ...detail, federatedUserName: name },
        },
      );
    }
    if (entitlement.policy === undefined && policyArns.length === 0) {
      throw new FedgateError(
        'internal',
        `Permission set "${entitlement.permissionSet}" has no session policy: GetFederationToken would issue a session that can do nothing`,
        { detail },
      );
    }
    if ((entitlement.transitiveTagKeys ?? []).length > 0) {
      throw new FedgateError(
        'internal',
        `Permission set "${entitlement.permissionSet}" names transitive tag keys, which GetFederationToken does not accept`,
        { detail },
      );
    }
    return {
      Name: name,
      DurationSeconds: AssumeRoleIssuer.plannedDuration(entitlement, requestedSeconds),
      ...(entitlement.policy === undefined ? {} : { Policy: entitlement.policy }),
      ...(policyArns.length === 0 ? {} : { PolicyArns: policyArns.map((arn) => ({ arn })) }),
      ...(tags.length === 0 ? {} : { Tags: tags.map((tag) => ({ Key: tag.key, Value: tag.value })) }),
    };
  }

  async issue(
    entitlement: Entitlement,
    _identity: Identity,
    requestedSeconds?: number,
  ): Promise<IssuedCredentials> {
    const { backend, client } = this.clients.get(entitlement.backendId);
    const request = FederationTokenIssuer.request(entitlement, requestedSeconds);
    let response;
    try {
      response = await client.send(new GetFederationTokenCommand(request));
    } catch (error) {
      throw mapStsError(error, {
        backendId: backend.id,
        operation: 'GetFederationToken',
        ...(request.Name === undefined ? {} : { federatedUserName: request.Name }),
        sentTags: request.Tags !== undefined,
        retryMaxDelayMs: backend.retryMaxDelayMs,
      });
    }
    // The federated user lives in the account of the backend's IAM user: it must be the account asked for.
    const arn = response.FederatedUser?.Arn;
    const arnAccount = arn === undefined ? undefined : /^arn:[^:]+:sts::(\d{12}):/.exec(arn)?.[1];
    if (arnAccount !== undefined && arnAccount !== entitlement.accountId) {
      throw new FedgateError(
        'internal',
        `GetFederationToken issued credentials for account ${arnAccount}, not ${entitlement.accountId}`,
        { detail: { backend: backend.id, federatedUserArn: arn, account: entitlement.accountId } },
      );
    }
    return fromStsCredentials(
      response.Credentials,
      { accountId: entitlement.accountId, kind: 'federated-user', arn },
      { backend: backend.id, federatedUserName: request.Name, awsRequestId: response.$metadata.requestId },
    );
  }
}
