import {
  CONSOLE_HOSTS,
  EXAMPLE_REGION,
  isConsoleHost,
  isPartition,
  PARTITION_HOSTS,
  PARTITIONS,
  partitionOfRegion,
  REGION,
  samlSigninAudiences,
} from './partitions';

describe('PARTITION_HOSTS', () => {
  it('has the AWS hosts of every partition', () => {
    expect(Object.keys(PARTITION_HOSTS).sort()).toEqual([...PARTITIONS].sort());
    expect(PARTITION_HOSTS).toEqual({
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
    });
    for (const partition of PARTITIONS) {
      expect(CONSOLE_HOSTS[partition]).toBe(PARTITION_HOSTS[partition].console);
    }
  });

  it('gives the SAML audiences of AWS sign-in per partition', () => {
    expect(samlSigninAudiences('aws-cn')).toEqual([
      'https://signin.amazonaws.cn/saml',
      'urn:amazon:webservices:cn',
    ]);
  });
});

describe('isConsoleHost', () => {
  it.each<[string, (typeof PARTITIONS)[number], boolean]>([
    ['console.aws.amazon.com', 'aws', true],
    ['eu-west-1.console.aws.amazon.com', 'aws', true],
    ['s3.console.aws.amazon.com', 'aws', true],
    ['console.amazonaws.cn', 'aws-cn', true],
    ['console.amazonaws.cn', 'aws', false],
    ['a.b.console.aws.amazon.com', 'aws', false],
    ['evilconsole.aws.amazon.com', 'aws', false],
    ['console.aws.amazon.com.evil.example', 'aws', false],
    ['-_.console.aws.amazon.com', 'aws', false],
  ])('%s in %s is %s', (host, partition, expected) => {
    expect(isConsoleHost(host, partition)).toBe(expected);
  });
});

describe('regions', () => {
  it('knows the partition of a region, and an example region of each partition', () => {
    expect(partitionOfRegion('eu-west-1')).toBe('aws');
    expect(partitionOfRegion('cn-northwest-1')).toBe('aws-cn');
    expect(partitionOfRegion('us-gov-east-1')).toBe('aws-us-gov');
    for (const partition of PARTITIONS) {
      expect(REGION.test(EXAMPLE_REGION[partition])).toBe(true);
      expect(partitionOfRegion(EXAMPLE_REGION[partition])).toBe(partition);
    }
    expect(REGION.test('us-east')).toBe(false);
    expect(isPartition('aws-iso')).toBe(false);
  });
});
