/**
 * The audit stream in Redis (audit.output: redis) on a real redis-server: replicas appending at
 * once make one chain, a restart continues it, tampering is named at its entry by
 * `fedgate audit verify --redis`, and a trimmed start is said, not refused.
 */
import { Redis } from 'ioredis';
import { auditConfigSchema, RedisAuditStream, type AuditRedisConfig } from '@fedgate/audit';
import { runCli } from '../../apps/cli/src/program';
import { startRedis, type RedisServer } from '../harness/redis';

async function fedgate(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdin: process.stdin,
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env: {},
  });
  return { code, stdout, stderr };
}

describe('the audit stream in Redis', () => {
  let redis: RedisServer;
  let client: Redis;
  let streamNumber = 0;
  let stream: string;

  beforeAll(async () => {
    redis = await startRedis();
    client = new Redis(redis.url);
  });
  afterAll(async () => {
    client.disconnect();
    await redis.stop();
  });
  beforeEach(() => {
    streamNumber += 1;
    stream = `audit-test-${streamNumber}`;
  });

  function config(extra: Record<string, unknown> = {}): AuditRedisConfig {
    const parsed = auditConfigSchema.parse({ output: 'redis', redis: { url: redis.url, stream, ...extra } });
    if (parsed.output !== 'redis') {
      throw new Error('expected the redis output');
    }
    return parsed.redis;
  }

  /** Records events and waits until each is in the stream (or failed). */
  async function recordAll(
    audit: RedisAuditStream,
    writes: Promise<void>[],
    replica: string,
    count: number,
  ): Promise<void> {
    for (let index = 0; index < count; index += 1) {
      audit.record({ event: 'issue_credentials', outcome: 'success', replica, n: index });
    }
    await Promise.all(writes);
  }

  async function open(extra: Record<string, unknown> = {}): Promise<{
    audit: RedisAuditStream;
    writes: Promise<void>[];
  }> {
    const writes: Promise<void>[] = [];
    const audit = await RedisAuditStream.open(config(extra), { onWrite: (written) => writes.push(written) });
    return { audit, writes };
  }

  it('makes one unbroken chain of two replicas appending at once, continued after a restart', async () => {
    const first = await open();
    const second = await open();
    await Promise.all([
      recordAll(first.audit, first.writes, 'a', 60),
      recordAll(second.audit, second.writes, 'b', 60),
    ]);
    await Promise.all([first.audit.close(), second.audit.close()]);

    const restarted = await open();
    await recordAll(restarted.audit, restarted.writes, 'c', 3);
    await restarted.audit.close();

    const lines = (await client.xrange(stream, '-', '+')).map(([, fields]) => fields);
    expect(lines).toHaveLength(123);
    expect(lines.every((fields) => fields.length === 2 && fields[0] === 'event')).toBe(true);
    const events = lines.map((fields) => JSON.parse(fields[1]!) as { seq: number; replica: string });
    expect(events.map((event) => event.seq)).toEqual(Array.from({ length: 123 }, (_, index) => index + 1));
    expect(new Set(events.slice(0, 120).map((event) => event.replica))).toEqual(new Set(['a', 'b']));
    expect(await fedgate(['audit', 'verify', '--redis', redis.url, '--stream', stream])).toEqual({
      code: 0,
      stdout: `${stream}: 123 entries, chain intact (last seq 123)\n`,
      stderr: '',
    });
  });

  it('names a forged entry appended by hand, and refuses to chain onto it', async () => {
    const { audit, writes } = await open();
    await recordAll(audit, writes, 'a', 3);
    await client.xadd(stream, '*', 'event', '{"seq":4,"event":"issue_credentials","outcome":"forged"}');
    const result = await fedgate(['audit', 'verify', '--redis', redis.url, '--stream', stream]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      new RegExp(`^${stream}: the chain breaks at entry 4 \\(id \\d+-\\d+\\): not a chained audit line`),
    );

    audit.record({ event: 'issue_credentials', outcome: 'success', after: 'forgery' });
    await expect(writes.at(-1)).rejects.toThrow(/does not end with a chained audit line/);
    expect(await client.xlen(stream)).toBe(4);
    await audit.close();
  });

  it('names an entry deleted and added again with a change, at its position', async () => {
    const { audit, writes } = await open();
    await recordAll(audit, writes, 'a', 5);
    await audit.close();
    const entries = await client.xrange(stream, '-', '+');
    const [thirdId, thirdFields] = entries[2]!;
    await client.xdel(stream, thirdId);
    await client.xadd(stream, '*', 'event', thirdFields[1]!.replace('"n":2', '"n":7'));
    // The changed line now comes last: entry 3 is the old fourth, so seq jumps there.
    const result = await fedgate(['audit', 'verify', '--redis', redis.url, '--stream', stream]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `${stream}: the chain breaks at entry 3 (id ${entries[3]![0]}): lines 3–3`,
    );
  });

  it('names a line changed in place (XADD with the same id is refused, so a rewrite keeps its place)', async () => {
    const { audit, writes } = await open();
    await recordAll(audit, writes, 'a', 4);
    await audit.close();
    const entries = await client.xrange(stream, '-', '+');
    // Rebuild the stream with the second line changed but every id kept, as a careful forger would.
    const copy = `${stream}-copy`;
    for (const [index, [id, fields]] of entries.entries()) {
      const line = index === 1 ? fields[1]!.replace('"success"', '"failure"') : fields[1]!;
      await client.xadd(copy, id, 'event', line);
    }
    const result = await fedgate(['audit', 'verify', '--redis', redis.url, '--stream', copy]);
    expect(result).toMatchObject({ code: 1 });
    expect(result.stderr).toBe(
      `${copy}: the chain breaks at entry 2 (id ${entries[1]![0]}): the line was changed after it was written (hash mismatch)\n`,
    );
  });

  /** `calls`, `failed_calls` and `rejected_calls` of one command in INFO commandstats (0 if never run). */
  async function commandStats(command: string): Promise<{ calls: number; failed: number; rejected: number }> {
    const info = await client.info('commandstats');
    const line = info.split(/\r?\n/).find((candidate) => candidate.startsWith(`cmdstat_${command}:`));
    const field = (name: string): number =>
      Number(new RegExp(`(?:^|[:,])${name}=(\\d+)`).exec(line ?? '')?.[1] ?? 0);
    return { calls: field('calls'), failed: field('failed_calls'), rejected: field('rejected_calls') };
  }

  it('sends the append script by hash: one EVAL on the connection, EVALSHA after, EVAL again after SCRIPT FLUSH', async () => {
    await client.script('FLUSH');
    await client.config('RESETSTAT');
    const { audit, writes } = await open();
    await recordAll(audit, writes, 'a', 20);
    // Only this stream's connection runs scripts on this server: the test's own client never does.
    const eval1 = await commandStats('eval');
    const evalsha1 = await commandStats('evalsha');
    expect(eval1.calls).toBeLessThanOrEqual(1);
    expect(eval1.calls + evalsha1.calls - evalsha1.rejected - evalsha1.failed).toBe(20);
    expect(evalsha1.calls - evalsha1.rejected - evalsha1.failed).toBeGreaterThanOrEqual(19);

    // The server forgets the script: the next write is answered NOSCRIPT and sent again in full.
    await client.script('FLUSH');
    await client.config('RESETSTAT');
    await recordAll(audit, writes, 'b', 5);
    const eval2 = await commandStats('eval');
    const evalsha2 = await commandStats('evalsha');
    expect(eval2.calls).toBe(1);
    expect(evalsha2.calls - evalsha2.rejected - evalsha2.failed).toBe(4);
    await audit.close();

    const events = (await client.xrange(stream, '-', '+')).map(
      ([, fields]) => JSON.parse(fields[1]!) as { seq: number; replica: string },
    );
    expect(events.map((event) => event.seq)).toEqual(Array.from({ length: 25 }, (_, index) => index + 1));
    expect(events.map((event) => event.replica)).toEqual([
      ...Array<string>(20).fill('a'),
      ...Array<string>(5).fill('b'),
    ]);
    expect(await fedgate(['audit', 'verify', '--redis', redis.url, '--stream', stream])).toEqual({
      code: 0,
      stdout: `${stream}: 25 entries, chain intact (last seq 25)\n`,
      stderr: '',
    });
  });

  it('trims to about maxLength and verifies from the first entry left, saying so', async () => {
    const { audit, writes } = await open({ maxLength: 1000 });
    await recordAll(audit, writes, 'a', 1500);
    await audit.close();
    const length = await client.xlen(stream);
    expect(length).toBeGreaterThanOrEqual(1000);
    expect(length).toBeLessThan(1500);
    const result = await fedgate(['audit', 'verify', '--redis', redis.url, '--stream', stream]);
    expect(result).toEqual({
      code: 0,
      stdout: `${stream}: ${length} entries, chain intact (last seq 1500; the stream was trimmed, it starts at seq ${1501 - length})\n`,
      stderr: '',
    });
  });

  it('fails each write while Redis is away, and resumes the chain when it is back', async () => {
    const { audit, writes } = await open();
    await recordAll(audit, writes, 'a', 2);
    await redis.stop();
    audit.record({ event: 'issue_credentials', outcome: 'success', n: 'lost' });
    await expect(writes.at(-1)).rejects.toMatchObject({ code: 'store_unavailable', phase: 'audit.write' });
    redis = await startRedis({ port: redis.port });
    client.disconnect();
    client = new Redis(redis.url);
    // Restarted empty (the test server keeps no data): the chain starts again, unbroken.
    let written = false;
    for (let attempt = 0; attempt < 50 && !written; attempt += 1) {
      audit.record({ event: 'issue_credentials', outcome: 'success', n: attempt });
      written = await writes.at(-1)!.then(
        () => true,
        () =>
          new Promise<boolean>((resolve) =>
            setTimeout(() => {
              resolve(false);
            }, 100),
          ),
      );
    }
    expect(written).toBe(true);
    await audit.close();
    expect(await fedgate(['audit', 'verify', '--redis', redis.url, '--stream', stream])).toMatchObject({
      code: 0,
    });
  });

  it('refuses bad configuration and a command line without a source', async () => {
    expect(() => auditConfigSchema.parse({ output: 'redis', redis: { stream } })).toThrow(
      /set exactly one of url/,
    );
    expect(() =>
      auditConfigSchema.parse({ output: 'redis', redis: { url: redis.url, maxLength: 10 } }),
    ).toThrow();
    expect(await fedgate(['audit', 'verify'])).toMatchObject({ code: 2 });
    const unreachable = await fedgate(['audit', 'verify', '--redis', 'redis://:s3cret@127.0.0.1:1']);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).not.toContain('s3cret');
  });
});
