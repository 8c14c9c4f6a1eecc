/**
 * AWS partitions and their hosts: the one table fedgate and sts-local read
 * partition facts from.
 */

/** The partitions fedgate knows. */
export const PARTITIONS = ['aws', 'aws-cn', 'aws-us-gov'] as const;
export type Partition = (typeof PARTITIONS)[number];

export function isPartition(value: string): value is Partition {
  return (PARTITIONS as readonly string[]).includes(value);
}

/** The AWS hosts of one partition. */
export interface PartitionHosts {
  /** The console federation host: `https://{signin}/federation`. */
  signin: string;
  /** The console host; regional and service consoles are one label more (`eu-west-1.` + this). */
  console: string;
  /** The DNS suffix of the regional service endpoints: `sts.REGION.{stsDnsSuffix}`. */
  stsDnsSuffix: string;
  /** The SAML audience (URN) AWS sign-in accepts besides `https://{signin}/saml`. */
  samlAudienceUrn: string;
}

export const PARTITION_HOSTS: Readonly<Record<Partition, Readonly<PartitionHosts>>> = {
  aws: {
    signin: 'signin.aws.amazon.com',
    console: 'console.aws.amazon.com',
    stsDnsSuffix: 'amazonaws.com',
    samlAudienceUrn: 'urn:amazon:webservices',
  },
  'aws-cn': {
    signin: 'signin.amazonaws.cn',
    console: 'console.amazonaws.cn',
    stsDnsSuffix: 'amazonaws.com.cn',
    samlAudienceUrn: 'urn:amazon:webservices:cn',
  },
  'aws-us-gov': {
    signin: 'signin.amazonaws-us-gov.com',
    console: 'console.amazonaws-us-gov.com',
    stsDnsSuffix: 'amazonaws.com',
    samlAudienceUrn: 'urn:amazon:webservices:govcloud',
  },
};

/** Each partition's console host (PARTITION_HOSTS[partition].console). */
export const CONSOLE_HOSTS: Readonly<Record<Partition, string>> = {
  aws: PARTITION_HOSTS.aws.console,
  'aws-cn': PARTITION_HOSTS['aws-cn'].console,
  'aws-us-gov': PARTITION_HOSTS['aws-us-gov'].console,
};

/**
 * Whether `host` is the partition's console host or one label below it
 * (regional `eu-west-1.console.aws.amazon.com`, service `s3.console…`), as
 * AWS serves them. Compares the host exactly: callers pass a parsed,
 * lower-case hostname.
 */
export function isConsoleHost(host: string, partition: Partition): boolean {
  const base = CONSOLE_HOSTS[partition];
  return host === base || (host.endsWith(`.${base}`) && /^[a-z0-9-]+$/.test(host.slice(0, -base.length - 1)));
}

/** The audiences (and recipients) AWS sign-in accepts in a SAML assertion for the partition. */
export function samlSigninAudiences(partition: Partition): readonly string[] {
  const hosts = PARTITION_HOSTS[partition];
  return [`https://${hosts.signin}/saml`, hosts.samlAudienceUrn];
}

/** A region name such as `us-east-1`, `cn-north-1` or `us-gov-west-1`. */
export const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;

/** The partition a region belongs to: `cn-*` China, `us-gov-*` GovCloud, every other one aws. */
export function partitionOfRegion(region: string): Partition {
  return region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';
}

/** A region of each partition, for messages that suggest one. */
export const EXAMPLE_REGION: Readonly<Record<Partition, string>> = {
  aws: 'us-east-1',
  'aws-cn': 'cn-north-1',
  'aws-us-gov': 'us-gov-west-1',
};
