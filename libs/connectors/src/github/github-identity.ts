import { z } from 'zod';
import { FedgateError, type Identity } from '@fedgate/core';
import type { GithubPhase } from './github-http';

/** `GET /user`: the fields fedgate reads. `id` is the stable subject; a login can be renamed. */
const userShape = z.object({
  id: z.number().int().positive(),
  login: z.string().min(1),
  name: z.string().nullish(),
});
/** `GET /user/emails`. */
const emailShape = z.object({ email: z.string().min(3), primary: z.boolean(), verified: z.boolean() });
/** `GET /user/orgs`. */
const orgShape = z.object({ login: z.string().min(1) });
/** `GET /user/teams`. */
const teamShape = z.object({ slug: z.string().min(1), organization: orgShape });

/** What the GitHub API said about the signed-in user, unchecked (JSON bodies). */
export interface GithubAnswers {
  user: unknown;
  emails: unknown[];
  orgs: unknown[];
  teams: unknown[];
}

/** What identityOf needs besides GitHub's answers. */
export interface GithubIdentityInput {
  connectorId: string;
  /** Organizations whose members may sign in, lowercased; empty admits everyone. */
  requiredOrgs: readonly string[];
  authTime: Date;
}

/** The user, parsed; thrown as `idp_unavailable` when GitHub's answer is not the documented shape. */
export function parseUser(body: unknown, connectorId: string): z.infer<typeof userShape> {
  return parsed(userShape, body, 'github.user', connectorId);
}

/** The organizations the user belongs to, lowercased (GitHub logins ignore case). */
export function parseOrgs(items: readonly unknown[], connectorId: string): string[] {
  return items.map((item) => parsed(orgShape, item, 'github.orgs', connectorId).login.toLowerCase());
}

/**
 * Refuses a user who belongs to none of the required organizations
 * (`not_entitled`, check `required-org`), before teams are even read.
 */
export function checkRequiredOrgs(orgs: readonly string[], input: GithubIdentityInput): void {
  if (input.requiredOrgs.length > 0 && !orgs.some((org) => input.requiredOrgs.includes(org))) {
    throw new FedgateError(
      'not_entitled',
      'Your GitHub account is not a member of an organization that may sign in here',
      {
        phase: 'github.orgs',
        detail: { connector: input.connectorId, check: 'required-org', requiredOrgs: input.requiredOrgs },
      },
    );
  }
}

/**
 * Builds the Identity from GitHub's answers: subject from the numeric user
 * id, username from the login, the primary email only when GitHub has
 * verified it (a user without one is refused, check
 * `verified-primary-email`), groups `org` and `org/team` (lowercased,
 * sorted, from the required organizations only when there are some). GitHub
 * does not say how the user authenticated, so the sign-in never counts as
 * multi-factor.
 */
export function identityOf(answers: GithubAnswers, input: GithubIdentityInput): Identity {
  const user = parseUser(answers.user, input.connectorId);
  const emails = answers.emails.map((item) => parsed(emailShape, item, 'github.emails', input.connectorId));
  const primary = emails.find((email) => email.primary && email.verified);
  if (primary === undefined) {
    throw new FedgateError(
      'assertion_invalid',
      'Your GitHub account has no verified primary email address; verify it at GitHub and sign in again',
      { phase: 'github.emails', detail: { connector: input.connectorId, check: 'verified-primary-email' } },
    );
  }
  const orgs = parseOrgs(answers.orgs, input.connectorId);
  checkRequiredOrgs(orgs, input);
  const teams = answers.teams.map((item) => {
    const team = parsed(teamShape, item, 'github.teams', input.connectorId);
    return { org: team.organization.login.toLowerCase(), slug: team.slug.toLowerCase() };
  });
  const admitted = (org: string) => input.requiredOrgs.length === 0 || input.requiredOrgs.includes(org);
  const groups = [
    ...orgs.filter(admitted),
    ...teams.filter((team) => admitted(team.org)).map((team) => `${team.org}/${team.slug}`),
  ];
  const displayName = user.name ?? '';
  return {
    connectorId: input.connectorId,
    subject: String(user.id),
    username: user.login,
    email: primary.email,
    emailVerified: true,
    ...(displayName === '' ? {} : { displayName }),
    groups: [...new Set(groups)].sort(),
    attributes: {},
    mfa: { satisfied: false, methods: [] },
    authTime: input.authTime.toISOString(),
  };
}

function parsed<T>(shape: z.ZodType<T>, body: unknown, phase: GithubPhase, connectorId: string): T {
  const result = shape.safeParse(body);
  if (!result.success) {
    throw new FedgateError('idp_unavailable', 'GitHub gave an unexpected answer; try again later', {
      phase,
      detail: {
        connector: connectorId,
        check: 'response',
        reason: result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; '),
      },
    });
  }
  return result.data;
}
