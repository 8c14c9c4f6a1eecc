import { z } from 'zod';
import { connectorConfigSchema } from '@fedgate/connectors';
import { durationSeconds } from './duration.schema';

const HOUR = 3600;
const name = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.+=@-]{0,63}$/, 'must be 1–64 letters, digits or _.+=@-');

// z.url() alone accepts any scheme (javascript:, file:, ftp:), so pin the protocol.
const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an absolute http(s) URL' });

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

const loggingSchema = z.strictObject({
  level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

const backendSchema = z.strictObject({
  id: name,
  type: z.literal('sts'),
  /** How credentials are issued. More modes arrive with the issuance issue. */
  mode: z.enum(['assume-role']).default('assume-role'),
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
  /** Time allowed for one STS request. */
  timeout: durationSeconds(1, 120).default(10),
  maxAttempts: z.number().int().min(1).max(10).default(3),
});

const accountSchema = z.strictObject({
  id: z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id'),
  name,
  backend: z.string(),
});

const permissionSetSchema = z
  .strictObject({
    name,
    description: z.string().optional(),
    /** The role in each account: `arn:PARTITION:iam::ACCOUNT:role/<roleName>`. */
    roleName: z
      .string()
      .regex(/^(?:[\w+=,.@-]+\/)*[\w+=,.@-]{1,64}$/, 'must be an IAM role name, optionally with a path')
      .optional(),
    /** Overrides roleName; `{{accountId}}` and `{{partition}}` are filled in. */
    roleArn: z
      .string()
      .regex(
        /^arn:(?:aws|aws-cn|aws-us-gov|\{\{partition\}\}):iam::(?:\d{12}|\{\{accountId\}\}):role\/[\w+=,.@/-]+$/,
        'must be a role ARN such as arn:aws:iam::{{accountId}}:role/Name',
      )
      .optional(),
    /** AssumeRole allows 15m–12h (and no more than the role's MaxSessionDuration). */
    sessionDuration: durationSeconds(15 * 60, 12 * HOUR).default(HOUR),
  })
  .superRefine(
    (set, context) => {
      if ((set.roleName === undefined) === (set.roleArn === undefined)) {
        context.addIssue({
          code: 'custom',
          path: ['roleName'],
          message: 'set exactly one of roleName and roleArn',
        });
      }
    },
    // Run even when another field already failed, so every mistake is reported at once.
    { when: (payload) => typeof payload.value === 'object' && payload.value !== null },
  );

const assignmentSchema = z.strictObject({
  /** A short label shown in traces; defaults to the assignment's position. */
  name: z.string().optional(),
  match: z.strictObject({
    /** Connector ids the rule applies to; every connector when absent. */
    connectors: z.array(z.string()).optional(),
    /** The identity must be in at least one of these groups. */
    groups: z.array(z.string().min(1)).min(1, 'must list at least one group'),
  }),
  /** Account ids or names. */
  accounts: z.array(z.string()).min(1, 'must list at least one account'),
  permissionSets: z.array(z.string()).min(1, 'must list at least one permission set'),
});

/** The whole configuration file (docs/configuration.md documents every key). */
export const configSchema = z.strictObject({
  server: serverSchema.prefault({}),
  session: sessionSchema.prefault({}),
  store: storeSchema.default({ type: 'memory' }),
  logging: loggingSchema.prefault({}),
  connectors: z.array(connectorConfigSchema).min(1, 'must list at least one connector'),
  backends: z.array(backendSchema).default([]),
  accounts: z.array(accountSchema).default([]),
  permissionSets: z.array(permissionSetSchema).default([]),
  assignments: z.array(assignmentSchema).default([]),
});

export type FedgateConfig = z.infer<typeof configSchema>;
export type ServerConfig = FedgateConfig['server'];
export type StoreConfig = FedgateConfig['store'];
export type BackendConfig = FedgateConfig['backends'][number];
export type AccountConfig = FedgateConfig['accounts'][number];
export type PermissionSetConfig = FedgateConfig['permissionSets'][number];
export type AssignmentConfig = FedgateConfig['assignments'][number];
