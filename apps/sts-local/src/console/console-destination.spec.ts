import { isAllowedDestination } from './console-destination';

describe('isAllowedDestination', () => {
  it.each<[string, string, boolean]>([
    ['https://console.aws.amazon.com/', 'aws', true],
    ['https://us-east-1.console.aws.amazon.com/ec2/home?region=us-east-1', 'aws', true],
    ['https://console.amazonaws.cn/', 'aws-cn', true],
    ['https://console.amazonaws-us-gov.com/', 'aws-us-gov', true],
    ['https://s3.console.aws.amazon.com/s3/buckets', 'aws', true],
    ['https://console.aws.amazon.com/', 'gcp', false],
    ['https://console.amazonaws.cn/', 'aws', false],
    ['http://console.aws.amazon.com/', 'aws', false],
    ['https://console.aws.amazon.com:8443/', 'aws', false],
    ['https://user:pw@console.aws.amazon.com/', 'aws', false],
    ['https://evilconsole.aws.amazon.com/', 'aws', false],
    ['https://a.b.console.aws.amazon.com/', 'aws', false],
    ['https://console.aws.amazon.com.evil.example/', 'aws', false],
    ['not a url', 'aws', false],
  ])('%s in %s is %s', (destination, partition, expected) => {
    expect(isAllowedDestination(destination, partition)).toBe(expected);
  });
});
