import { Counter, Registry } from 'prom-client';
import { BrokerMetrics } from './broker-metrics';
import { LabelledChildren } from './labelled-children';

describe('labelled children', () => {
  function counterChildren(limit?: number): {
    children: LabelledChildren<{ inc(): void }>;
    registry: Registry;
  } {
    const registry = new Registry();
    const counter = new Counter({
      name: 'c_total',
      help: 'c',
      labelNames: ['a', 'b'] as const,
      registers: [registry],
    });
    return { children: new LabelledChildren((values) => counter.labels(...values), limit), registry };
  }

  it('makes one child per combination and counts into its series', async () => {
    const { children, registry } = counterChildren();
    children.get('x', 'y').inc();
    children.get('x', 'y').inc();
    children.get('xy', '').inc();
    expect(children.size).toBe(2);
    const text = await registry.metrics();
    expect(text).toContain('c_total{a="x",b="y"} 2');
    expect(text).toContain('c_total{a="xy",b=""} 1');
  });

  it('keeps no more than its limit, and still counts past it', async () => {
    const { children, registry } = counterChildren(2);
    for (const value of ['1', '2', '3', '3']) {
      children.get(value, 'v').inc();
    }
    expect(children.size).toBe(2);
    expect(await registry.metrics()).toContain('c_total{a="3",b="v"} 2');
  });

  it('keeps counting after the registry is reset', async () => {
    const metrics = new BrokerMetrics({ processMetrics: false });
    metrics.httpDurationBy.get('POST', '/api/v1/credentials', '200').observe(0.002);
    metrics.registry.resetMetrics();
    metrics.httpDurationBy.get('POST', '/api/v1/credentials', '200').observe(0.003);
    expect((await metrics.exposition()).body).toContain(
      'fedgate_http_request_duration_seconds_count{method="POST",route="/api/v1/credentials",status="200"} 1',
    );
  });
});
