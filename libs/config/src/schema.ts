import { z } from 'zod';
import { connectorConfigSchema } from '@fedgate/connectors';
import { durationSeconds } from './duration.schema';
import {
  issuanceMode,
  name,
  assignmentSchema,
  adminsSchema,
  mappingSettingsSchema,
  permissionSetSchema,
} from './mapping.schema';

const HOUR = 3600;

// z.url() alone accepts any scheme (javascript:, file:, ftp:), so pin the protocol.
const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an absolute http(s) URL' });

/** An http(s) URL without user info, query or fragment, for endpoints fedgate appends to. */
function bareUrl(what: string) {
  return httpUrl.refine(
    (text) => {
      const url = new URL(text);
      return url.username === '' && url.password === '' && !text.includes('?') && !text.includes('#');
    },
    { message: `must have no user info, query or fragment: it is ${what}` },
  );
}

const serverSchema = z.strictObject({
  /** The URL users reach fedgate at. `https://` turns on `__Host-` Secure cookies. */
  publicUrl: httpUrl.default('http://127.0.0.1:8080'),
  host: z.string().default('127.0.0.1'),
  port: z.number().int().min(1).max(65535).default(8080),
  /** Trust X-Forwarded-* from a reverse proxy (for client addresses and https detection). */
  trustProxy: z.boolean().default(false),
  /** Largest request body accepted, in bytes. */
  maxBodyBytes: z
    .number()
    .int()
    .min(1024)
    .max(10 * 1024 * 1024)
    .default(64 * 1024),
});

const sessionSchema = z.strictObject({
  /** A session unused this long ends. */
  idleTimeout: durationSeconds(5 * 60, 24 * HOUR).default(HOUR),
  /** A session ends this long after login, however active. */
  absoluteTimeout: durationSeconds(15 * 60, 7 * 24 * HOUR).default(12 * HOUR),
});

const storeSchema = z.discriminatedUnion(
  'type',
  [
    z.strictObject({ type: z.literal('memory') }),
    z.strictObject({
      type: z.literal('redis'),
      url: z.url({ protocol: /^rediss?$/, error: 'must be a redis:// or rediss:// URL' }),
      keyPrefix: z.string().default('fedgate:'),
      connectTimeout: durationSeconds(1, 60).default(5),
    }),
  ],
  {
    // zod types `issue` as invalid_union only, but input that is not a mapping arrives as invalid_type.
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition
    error: (issue) => (issue.code === 'invalid_union' ? 'type must be one of: memory, redis' : undefined),
  },
);

/** Failed-login throttling for password connectors; defaults trip before a typical directory lockout. */
const loginThrottleSchema = z.strictObject({
  /** Failed logins of one username (per connector) allowed in a window. */
  maxFailuresPerUser: z.number().int().min(1).max(1000).default(4),
  /** Failed logins from one client address allowed in a window. */
  maxFailuresPerClient: z.number().int().min(1).max(100000).default(20),
  window: durationSeconds(60, 24 * HOUR).default(15 * 60),
});

const loggingSchema = z.strictObject({
  level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

type PartitionName = 'aws' | 'aws-cn' | 'aws-us-gov';

/** The partition a region belongs to: `cn-*` China, `us-gov-*` GovCloud, every other one aws. */
function partitionOfRegion(region: string): PartitionName {
  return region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';
}

const EXAMPLE_REGION: Readonly<Record<PartitionName, string>> = {
  aws: 'us-east-1',
  'aws-cn': 'cn-north-1',
  'aws-us-gov': 'us-gov-west-1',
};

const backendSchema = z
  .strictObject({
    id: name,
    type: z.literal('sts'),
    /**
     * How credentials are issued for permission sets that do not choose: AssumeRole with the
     * broker's credentials, AssumeRoleWithWebIdentity with a token fedgate signs (no AWS
     * credentials in the broker), or GetFederationToken with an IAM user's long-term keys.
     */
    mode: issuanceMode.default('assume-role'),
    region: z
      .string()
      .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region such as us-east-1')
      .default('us-east-1'),
    /** An STS-compatible endpoint (moto, MinIO, sts-local); AWS's regional endpoint when absent. */
    endpoint: httpUrl.optional(),
    partition: z.enum(['aws', 'aws-cn', 'aws-us-gov']).default('aws'),
    /** The broker's own AWS credentials; the SDK's default provider chain when absent. */
    credentials: z
      .strictObject({
        accessKeyId: z.string().min(16, 'must be an access key id'),
        secretAccessKey: z.string().min(1),
        sessionToken: z.string().optional(),
      })
      .optional(),
    /**
     * The broker's own credentials are themselves role credentials (an instance or task role,
     * or keys from AssumeRole): AWS then caps every session fedgate starts at 1 h (role chaining).
     */
    roleChaining: z.boolean().default(false),
    /** Time allowed for one STS request. */
    timeout: durationSeconds(1, 120).default(10),
    /** Attempts per STS call: throttling, 5xx and network failures are retried. */
    maxAttempts: z.number().int().min(1).max(10).default(3),
    /** Full-jitter backoff: retry n (the first is 1) waits a random time up to min(retryMaxDelayMs, retryBaseDelayMs × 2^(n−1)). */
    retryBaseDelayMs: z.number().int().min(1).max(10_000).default(100),
    retryMaxDelayMs: z.number().int().min(1).max(60_000).default(5_000),
    /** The console federation endpoint; the partition's (https://signin.aws.amazon.com/federation) when absent. */
    signinUrl: bareUrl('a federation endpoint (fedgate adds the query)').optional(),
  })
  .superRefine((backend, context) => {
    // AWS's regional STS endpoints and role ARNs only exist in the region's own partition.
    const expected = partitionOfRegion(backend.region);
    if (expected !== backend.partition) {
      context.addIssue({
        code: 'custom',
        path: ['region'],
        message: `${backend.region} is in partition ${expected}, not ${backend.partition} (set region, e.g. ${EXAMPLE_REGION[backend.partition]}, or partition)`,
      });
    }
  });

const accountSchema = z.strictObject({
  id: z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id'),
  name,
  backend: z.string(),
  /** Sent as AssumeRole's ExternalId for this account's roles (mode assume-role). */
  externalId: z
    .string()
    .regex(/^[\w+=,.@:/-]{2,1224}$/, 'must be 2–1224 characters of letters, digits and _+=,.@:/-')
    .optional(),
});

/** A 256-bit key for the credential cache, base64. */
const cacheKeySchema = z.strictObject({
  /** Stored with every entry, so entries written under an older key stay readable while it is listed. */
  id: z.string().regex(/^[A-Za-z0-9_.-]{1,32}$/, 'must be 1–32 letters, digits or _.-'),
  key: z
    .string()
    .refine((text) => Buffer.from(text, 'base64').length === 32 && /^[A-Za-z0-9+/]+={0,2}$/.test(text), {
      message: 'must be 32 random bytes, base64 (openssl rand -base64 32)',
    }),
});

const issuanceSchema = z.strictObject({
  cache: z
    .strictObject({
      /** Identical requests share credentials while they have more than `refreshBefore` left. */
      enabled: z.boolean().default(true),
      refreshBefore: durationSeconds(5 * 60, HOUR).default(15 * 60),
      /**
       * Encryption keys, newest first (the first encrypts). Without keys, each process makes
       * its own at start: replicas then cannot read each other's entries.
       */
      keys: z
        .array(cacheKeySchema)
        .default([])
        .superRefine((keys, context) => {
          keys.forEach((entry, index) => {
            if (keys.findIndex((other) => other.id === entry.id) < index) {
              context.addIssue({
                code: 'custom',
                path: [index, 'id'],
                message: `"${entry.id}" is listed twice`,
              });
            }
          });
        }),
    })
    .prefault({}),
  webIdentity: z
    .strictObject({
      /** The `iss` of fedgate's tokens (an IAM OIDC provider must trust it); server.publicUrl when absent. */
      issuer: bareUrl('the iss of the tokens fedgate signs').optional(),
      audience: z.string().min(1).default('sts.amazonaws.com'),
      tokenLifetime: durationSeconds(60, HOUR).default(5 * 60),
      /**
       * PEM private keys (RSA ≥ 2048 bits), newest first: the first signs, all are published
       * in jwks.json. Without keys, fedgate makes one at start (fine for one instance).
       */
      signingKeys: z
        .array(z.strictObject({ id: z.string().min(1).max(64).optional(), privateKey: z.string().min(1) }))
        .default([]),
    })
    .prefault({}),
});

/** The whole configuration file (docs/configuration.md documents every key). */
export const configSchema = z.strictObject({
  server: serverSchema.prefault({}),
  session: sessionSchema.prefault({}),
  loginThrottle: loginThrottleSchema.prefault({}),
  store: storeSchema.default({ type: 'memory' }),
  logging: loggingSchema.prefault({}),
  connectors: z.array(connectorConfigSchema).min(1, 'must list at least one connector'),
  backends: z.array(backendSchema).default([]),
  accounts: z.array(accountSchema).default([]),
  permissionSets: z.array(permissionSetSchema).default([]),
  assignments: z.array(assignmentSchema).default([]),
  /** Who may call the admin endpoints (explain). Nobody when absent. */
  admins: adminsSchema.prefault({}),
  /** Session names and session-tag compilation, for every permission set. */
  mapping: mappingSettingsSchema.prefault({}),
  /** Credential cache, and the tokens fedgate signs for mode web-identity. */
  issuance: issuanceSchema.prefault({}),
});

export type FedgateConfig = z.infer<typeof configSchema>;
export type ServerConfig = FedgateConfig['server'];
export type StoreConfig = FedgateConfig['store'];
export type BackendConfig = FedgateConfig['backends'][number];
export type AccountConfig = FedgateConfig['accounts'][number];
export type PermissionSetConfig = FedgateConfig['permissionSets'][number];
export type AssignmentConfig = FedgateConfig['assignments'][number];
export type AssignmentMatchConfig = AssignmentConfig['match'];
export type AttributeConditionConfig = NonNullable<AssignmentMatchConfig['attributes']>[string];
export type AdminsConfig = FedgateConfig['admins'];
export type MappingSettingsConfig = FedgateConfig['mapping'];
export type IssuanceConfig = FedgateConfig['issuance'];
