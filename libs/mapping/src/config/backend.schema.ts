import { z } from 'zod';
import { EXAMPLE_REGION, PARTITIONS, partitionOfRegion, REGION } from '@fedgate/aws';
import { bareHttpUrl, durationSeconds, httpUrl } from '@fedgate/config';
import { configName, issuanceModeSchema } from './names.schema';

/** One `backends[]` entry: an STS-compatible service and how fedgate calls it. */
export const backendConfigSchema = z
  .strictObject({
    id: configName,
    type: z.literal('sts'),
    /**
     * How credentials are issued for permission sets that do not choose: AssumeRole with the
     * broker's credentials, AssumeRoleWithWebIdentity with a token fedgate signs (no AWS
     * credentials in the broker), or GetFederationToken with an IAM user's long-term keys.
     */
    mode: issuanceModeSchema.default('assume-role'),
    region: z.string().regex(REGION, 'must be an AWS region such as us-east-1').default('us-east-1'),
    /** An STS-compatible endpoint (moto, MinIO, sts-local); AWS's regional endpoint when absent. */
    endpoint: httpUrl.optional(),
    partition: z.enum(PARTITIONS).default('aws'),
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
    signinUrl: bareHttpUrl('a federation endpoint (fedgate adds the query)').optional(),
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
