import { FedgateError } from '@fedgate/core';
import { PARTITION_HOSTS } from '@fedgate/aws';
import { stsEndpointUrl } from '../sts-client';
import { consoleHome, federationEndpoint } from './partitions';

describe('partition endpoints', () => {
  it('agree with the regional STS endpoints sts-client builds', () => {
    for (const [partition, region, url] of [
      ['aws', 'eu-west-1', 'https://sts.eu-west-1.amazonaws.com'],
      ['aws-cn', 'cn-north-1', 'https://sts.cn-north-1.amazonaws.com.cn'],
      ['aws-us-gov', 'us-gov-west-1', 'https://sts.us-gov-west-1.amazonaws.com'],
    ] as const) {
      const backend = { partition, region } as Parameters<typeof stsEndpointUrl>[0];
      expect(stsEndpointUrl(backend)).toBe(url);
      expect(`https://sts.${region}.${PARTITION_HOSTS[partition].stsDnsSuffix}`).toBe(url);
    }
  });

  it('have a console home per partition', () => {
    expect(consoleHome('aws')).toBe('https://console.aws.amazon.com/');
    expect(consoleHome('aws-cn')).toBe('https://console.amazonaws.cn/');
    expect(consoleHome('aws-us-gov')).toBe('https://console.amazonaws-us-gov.com/');
  });
});

describe('federationEndpoint', () => {
  it("defaults to the partition's sign-in host", () => {
    expect(federationEndpoint('aws')).toBe('https://signin.aws.amazon.com/federation');
    expect(federationEndpoint('aws-cn')).toBe('https://signin.amazonaws.cn/federation');
    expect(federationEndpoint('aws-us-gov')).toBe('https://signin.amazonaws-us-gov.com/federation');
  });

  it('uses a configured signinUrl, whatever the partition', () => {
    expect(federationEndpoint('aws', 'http://127.0.0.1:8090/federation')).toBe(
      'http://127.0.0.1:8090/federation',
    );
    expect(federationEndpoint('aws-cn', 'https://signin.proxy.example/aws/federation')).toBe(
      'https://signin.proxy.example/aws/federation',
    );
    // An empty query or fragment marker is dropped, so `?Action=` can be appended.
    expect(federationEndpoint('aws', 'http://127.0.0.1:8090/federation?')).toBe(
      'http://127.0.0.1:8090/federation',
    );
  });

  it('refuses signinUrls it cannot append a query to safely', () => {
    for (const url of [
      'not a url',
      'ftp://127.0.0.1/federation',
      'https://user:pass@signin.aws.amazon.com/federation',
      'https://signin.aws.amazon.com/federation?Action=login',
      'https://signin.aws.amazon.com/federation#x',
    ]) {
      let thrown: unknown;
      try {
        federationEndpoint('aws', url);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(FedgateError);
      expect((thrown as FedgateError).code).toBe('config_invalid');
      expect((thrown as FedgateError).message).not.toContain('pass');
    }
  });
});
