import { evaluateCondition } from './condition-operators';
import type { PolicyDocument, PolicyStatement, PrincipalSet } from './policy-document';

/** Who asks to assume the role, as a trust policy's Principal sees it. */
export type TrustPrincipal =
  | {
      kind: 'aws';
      partition: string;
      accountId: string;
      /** Every ARN that names the caller: a user's ARN, or a role's ARN and its session's ARN. */
      arns: readonly string[];
    }
  | { kind: 'federated'; provider: string };

/** One evaluation: the principal, the actions that must all be allowed, and the request context. */
export interface TrustRequest {
  principal: TrustPrincipal;
  actions: readonly string[];
  /** Condition keys (lower-cased) to their values; a single-valued key has one. */
  context: Readonly<Record<string, readonly string[]>>;
}

/** Allowed, or the first action that was not allowed and whether an explicit Deny did it. */
export type TrustDecision = { allowed: true } | { allowed: false; action: string; explicitDeny: boolean };

function principalMatches(set: PrincipalSet, principal: TrustPrincipal): boolean {
  if (set.any) {
    return true;
  }
  if (principal.kind === 'federated') {
    return set.federated.includes(principal.provider);
  }
  const root = `arn:${principal.partition}:iam::${principal.accountId}:root`;
  return set.aws.some(
    (entry) =>
      entry === '*' || entry === principal.accountId || entry === root || principal.arns.includes(entry),
  );
}

function actionMatches(patterns: readonly string[], action: string): boolean {
  // Action names are case-insensitive in IAM; `*` and `?` are wildcards.
  return patterns.some((pattern) => {
    const body = pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.');
    return new RegExp(`^${body}$`, 'i').test(action);
  });
}

function statementApplies(statement: PolicyStatement, request: TrustRequest, action: string): boolean {
  if (statement.principal && !principalMatches(statement.principal, request.principal)) {
    return false;
  }
  if (statement.notPrincipal && principalMatches(statement.notPrincipal, request.principal)) {
    return false;
  }
  if (statement.actions && !actionMatches(statement.actions, action)) {
    return false;
  }
  if (statement.notActions && actionMatches(statement.notActions, action)) {
    return false;
  }
  return statement.conditions.every((test) =>
    evaluateCondition(test.operator, test.values, request.context[test.key]),
  );
}

/**
 * Evaluates a role's trust policy for every requested action (AssumeRole
 * plus TagSession and SetSourceIdentity when the request needs them). The
 * IAM rule: an explicit Deny beats any Allow; without a matching Allow the
 * answer is an implicit deny. Policy variables (`${aws:username}`) are not
 * substituted: such values are compared literally.
 */
export function evaluateTrustPolicy(policy: PolicyDocument, request: TrustRequest): TrustDecision {
  for (const action of request.actions) {
    const applying = policy.statements.filter((statement) => statementApplies(statement, request, action));
    if (applying.some((statement) => statement.effect === 'Deny')) {
      return { allowed: false, action, explicitDeny: true };
    }
    if (!applying.some((statement) => statement.effect === 'Allow')) {
      return { allowed: false, action, explicitDeny: false };
    }
  }
  return { allowed: true };
}
