import { type Command, InvalidArgumentError, Option } from 'commander';
import { parseDurationSeconds } from '@fedgate/core';
import {
  applyDenyOlderSessions,
  type DenyOlderSessionsPolicy,
  type DenyOlderSessionsScope,
  denyOlderSessionsPolicy,
  policyDocumentJson,
  type RolePolicyOutcome,
  roleTarget,
} from '@fedgate/issuance';
import type { CliIo, CommandContext } from '../cli-io';
import { shellCommandLine } from '../aws-config/shell-words';
import { BrokerApi, BrokerRequestError } from './broker-api';
import { brokerUrlOption, withVersion } from './command-options';

/** The longest block the broker takes: 7 days. */
export const MAX_BLOCK_SECONDS = 604_800;
/** The longest reason the broker takes. */
export const MAX_REASON_LENGTH = 200;

/** Exit code when the broker revoked but the AWS side failed for at least one role. */
export const AWS_SIDE_FAILED = 3;

export interface RevokeOptions {
  user: string;
  connector?: string;
  block?: number;
  reason?: string;
  awsPolicy?: 'print' | 'apply';
  /** role when absent. */
  awsScope?: DenyOlderSessionsScope;
  /** More role ARNs for the AWS side, beside the answer's. */
  role?: string[];
  json?: boolean;
  url?: string;
}

/** The broker's answer to `POST /api/v1/admin/revoke`. */
export interface RevokeAnswer {
  user: string;
  sessionsEnded: number;
  tokensRevoked: number;
  cachedCredentialsPurged: number;
  issuedBefore: string;
  blockedUntil: string | null;
  roles: string[];
  /**
   * The SourceIdentity values of the credentials the user may still hold:
   * what `--aws-scope source-identity` needs. Absent from older brokers' answers.
   */
  sourceIdentities?: string[];
}

/** `--block`: `0` (no block), `900`, `30m`, `2h`, `1d`, up to 7 days. */
export function parseBlockOption(value: string): number {
  const seconds = parseDurationSeconds(value);
  if (seconds === undefined || seconds > MAX_BLOCK_SECONDS) {
    throw new InvalidArgumentError('expected a duration from 0 to 7d, such as 30m, 2h or 1d');
  }
  return seconds;
}

/** `--reason`: 1 to 200 characters of text, without control characters (it goes to the audit trail). */
export function parseReasonOption(value: string): string {
  if (value.trim() === '' || value.length > MAX_REASON_LENGTH) {
    throw new InvalidArgumentError(`expected 1 to ${MAX_REASON_LENGTH} characters`);
  }
  if (/\p{Cc}/u.test(value)) {
    throw new InvalidArgumentError('a reason has no control characters (newlines, tabs, escapes)');
  }
  return value;
}

function nonEmpty(label: string): (value: string) => string {
  return (value) => {
    if (value.trim() === '') {
      throw new InvalidArgumentError(`expected a ${label}`);
    }
    return value;
  };
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

function isTime(value: unknown): value is string {
  return typeof value === 'string' && !Number.isNaN(Date.parse(value));
}

/** Checks the broker's answer has every field, so nothing half-shaped is printed or acted on. */
export function isRevokeAnswer(value: unknown): value is RevokeAnswer {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return false;
  }
  const answer = value as Record<string, unknown>;
  return (
    typeof answer.user === 'string' &&
    isCount(answer.sessionsEnded) &&
    isCount(answer.tokensRevoked) &&
    isCount(answer.cachedCredentialsPurged) &&
    isTime(answer.issuedBefore) &&
    (answer.blockedUntil === null || isTime(answer.blockedUntil)) &&
    Array.isArray(answer.roles) &&
    answer.roles.every((role) => typeof role === 'string') &&
    (answer.sourceIdentities === undefined ||
      (Array.isArray(answer.sourceIdentities) &&
        answer.sourceIdentities.every((identity) => typeof identity === 'string')))
  );
}

/** `--role`, repeatable: each ARN once, in the order given. */
export function collectRole(value: string, previous: string[] = []): string[] {
  return previous.includes(value) ? previous : [...previous, value];
}

/**
 * The roles the AWS side acts on: the answer's (those of the sessions and
 * logins the revocation ended) and any named with `--role`, each once.
 */
export function awsRoles(answer: RevokeAnswer, extra: readonly string[] = []): string[] {
  return [...new Set([...answer.roles, ...extra])];
}

/** The request body: only the options given. */
export function revokeRequest(options: RevokeOptions): Record<string, unknown> {
  return {
    user: options.user,
    ...(options.connector === undefined ? {} : { connector: options.connector }),
    ...(options.block === undefined ? {} : { blockSeconds: options.block }),
    ...(options.reason === undefined ? {} : { reason: options.reason }),
  };
}

function listOrNone(values: readonly string[]): string {
  return values.length === 0 ? 'none' : values.join('\n' + ' '.repeat(29));
}

/** The human summary of a revocation. */
export function revocationSummary(answer: RevokeAnswer): string {
  const rows: [string, string][] = [
    ['sessions ended', String(answer.sessionsEnded)],
    ['CLI tokens revoked', String(answer.tokensRevoked)],
    ['cached credentials purged', String(answer.cachedCredentialsPurged)],
    ['AWS sessions issued before', answer.issuedBefore],
    ['issuance blocked until', answer.blockedUntil ?? 'not blocked'],
    ['roles', listOrNone(answer.roles)],
    ['source identities', listOrNone(answer.sourceIdentities ?? [])],
  ];
  return `revoked ${answer.user}\n${rows.map(([label, value]) => `  ${label.padEnd(27)}${value}`).join('\n')}\n`;
}

/** One deny-older-sessions policy of the AWS side, or why a source identity gets none. */
export type ScopedPolicy =
  | { ok: true; sourceIdentity?: string; policy: DenyOlderSessionsPolicy }
  | { ok: false; sourceIdentity: string; problem: string };

/**
 * The policies the AWS side puts on each role: for `role`, the one that
 * denies every session issued before the revocation; for `source-identity`,
 * one per source identity the answer names
 * (`FedgateRevokeOlderSessions-<source identity>`), each denying only the
 * sessions with that SourceIdentity. A source identity AWS would not have
 * accepted (2–64 characters of `[\w+=,.@-]`, the policy-name characters
 * too, so a name stays within IAM's 128) gets no policy: no session can
 * carry it, and nothing is built from it.
 */
export function scopedPolicies(answer: RevokeAnswer, scope: DenyOlderSessionsScope): ScopedPolicy[] {
  if (scope === 'role') {
    return [{ ok: true, policy: denyOlderSessionsPolicy(answer.issuedBefore) }];
  }
  return [...new Set(answer.sourceIdentities ?? [])].map((sourceIdentity) => {
    try {
      return {
        ok: true,
        sourceIdentity,
        policy: denyOlderSessionsPolicy(answer.issuedBefore, sourceIdentity),
      };
    } catch (error) {
      return { ok: false, sourceIdentity, problem: error instanceof Error ? error.message : String(error) };
    }
  });
}

/** Said when the answer names no source identity: `--aws-scope source-identity` has nothing to deny. */
export function noSourceIdentityNote(answer: RevokeAnswer): string {
  return answer.sourceIdentities === undefined
    ? "the broker's answer has no sourceIdentities (the broker is older than this command), so no policy was " +
        'printed or applied; --aws-scope role denies every older session of the roles instead'
    : `the broker's answer names no source identity for ${answer.user}: it knows of no credentials issued to them ` +
        'with a SourceIdentity that may still be valid, so no policy was printed or applied';
}

/** What `--aws-policy print` shows: the policy and, per role, the AWS CLI command that puts it. */
export function policyInstructions(policy: DenyOlderSessionsPolicy, roles: readonly string[]): string {
  const condition = policy.document.Statement[0].Condition;
  const whose =
    condition.StringEquals === undefined
      ? 'every session of the role'
      : `every session of ${condition.StringEquals['aws:SourceIdentity']}`;
  const lines = [
    `# ${policy.policyName}: denies ${whose} issued before ${condition.DateLessThan['aws:TokenIssueTime']}`,
    ...JSON.stringify(policy.document, null, 2)
      .split('\n')
      .map((line) => `#   ${line}`),
  ];
  for (const roleArn of roles) {
    const parsed = roleTarget(roleArn);
    if (!parsed.ok) {
      lines.push(`# skipped: ${parsed.problem}`);
      continue;
    }
    lines.push(
      `# ${roleArn} (run with credentials of account ${parsed.target.accountId})`,
      shellCommandLine([
        'aws',
        'iam',
        'put-role-policy',
        '--role-name',
        parsed.target.roleName,
        '--policy-name',
        policy.policyName,
        '--policy-document',
        policyDocumentJson(policy),
      ]),
    );
  }
  if (roles.length === 0) {
    lines.push('# no roles: the revocation ended no session or login with a role; name roles with --role');
  }
  return `${lines.join('\n')}\n`;
}

/** One line per role of `--aws-policy apply`. */
export function outcomeLines(
  policy: DenyOlderSessionsPolicy,
  outcomes: readonly RolePolicyOutcome[],
): string {
  if (outcomes.length === 0) {
    return `no roles to put ${policy.policyName} on: name them with --role\n`;
  }
  return outcomes
    .map((outcome) =>
      outcome.status === 'applied'
        ? `applied ${policy.policyName} to ${outcome.roleArn}`
        : `${outcome.status} ${outcome.roleArn}: ${outcome.reason}`,
    )
    .map((line) => `${line}\n`)
    .join('');
}

async function callBroker(options: RevokeOptions, io: CliIo): Promise<RevokeAnswer> {
  const api = await BrokerApi.connect(options.url, io.env);
  let body: unknown;
  try {
    body = await api.adminRevoke(revokeRequest(options));
  } catch (error) {
    if (error instanceof BrokerRequestError && error.status === 403) {
      throw new Error(
        `${error.message}: revoking needs the login of one of the broker's admins (the admins section of its config)`,
      );
    }
    throw error;
  }
  if (!isRevokeAnswer(body)) {
    throw new Error(`the broker at ${api.brokerUrl} answered /api/v1/admin/revoke without a revocation`);
  }
  return body;
}

/**
 * Revokes a user at the broker, prints what was ended, and with
 * `--aws-policy` prints or applies the deny-older-sessions policy on the
 * user's roles: one for the role scope, one per source identity of the
 * answer for the source-identity scope (none, and exit code 0, when the
 * answer names none). Resolves to the exit code: 0; 1 for options that do
 * not go together; AWS_SIDE_FAILED when a role could not take a policy or a
 * source identity got none. Broker errors are thrown for runCli to print
 * (exit code 1).
 */
export async function runAdminRevoke(options: RevokeOptions, io: CliIo): Promise<number> {
  if (options.awsPolicy === undefined && (options.awsScope !== undefined || options.role !== undefined)) {
    io.stderr.write('fedgate: --aws-scope and --role need --aws-policy print or --aws-policy apply\n');
    return 1;
  }
  const answer = await callBroker(options, io);
  if (options.awsPolicy === undefined) {
    if (options.json === true) {
      io.stdout.write(`${JSON.stringify(answer, null, 2)}\n`);
    } else {
      io.stdout.write(revocationSummary(answer));
      if (answer.roles.length > 0) {
        io.stdout.write(
          'AWS credentials issued already stay valid until they expire: --aws-policy print or apply denies them\n',
        );
      }
    }
    return 0;
  }
  if (options.json !== true) {
    io.stdout.write(revocationSummary(answer));
  }
  const scope = options.awsScope ?? 'role';
  const policies = scopedPolicies(answer, scope);
  const roles = awsRoles(answer, options.role);
  if (policies.length === 0) {
    const note = noSourceIdentityNote(answer);
    io.stdout.write(
      options.json === true
        ? `${JSON.stringify({ ...answer, aws: { scope, roles, policies: [], note } }, null, 2)}\n`
        : `${note}\n`,
    );
    return 0;
  }
  if (options.awsPolicy === 'print') {
    io.stdout.write(
      options.json === true
        ? `${JSON.stringify({ ...answer, aws: awsJson(scope, roles, policies) }, null, 2)}\n`
        : policies
            .map((scoped) =>
              scoped.ok
                ? policyInstructions(scoped.policy, roles)
                : `# skipped source identity ${JSON.stringify(scoped.sourceIdentity)}: ${scoped.problem}\n`,
            )
            .join(''),
    );
    return 0;
  }
  const applied: { scoped: ScopedPolicy; outcomes: RolePolicyOutcome[] }[] = [];
  for (const scoped of policies) {
    applied.push({ scoped, outcomes: scoped.ok ? await applyDenyOlderSessions(roles, scoped.policy) : [] });
  }
  io.stdout.write(
    options.json === true
      ? `${JSON.stringify({ ...answer, aws: awsJson(scope, roles, policies, applied) }, null, 2)}\n`
      : applied
          .map(({ scoped, outcomes }) =>
            scoped.ok
              ? outcomeLines(scoped.policy, outcomes)
              : `failed source identity ${JSON.stringify(scoped.sourceIdentity)}: ${scoped.problem}\n`,
          )
          .join(''),
  );
  let failures = 0;
  for (const { scoped, outcomes } of applied) {
    if (!scoped.ok) {
      failures += 1;
      io.stderr.write(
        `fedgate: no policy for source identity ${JSON.stringify(scoped.sourceIdentity)}; the revocation at the broker is done\n`,
      );
      continue;
    }
    const failed = outcomes.filter((outcome) => outcome.status === 'failed').length;
    if (failed > 0) {
      failures += 1;
      io.stderr.write(
        `fedgate: ${scoped.policy.policyName} could not be put on ${failed} of ${outcomes.length} role(s); the revocation at the broker is done\n`,
      );
    }
  }
  return failures > 0 ? AWS_SIDE_FAILED : 0;
}

/**
 * The `aws` key of `--json`: for `--aws-scope role`, the policy's name and
 * document (and the outcomes of an apply) as before; for `source-identity`,
 * a `policies` list, one entry per source identity.
 */
function awsJson(
  scope: DenyOlderSessionsScope,
  roles: readonly string[],
  policies: readonly ScopedPolicy[],
  applied?: readonly { scoped: ScopedPolicy; outcomes: RolePolicyOutcome[] }[],
): Record<string, unknown> {
  const outcomesOf = (scoped: ScopedPolicy) =>
    applied === undefined
      ? {}
      : { outcomes: applied.find((entry) => entry.scoped === scoped)?.outcomes ?? [] };
  const [only] = policies;
  if (scope === 'role' && only?.ok === true) {
    return { policyName: only.policy.policyName, policy: only.policy.document, roles, ...outcomesOf(only) };
  }
  return {
    scope,
    roles,
    policies: policies.map((scoped) =>
      scoped.ok
        ? {
            sourceIdentity: scoped.sourceIdentity,
            policyName: scoped.policy.policyName,
            policy: scoped.policy.document,
            ...outcomesOf(scoped),
          }
        : { sourceIdentity: scoped.sourceIdentity, problem: scoped.problem },
    ),
  };
}

/** `fedgate admin revoke --user NAME [...]`. */
export function registerAdminCommands(program: Command, context: CommandContext): void {
  const admin = program.command('admin').description("administer the broker (needs an admin's login)");
  const revoke = admin
    .command('revoke')
    .description(
      "end a user's sessions and CLI logins, drop their cached credentials, block issuance for a while, " +
        'and optionally deny their older AWS sessions',
    )
    .requiredOption('--user <name>', 'the username to revoke', nonEmpty('username'))
    .option(
      '--connector <id>',
      'only the user of this connector (default: every connector)',
      nonEmpty('connector id'),
    )
    .option('--block <duration>', 'refuse new credentials for this long: 30m, 2h, up to 7d', parseBlockOption)
    .option(
      '--reason <text>',
      `why, for the audit trail (up to ${MAX_REASON_LENGTH} characters)`,
      parseReasonOption,
    )
    .addOption(
      new Option(
        '--aws-policy <mode>',
        "print, or apply with your own AWS credentials, the policy that denies the user's roles' older sessions",
      ).choices(['print', 'apply']),
    )
    .addOption(
      new Option(
        '--aws-scope <scope>',
        'deny every older session of each role (default), or only those of each source identity the broker names',
      ).choices(['role', 'source-identity']),
    )
    .option(
      '--role <arn>',
      "a role for the AWS side besides those of the user's ended sessions (repeatable)",
      collectRole,
    )
    .option('--json', 'print the broker’s answer (and the AWS side) as JSON');
  brokerUrlOption(revoke);
  withVersion(revoke, program);
  revoke.action(async (options: RevokeOptions) => {
    context.setExitCode(await runAdminRevoke(options, context.io));
  });
  revoke.addHelpText(
    'after',
    `\nWith --aws-scope source-identity, one policy per source identity in the broker's answer, named FedgateRevokeOlderSessions-<source identity>; none when it names none.\n` +
      `\nExit codes: 0 done; 1 a wrong option, not logged in, refused by the broker or no answer from it; ${AWS_SIDE_FAILED} revoked at the broker, but a role did not take an AWS policy.\n`,
  );
}
