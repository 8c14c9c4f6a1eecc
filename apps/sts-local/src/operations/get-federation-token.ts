import {
  checkMinimumTokenSize,
  checkPackedSize,
  checkSessionPolicy,
  checkTags,
  checkTokenDuration,
  packedPolicySize,
  requireFederatedUserName,
} from '../sts/limits';
import { StsError } from '../sts/sts-error';
import { credentialsElement, signedCaller, tokenMetrics, type Operation } from './operation';

/**
 * GetFederationToken: a federated user `ACCOUNT:Name` from an IAM user's
 * long-term keys. Name 2–32 `[\w+=,.@-]`, 900–129600 s (default 43200),
 * session policy and tags within AWS's limits; tags cannot be transitive.
 */
export const getFederationToken: Operation = (context) => {
  const caller = signedCaller(context);
  if (caller.kind !== 'user') {
    throw new StsError('AccessDenied', 'Cannot call GetFederationToken with session credentials');
  }
  const { params } = context;
  const name = requireFederatedUserName(params);
  const duration = checkTokenDuration(params.get('DurationSeconds'));
  const policy = checkSessionPolicy(params);
  const tags = checkTags(params);
  const packed = checkPackedSize(packedPolicySize(policy, tags));
  const arn = `arn:${context.directory.partition}:sts::${caller.accountId}:federated-user/${name}`;
  const expiresAt = context.now + duration * 1000;
  const issued = context.store.issue(
    {
      ...caller,
      kind: 'federated-user',
      arn,
      userId: `${caller.accountId}:${name}`,
      principalTags: tags,
      transitiveTags: {},
      mfaAuthenticated: false,
      expiresAt,
      issuedBy: 'GetFederationToken',
    },
    context.now,
    checkMinimumTokenSize(params.get('MinimumSessionTokenSize')),
  );
  const sentPolicyOrTags =
    policy.policy !== undefined || policy.policyArns.length > 0 || Object.keys(tags).length > 0;
  return {
    Credentials: credentialsElement(issued),
    FederatedUser: { FederatedUserId: `${caller.accountId}:${name}`, Arn: arn },
    PackedPolicySize: sentPolicyOrTags ? packed : undefined,
    ...tokenMetrics(issued, packed),
  };
};
