import { FedgateError } from '@fedgate/core';
import { CONSOLE_HOSTS, PARTITIONS, type Partition } from '@fedgate/mapping';

/** The AWS hosts of one partition (DESIGN §6.3). */
export interface PartitionHosts {
  /** The console federation host: `https://{signin}/federation`. */
  signin: string;
  /** The console host; regional consoles are `REGION.` + this. */
  console: string;
  /** The DNS suffix of the regional service endpoints: `sts.REGION.{stsDnsSuffix}`. */
  stsDnsSuffix: string;
}

/**
 * The one table of partition hosts. Console hosts come from
 * `@fedgate/mapping` (CONSOLE_HOSTS), which the config checks also use.
 */
export const PARTITION_HOSTS: Readonly<Record<Partition, Readonly<PartitionHosts>>> = {
  aws: { signin: 'signin.aws.amazon.com', console: CONSOLE_HOSTS.aws, stsDnsSuffix: 'amazonaws.com' },
  'aws-cn': {
    signin: 'signin.amazonaws.cn',
    console: CONSOLE_HOSTS['aws-cn'],
    stsDnsSuffix: 'amazonaws.com.cn',
  },
  'aws-us-gov': {
    signin: 'signin.amazonaws-us-gov.com',
    console: CONSOLE_HOSTS['aws-us-gov'],
    stsDnsSuffix: 'amazonaws.com',
  },
};

export function isPartition(value: string): value is Partition {
  return (PARTITIONS as readonly string[]).includes(value);
}

/** The partition an ARN names (`arn:PARTITION:…`), when it is one fedgate knows. */
export function partitionOfArn(arn: string): Partition | undefined {
  const name = /^arn:([a-z-]+):/.exec(arn)?.[1];
  return name !== undefined && isPartition(name) ? name : undefined;
}

/** The partition's console home page, the destination when neither the request nor the permission set names one. */
export function consoleHome(partition: Partition): string {
  return `https://${PARTITION_HOSTS[partition].console}/`;
}

/**
 * The console federation endpoint of a backend: its configured `signinUrl`
 * (sts-local's `http://HOST:PORT/federation` in tests), else the
 * partition's `https://signin…/federation`. The result never has a query,
 * fragment or user info, so `?Action=…` can be appended to it; a
 * `signinUrl` with any of them is a configuration error.
 */
export function federationEndpoint(partition: Partition, signinUrl?: string): string {
  if (signinUrl === undefined) {
    return `https://${PARTITION_HOSTS[partition].signin}/federation`;
  }
  let url: URL;
  try {
    url = new URL(signinUrl);
  } catch {
    throw new FedgateError('config_invalid', 'The backend signinUrl is not a URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new FedgateError('config_invalid', 'The backend signinUrl must be an http(s) URL');
  }
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
    throw new FedgateError(
      'config_invalid',
      'The backend signinUrl must not carry user info, a query or a fragment (fedgate adds the query)',
    );
  }
  // Not url.href: a bare `?` or `#` survives in it and would break the appended query.
  return `${url.origin}${url.pathname}`;
}
