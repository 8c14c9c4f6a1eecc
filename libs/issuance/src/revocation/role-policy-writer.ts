import { GetRolePolicyCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { EXAMPLE_REGION, type Partition } from '@fedgate/aws';
import {
  type DenyOlderSessionsPolicy,
  policyDocumentJson,
  type RoleTarget,
  roleTarget,
} from './deny-older-sessions-policy';

/** What happened on one role. */
export type RolePolicyOutcome =
  | { roleArn: string; status: 'applied'; roleName: string; accountId: string }
  | { roleArn: string; status: 'kept'; roleName: string; accountId: string; reason: string }
  | { roleArn: string; status: 'failed'; reason: string };

/** Builds the IAM client of a partition; the default uses the SDK's default credential chain. */
export type IamClientFactory = (partition: Partition) => IAMClient;

/**
 * An IAM client for the partition's global IAM endpoint, with the SDK's
 * default credential chain (environment, profile, SSO, instance role …):
 * the credentials of whoever runs it, never the broker's. The SDK's own
 * `AWS_ENDPOINT_URL_IAM` moves it (to moto in tests).
 */
export function defaultIamClient(partition: Partition): IAMClient {
  return new IAMClient({ region: EXAMPLE_REGION[partition] });
}

/** The `aws:TokenIssueTime` a deny-older-sessions document denies before, if it is one. */
function deniedBefore(documentText: string): number | undefined {
  let text = documentText;
  try {
    // IAM answers the document URL-encoded (RFC 3986); moto answers it as it was put.
    text = decodeURIComponent(documentText);
  } catch {
    // Not URL-encoded: read as is.
  }
  try {
    const document = JSON.parse(text) as {
      Statement?: { Condition?: { DateLessThan?: Record<string, unknown> } }[];
    };
    const value = document.Statement?.[0]?.Condition?.DateLessThan?.['aws:TokenIssueTime'];
    const time = typeof value === 'string' ? Date.parse(value) : Number.NaN;
    return Number.isNaN(time) ? undefined : time;
  } catch {
    return undefined;
  }
}

function describeError(error: unknown): string {
  if (error instanceof Error) {
    return error.name === 'Error' ? error.message : `${error.name}: ${error.message}`;
  }
  return String(error);
}

/** The instant the role's policy of that name already denies before, when it has one. */
async function existingInstant(
  client: IAMClient,
  target: RoleTarget,
  policyName: string,
): Promise<number | undefined> {
  try {
    const answer = await client.send(
      new GetRolePolicyCommand({ RoleName: target.roleName, PolicyName: policyName }),
    );
    return answer.PolicyDocument === undefined ? undefined : deniedBefore(answer.PolicyDocument);
  } catch {
    // No such policy yet, or no iam:GetRolePolicy permission: PutRolePolicy decides.
    return undefined;
  }
}

async function applyToRole(
  client: IAMClient,
  target: RoleTarget,
  policy: DenyOlderSessionsPolicy,
): Promise<RolePolicyOutcome> {
  const { roleArn, roleName, accountId } = target;
  const instant = Date.parse(policy.document.Statement[0].Condition.DateLessThan['aws:TokenIssueTime']);
  const existing = await existingInstant(client, target, policy.policyName);
  // Replacing a later instant with an earlier one would let sessions a later revocation ended back in.
  if (existing !== undefined && existing >= instant) {
    return {
      roleArn,
      status: 'kept',
      roleName,
      accountId,
      reason: `${policy.policyName} already denies sessions issued before ${new Date(existing).toISOString()}`,
    };
  }
  try {
    await client.send(
      new PutRolePolicyCommand({
        RoleName: roleName,
        PolicyName: policy.policyName,
        PolicyDocument: policyDocumentJson(policy),
      }),
    );
    return { roleArn, status: 'applied', roleName, accountId };
  } catch (error) {
    return { roleArn, status: 'failed', reason: describeError(error) };
  }
}

/**
 * Puts the deny-older-sessions policy on every role, one after the other,
 * and reports each: applied, kept (the role's policy of that name already
 * denies a later instant, so it is not moved back), or failed with IAM's
 * reason. An ARN that is not an IAM role ARN fails without any call; one
 * role failing does not stop the others. Never throws for a role.
 */
export async function applyDenyOlderSessions(
  roleArns: readonly string[],
  policy: DenyOlderSessionsPolicy,
  clientFor: IamClientFactory = defaultIamClient,
): Promise<RolePolicyOutcome[]> {
  const clients = new Map<Partition, IAMClient>();
  const outcomes: RolePolicyOutcome[] = [];
  try {
    for (const roleArn of roleArns) {
      const parsed = roleTarget(roleArn);
      if (!parsed.ok) {
        outcomes.push({ roleArn, status: 'failed', reason: parsed.problem });
        continue;
      }
      const { partition } = parsed.target;
      const client = clients.get(partition) ?? clientFor(partition);
      clients.set(partition, client);
      outcomes.push(await applyToRole(client, parsed.target, policy));
    }
  } finally {
    for (const client of clients.values()) {
      client.destroy();
    }
  }
  return outcomes;
}
