import type { Caller } from '../sts/caller';

/** What a request adds to the condition context beyond the caller. */
export interface RequestFacts {
  tags: Record<string, string>;
  transitiveTagKeys: readonly string[];
  externalId?: string;
  sourceIdentity?: string;
  roleSessionName?: string;
  mfa: boolean;
  sourceIp: string;
  region: string;
  now: number;
}

const PRINCIPAL_TYPE = {
  user: 'User',
  'user-session': 'User',
  'assumed-role': 'AssumedRole',
  'federated-user': 'FederatedUser',
} as const;

/**
 * The condition keys of an STS request (IAM's global keys plus sts:*),
 * lower-cased because IAM matches condition keys case-insensitively.
 * `aws:MultiFactorAuthPresent` is absent for long-term keys, as in AWS, so
 * `BoolIfExists` policies behave as they do there.
 */
export function trustContext(caller: Caller | undefined, facts: RequestFacts): Record<string, string[]> {
  const context: Record<string, string[]> = {
    'aws:currenttime': [new Date(facts.now).toISOString()],
    'aws:epochtime': [String(Math.floor(facts.now / 1000))],
    'aws:sourceip': [facts.sourceIp],
    'aws:securetransport': ['false'],
    'aws:requestedregion': [facts.region],
    'aws:tagkeys': Object.keys(facts.tags),
  };
  for (const [key, value] of Object.entries(facts.tags)) {
    context[`aws:requesttag/${key.toLowerCase()}`] = [value];
  }
  if (facts.transitiveTagKeys.length > 0) {
    context['sts:transitivetagkeys'] = [...facts.transitiveTagKeys];
  }
  if (facts.externalId !== undefined) {
    context['sts:externalid'] = [facts.externalId];
  }
  if (facts.sourceIdentity !== undefined) {
    context['sts:sourceidentity'] = [facts.sourceIdentity];
  }
  if (facts.roleSessionName !== undefined) {
    context['sts:rolesessionname'] = [facts.roleSessionName];
  }
  if (caller !== undefined) {
    context['aws:principalarn'] = [caller.role?.role.arn ?? caller.arn];
    context['aws:principalaccount'] = [caller.accountId];
    context['aws:principaltype'] = [PRINCIPAL_TYPE[caller.kind]];
    context['aws:userid'] = [caller.userId];
    if (caller.kind === 'user' || caller.kind === 'user-session') {
      context['aws:username'] = [caller.user?.config.name ?? ''];
    }
    if (caller.kind !== 'user' || facts.mfa) {
      context['aws:multifactorauthpresent'] = [String(facts.mfa)];
    }
    for (const [key, value] of Object.entries(caller.principalTags)) {
      context[`aws:principaltag/${key.toLowerCase()}`] = [value];
    }
  }
  return context;
}
