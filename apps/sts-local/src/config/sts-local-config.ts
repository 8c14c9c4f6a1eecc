import { z } from 'zod';
import {
  ACCOUNT_ID,
  AWS_LIMITS,
  IAM_NAME,
  IAM_PATH,
  LONG_TERM_ACCESS_KEY_ID,
  PARTITIONS,
  REGION,
} from '@fedgate/aws';
import { parseDurationSeconds } from '@fedgate/core';
import { parsePolicyDocument } from '../trust/policy-document';

/** A duration written as seconds or `1h30m`, checked against a range. */
function duration(minSeconds: number, maxSeconds: number) {
  return z.union([z.string(), z.number()]).transform((value, context) => {
    const seconds = parseDurationSeconds(value);
    if (seconds === undefined || seconds < minSeconds || seconds > maxSeconds) {
      context.addIssue({
        code: 'custom',
        message: `must be a duration between ${minSeconds} and ${maxSeconds} seconds (such as 3600 or 1h)`,
      });
      return z.NEVER;
    }
    return seconds;
  });
}

/** A trust policy, written as YAML or as a JSON string, that the trust-policy parser accepts. */
const trustPolicyDocument = z
  .union([z.string(), z.record(z.string(), z.unknown())])
  .superRefine((value, context) => {
    const parsed = parsePolicyDocument(value, 'trust');
    if (!parsed.ok) {
      context.addIssue({ code: 'custom', message: parsed.message });
    }
  });

const tags = z.record(z.string(), z.string()).default({});

/** A fixed MFA device: sts-local accepts exactly this code (there is no TOTP clock to follow). */
const mfaDevice = z.strictObject({
  serialNumber: z.string().regex(/^[\w+=/:,.@-]{9,256}$/, 'must be an MFA serial number or ARN'),
  tokenCode: z.string().regex(/^\d{6}$/, 'must be six digits'),
});

const user = z.strictObject({
  name: z.string().regex(IAM_NAME, 'must be an IAM user name ([\\w+=,.@-], 1-64 characters)'),
  accessKeyId: z
    .string()
    .regex(LONG_TERM_ACCESS_KEY_ID, 'must be AKIA followed by 16 upper-case letters or digits'),
  secretAccessKey: z.string().min(16, 'must be at least 16 characters'),
  tags,
  mfa: mfaDevice.optional(),
});

const role = z.strictObject({
  name: z.string().regex(IAM_NAME, 'must be an IAM role name ([\\w+=,.@-], 1-64 characters)'),
  path: z.string().regex(IAM_PATH, 'must start and end with /').default('/'),
  maxSessionDuration: duration(
    AWS_LIMITS.roleMaxSessionDuration.minSeconds,
    AWS_LIMITS.roleMaxSessionDuration.maxSeconds,
  ).default(AWS_LIMITS.roleMaxSessionDuration.minSeconds),
  tags,
  trustPolicy: trustPolicyDocument,
});

/**
 * An IAM OIDC identity provider: tokens whose `iss` is `url` and whose `aud`
 * is one of `clientIds`, verified against the JWKS at `jwksUri` or in
 * `jwksFile` (relative paths start from the config file's directory).
 */
const oidcProvider = z
  .strictObject({
    url: z.url({ protocol: /^https?$/, error: 'must be the issuer URL (https://…)' }),
    clientIds: z.array(z.string().min(1).max(255)).min(1, 'must list at least one client id (audience)'),
    jwksUri: z.url({ protocol: /^https?$/ }).optional(),
    jwksFile: z.string().min(1).optional(),
  })
  .refine((provider) => (provider.jwksUri === undefined) !== (provider.jwksFile === undefined), {
    message: 'needs exactly one of jwksUri and jwksFile',
  });

/** An IAM SAML provider: its IdP metadata (entityID and signing certificates) from a file. */
const samlProvider = z.strictObject({
  name: z.string().regex(/^[\w._-]{1,128}$/, 'must be a SAML provider name ([\\w._-], 1-128 characters)'),
  metadataFile: z.string().min(1),
});

const account = z.strictObject({
  id: z.string().regex(ACCOUNT_ID, 'must be a 12-digit account id (quote it in YAML)'),
  users: z.array(user).default([]),
  roles: z.array(role).default([]),
  oidcProviders: z.array(oidcProvider).default([]),
  samlProviders: z.array(samlProvider).default([]),
});

/**
 * sts-local's configuration (docs/sts-local.md documents every key): where it
 * listens, the partition and regions it answers for, and the IAM users and
 * roles of each account. Long-term secrets may be `${env:NAME}` or
 * `${file:PATH}` references.
 */
export const stsLocalConfigSchema = z.strictObject({
  server: z
    .strictObject({
      host: z.string().min(1).default('127.0.0.1'),
      port: z.number().int().min(0).max(65535).default(8090),
      /** Bodies larger than this are refused before parsing (AWS's own STS requests are a few KiB). */
      maxBodyBytes: z
        .number()
        .int()
        .min(1024)
        .max(1024 * 1024)
        .default(64 * 1024),
    })
    .prefault({}),
  partition: z.enum(PARTITIONS).default('aws'),
  /** Regions a request may be signed for; any other gets RegionDisabledException. */
  regions: z.array(z.string().regex(REGION, 'must be a region such as us-east-1')).default(['us-east-1']),
  logging: z
    .strictObject({
      level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    })
    .prefault({}),
  /** Throttle callers like AWS does (per access key, or per address for unsigned calls); off when absent. */
  throttling: z
    .strictObject({
      requestsPerSecond: z.number().positive().max(100000),
      burst: z.number().int().min(1).max(100000),
    })
    .optional(),
  accounts: z.array(account).min(1, 'must list at least one account'),
});

/** A validated sts-local configuration, with defaults applied. */
export type StsLocalConfig = z.infer<typeof stsLocalConfigSchema>;
/** One configured IAM user. */
export type UserConfig = z.infer<typeof user>;
/** One configured SAML provider. */
export type SamlProviderConfig = z.infer<typeof samlProvider>;
/** One configured OIDC provider. */
export type OidcProviderConfig = z.infer<typeof oidcProvider>;
/** One configured IAM role. */
export type RoleConfig = z.infer<typeof role>;
