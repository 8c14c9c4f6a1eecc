import { z } from 'zod';
import { EXAMPLE_REGION, PARTITIONS, partitionOfRegion, REGION } from '@fedgate/aws';
import { bareHttpUrl, durationSeconds, httpUrl } from '@fedgate/config';
import { configName, issuanceModeSchema } from './names.schema';

/** One `backends[]` entry: an STS-compatible service and how fedgate calls it. */
export const backendConfigSchema = z
  .strictObject({
    id: configName.describe('Unique; accounts refer to it.'),
    type: z.literal('sts').describe('An AWS STS-compatible service.'),
    /**
     * How credentials are issued for permission sets that do not choose: AssumeRole with the
     * broker's credentials, AssumeRoleWithWebIdentity with a token fedgate signs (no AWS
     * credentials in the broker), or GetFederationToken with an IAM user's long-term keys.
     */
    mode: issuanceModeSchema
      .default('assume-role')
      .describe(
        "How credentials are issued for permission sets that do not choose: `assume-role` (AssumeRole with the broker's credentials), `web-identity` (AssumeRoleWithWebIdentity with a token fedgate signs: no AWS credentials in the broker, the recommended setup, see [web-identity.md](web-identity.md)) or `federation-token` (GetFederationToken with an IAM user's long-term keys).",
      ),
    region: z
      .string()
      .regex(REGION, 'must be an AWS region such as us-east-1')
      .default('us-east-1')
      .describe('An AWS region such as `eu-west-1`.'),
    /** An STS-compatible endpoint (moto, MinIO, sts-local); AWS's regional endpoint when absent. */
    endpoint: httpUrl
      .optional()
      .describe(
        "An `http://` or `https://` STS-compatible endpoint (sts-local, moto). Left out: AWS's regional endpoint. Plain `http://` to another machine is logged as a warning at start (here and for `signinUrl`).",
      ),
    partition: z
      .enum(PARTITIONS)
      .default('aws')
      .describe(
        '`aws`, `aws-cn` or `aws-us-gov`: used in role ARNs, STS endpoints and console URLs. The `region` must belong to it (`cn-*` for `aws-cn`, `us-gov-*` for `aws-us-gov`).',
      ),
    /** The broker's own AWS credentials; the SDK's default provider chain when absent. */
    credentials: z
      .strictObject({
        accessKeyId: z
          .string()
          .min(16, 'must be an access key id')
          .describe('The access key id, by reference.'),
        secretAccessKey: z.string().min(1).describe('The secret access key, by reference.'),
        sessionToken: z.string().optional().describe('The session token, for temporary keys.'),
      })
      .optional()
      .describe(
        "The broker's own AWS keys: `accessKeyId` (at least 16 characters), `secretAccessKey` (not empty), optional `sessionToken`. Left out: the AWS SDK's default chain (environment, instance or task role). Always use references here.",
      ),
    /**
     * The broker's own credentials are themselves role credentials (an instance or task role,
     * or keys from AssumeRole): AWS then caps every session fedgate starts at 1 h (role chaining).
     */
    roleChaining: z
      .boolean()
      .default(false)
      .describe(
        'The broker\'s own credentials are role credentials (an instance or task role, or keys from AssumeRole). AWS then caps every AssumeRole session fedgate starts at 1h ("role chaining"; `web-identity` sessions are not affected), and GetFederationToken is impossible; fedgate plans durations accordingly.',
      ),
    /** Time allowed for one STS request. */
    timeout: durationSeconds(1, 120).default(10).describe('Time allowed for one STS request, 1s – 2m.'),
    /** Attempts per STS call: throttling, 5xx and network failures are retried. */
    maxAttempts: z
      .number()
      .int()
      .min(1)
      .max(10)
      .default(3)
      .describe(
        'Attempts per STS request, 1–10. Throttling, HTTP 500/502/503/504 answers and network failures are retried; throttling that outlasts the attempts answers 503 with `Retry-After` ([issuance.md](issuance.md#backends)).',
      ),
    /** Full-jitter backoff: retry n (the first is 1) waits a random time up to min(retryMaxDelayMs, retryBaseDelayMs × 2^(n−1)). */
    retryBaseDelayMs: z
      .number()
      .int()
      .min(1)
      .max(10_000)
      .default(100)
      .describe(
        'Full-jitter backoff between attempts: retry _n_ (1 for the first retry) waits a random time up to min(`retryMaxDelayMs`, `retryBaseDelayMs` × 2ⁿ⁻¹).',
      ),
    retryMaxDelayMs: z
      .number()
      .int()
      .min(1)
      .max(60_000)
      .default(5_000)
      .describe('The longest wait between two attempts.'),
    /** The console federation endpoint; the partition's (https://signin.aws.amazon.com/federation) when absent. */
    signinUrl: bareHttpUrl('a federation endpoint (fedgate adds the query)')
      .optional()
      .describe(
        "The console federation endpoint (`https://signin.aws.amazon.com/federation`, `https://signin.amazonaws.cn/federation`, `https://signin.amazonaws-us-gov.com/federation`); point it at sts-local's `/federation` for development.",
      ),
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

/** A validated backend, defaults applied. */
export type BackendConfig = z.output<typeof backendConfigSchema>;
