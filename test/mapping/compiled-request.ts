import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { AssumeRoleIssuer } from '@fedgate/issuance';
import type { ResolvedEntitlement } from '@fedgate/mapping';

/** The AssumeRole request exactly as the issuer builds it from what the mapping compiled. */
export function assumeRoleRequest(entitlement: ResolvedEntitlement): AssumeRoleCommand {
  return new AssumeRoleCommand(AssumeRoleIssuer.request(entitlement));
}
