import { GetFederationTokenCommand, type GetFederationTokenCommandInput } from '@aws-sdk/client-sts';
import { FedgateError } from '@fedgate/core';
import type { FederationTokenPlan } from '@fedgate/mapping';
import { fromStsCredentials, type IssuedCredentials } from '../issued-credentials';
import type { ModeIssuer } from '../mode-issuer';
import type { StsClients } from '../sts-client';
import { mapStsError, STS_PHASES } from '../sts-errors';

/** GetFederationToken's Name: 2–32 of `[\w+=,.@-]` (docs/issuance.md). */
const FEDERATED_USER_NAME = /^[\w+=,.@-]{2,32}$/;

const PHASE = STS_PHASES.GetFederationToken;

/**
 * Mode federation-token: the backend's IAM user calls GetFederationToken
 * with its long-term keys, named after the user, with the permission set's
 * session policies (the session can do exactly what both the IAM user's
 * policy and these allow) and its session tags. Such credentials cannot
 * call AssumeRole, and their tags are never transitive (the plan of this
 * mode has no transitive keys).
 */
export class FederationTokenIssuer implements ModeIssuer<FederationTokenPlan> {
  constructor(private readonly clients: StsClients) {}

  /**
   * The GetFederationToken parameters of a plan, read from the plan alone.
   * The config requires a policy for this mode; it is checked again here,
   * with the Name, so a request that would issue a powerless session never
   * leaves.
   */
  static request(plan: FederationTokenPlan): GetFederationTokenCommandInput {
    const name = plan.federatedUserName;
    const detail = { backend: plan.backendId, permissionSet: plan.permissionSet };
    if (!FEDERATED_USER_NAME.test(name)) {
      throw new FedgateError(
        'internal',
        'GetFederationToken needs a federated user name of 2–32 characters',
        { phase: PHASE, detail: { ...detail, federatedUserName: name } },
      );
    }
    if (plan.policy === undefined && plan.policyArns.length === 0) {
      throw new FedgateError(
        'internal',
        `Permission set "${plan.permissionSet}" has no session policy: GetFederationToken would issue a session that can do nothing`,
        { phase: PHASE, detail },
      );
    }
    return {
      Name: name,
      DurationSeconds: plan.duration.seconds,
      ...(plan.policy === undefined ? {} : { Policy: plan.policy }),
      ...(plan.policyArns.length === 0 ? {} : { PolicyArns: plan.policyArns.map((arn) => ({ arn })) }),
      ...(plan.sessionTags.length === 0
        ? {}
        : { Tags: plan.sessionTags.map((tag) => ({ Key: tag.key, Value: tag.value })) }),
    };
  }

  async issue(plan: FederationTokenPlan): Promise<IssuedCredentials> {
    const { backend, client } = this.clients.get(plan.backendId);
    const request = FederationTokenIssuer.request(plan);
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
    if (arnAccount !== undefined && arnAccount !== plan.accountId) {
      throw new FedgateError(
        'internal',
        `GetFederationToken issued credentials for account ${arnAccount}, not ${plan.accountId}`,
        { phase: PHASE, detail: { backend: backend.id, federatedUserArn: arn, account: plan.accountId } },
      );
    }
    return fromStsCredentials(
      response.Credentials,
      { accountId: plan.accountId, kind: 'federated-user', arn },
      {
        phase: PHASE,
        detail: {
          backend: backend.id,
          federatedUserName: request.Name,
          awsRequestId: response.$metadata.requestId,
        },
      },
    );
  }
}
