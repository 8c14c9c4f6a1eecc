import { BrokerMetrics } from './broker-metrics';
import { countingAuditTrail } from './metrics-audit-trail';

async function exposition(metrics: BrokerMetrics): Promise<string> {
  return (await metrics.exposition()).body;
}

describe('metrics counted from audit events', () => {
  it('counts each kind of event by its names and outcome, and passes every event on', async () => {
    const metrics = new BrokerMetrics({ processMetrics: false });
    const passed: unknown[] = [];
    const trail = countingAuditTrail(metrics, { record: (event) => passed.push(event) });
    const events = [
      { event: 'login', connector: 'corp-ad', outcome: 'success', subject: 'alice', username: 'alice' },
      { event: 'login', connector: 'corp-ad', outcome: 'failure', usernameSha256: 'abc' },
      { event: 'login', connector: 'corp-ad', outcome: 'failure', clientAddress: '192.0.2.7' },
      {
        event: 'issue_credentials',
        mode: 'assume-role',
        outcome: 'success',
        source: 'cache',
        account: '123456789012',
      },
      { event: 'issue_credentials', mode: 'web-identity', outcome: 'failure', error: 'sts_rejected' },
      { event: 'console_signin', outcome: 'success', subject: 'alice' },
      { event: 'identity_refresh', connector: 'okta', outcome: 'revoked' },
      { event: 'token_exchange', outcome: 'refused' },
      {
        event: 'oauth_rate_limited',
        outcome: 'rate_limited',
        endpoint: 'token',
        check: 'per-user',
        subject: 'alice',
      },
      {
        event: 'oauth_rate_limited',
        front: 'aws-sso',
        endpoint: 'CreateToken',
        check: 'per-client',
        client: 'c1',
      },
      { event: 'admin_revoke', outcome: 'success', subject: 'root' },
      { event: 'admin_revoke', outcome: 'not_entitled', subject: 'mallory' },
      { event: 'something_new', outcome: 'success' },
    ];
    for (const event of events) {
      trail.record(event);
    }
    expect(passed).toEqual(events);
    const text = await exposition(metrics);
    expect(text).toContain('fedgate_logins_total{connector="corp-ad",outcome="success"} 1');
    expect(text).toContain('fedgate_logins_total{connector="corp-ad",outcome="failure"} 2');
    expect(text).toContain('fedgate_issuance_total{mode="assume-role",outcome="success",source="cache"} 1');
    expect(text).toContain('fedgate_issuance_total{mode="web-identity",outcome="failure",source="none"} 1');
    expect(text).toContain('fedgate_console_signins_total{outcome="success"} 1');
    expect(text).toContain('fedgate_identity_refreshes_total{connector="okta",outcome="revoked"} 1');
    expect(text).toContain(
      'fedgate_oauth_rate_limited_total{front="oauth",endpoint="token",check="per-user"} 1',
    );
    expect(text).toContain(
      'fedgate_oauth_rate_limited_total{front="aws-sso",endpoint="CreateToken",check="per-client"} 1',
    );
    expect(text).toContain('fedgate_revocations_total{outcome="success"} 1');
    expect(text).toContain('fedgate_revocations_total{outcome="not_entitled"} 1');
    expect(text).toContain('fedgate_token_exchanges_total{outcome="refused"} 1');
  });

  it('never puts who into a label', async () => {
    const metrics = new BrokerMetrics({ processMetrics: false });
    const trail = countingAuditTrail(metrics, { record: () => undefined });
    trail.record({
      event: 'login',
      connector: 'demo',
      outcome: 'success',
      subject: 'alice-subject',
      username: 'alice',
    });
    trail.record({
      event: 'issue_credentials',
      mode: 'assume-role',
      outcome: 'success',
      source: 'issued',
      account: '123456789012',
      subject: 'alice-subject',
    });
    const text = await exposition(metrics);
    for (const identity of ['alice', '123456789012']) {
      expect(text).not.toContain(identity);
    }
  });

  it('bounds a label taken from an event and names a missing one', async () => {
    const metrics = new BrokerMetrics({ processMetrics: false });
    countingAuditTrail(metrics, { record: () => undefined }).record({
      event: 'login',
      connector: 'x'.repeat(500),
    });
    const text = await exposition(metrics);
    expect(text).toContain(`connector="${'x'.repeat(64)}",outcome="unknown"`);
    expect(text).not.toContain('x'.repeat(65));
  });

  it('includes the process metrics unless told not to', async () => {
    expect(await exposition(new BrokerMetrics())).toContain('fedgate_process_cpu_seconds_total');
    expect(await exposition(new BrokerMetrics({ processMetrics: false }))).not.toContain('process_cpu');
  });
});
