import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import type { ResolvedEntitlement } from '@fedgate/mapping';

/** The AssumeRole request exactly as the mapping compiled it (what the issuer will send). */
export function assumeRoleRequest(entitlement: ResolvedEntitlement): AssumeRoleCommand {
  return new AssumeRoleCommand({
    RoleArn: entitlement.roleArn,
    RoleSessionName: entitlement.roleSessionName,
    SourceIdentity: entitlement.sourceIdentity,
    DurationSeconds: entitlement.durationPlan.seconds,
    Tags: entitlement.sessionTags.map((tag) => ({ Key: tag.key, Value: tag.value })),
    TransitiveTagKeys: entitlement.transitiveTagKeys,
    Policy: entitlement.policy,
    PolicyArns: entitlement.policyArns.map((arn) => ({ arn })),
  });
}
