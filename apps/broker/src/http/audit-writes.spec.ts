import Fastify, { type FastifyInstance } from 'fastify';
import { AuditStream, CHAIN_START, type AuditSink } from '@fedgate/audit';
import { AuditWrites } from './audit-writes';

/** A sink that notes when each group is written, and fails while `failing` is set. */
function notingSink(events: string[]): AuditSink & { failing: boolean } {
  const sink = {
    resumeFrom: CHAIN_START,
    failing: false,
    write: (lines: readonly string[]) => {
      if (sink.failing) {
        throw new Error('ENOSPC');
      }
      events.push(`written ${lines.length}`);
    },
    close: () => undefined,
  };
  return sink;
}

async function appWith(stream: AuditStream, events: string[]): Promise<FastifyInstance> {
  const app = Fastify();
  new AuditWrites().registerBatched(app, stream);
  // Registered after the audit hook, so it runs once that hook lets the answer go.
  app.addHook('onSend', (_request, _reply, payload, done) => {
    events.push('answer leaves');
    done(null, payload);
  });
  app.post('/records', (_request, reply) => {
    stream.record({ event: 'issue_credentials', outcome: 'success' });
    void reply.header('set-cookie', 'session=secret').send({ issued: 'credentials' });
  });
  app.post('/records-then-waits', async () => {
    stream.record({ event: 'issue_credentials', outcome: 'success' });
    // The group holding the line is written (or lost) before this request answers.
    await new Promise((resolve) => setTimeout(resolve, 5));
    return { issued: 'credentials' };
  });
  app.get('/records-nothing', () => ({ ok: true }));
  await app.ready();
  return app;
}

describe('answers wait for the audit stream written in groups', () => {
  it('leave only after the group holding their line is written', async () => {
    const events: string[] = [];
    const app = await appWith(new AuditStream(notingSink(events)), events);
    const answers = await Promise.all([
      app.inject({ method: 'POST', url: '/records' }),
      app.inject({ method: 'POST', url: '/records' }),
    ]);
    expect(answers.map((answer) => answer.statusCode)).toEqual([200, 200]);
    expect(events[0]).toMatch(/^written [12]$/);
    expect(events.filter((event) => event === 'answer leaves')).toHaveLength(2);
    expect(events.indexOf('answer leaves')).toBeGreaterThan(0);
    await app.close();
  });

  it('become 503 store_unavailable, without cookies or body, when the group is lost', async () => {
    const events: string[] = [];
    const sink = notingSink(events);
    const stream = new AuditStream(sink);
    const app = await appWith(stream, events);
    sink.failing = true;
    const refused = await app.inject({ method: 'POST', url: '/records' });
    expect(refused.statusCode).toBe(503);
    expect(refused.json()).toEqual({ error: 'store_unavailable', message: expect.any(String) as unknown });
    expect(refused.headers['set-cookie']).toBeUndefined();
    expect(refused.headers['cache-control']).toContain('no-store');
    expect(refused.body).not.toContain('credentials');
    // A group lost while the request was still under way refuses it too.
    const later = await app.inject({ method: 'POST', url: '/records-then-waits' });
    expect(later.statusCode).toBe(503);
    // An answer that recorded nothing, arriving after the loss, goes on.
    expect((await app.inject({ method: 'GET', url: '/records-nothing' })).statusCode).toBe(200);
    // Refused before its onRequest hooks ran (a malformed URL): its own answer, not 503.
    expect((await app.inject({ method: 'GET', url: '/%zz' })).statusCode).toBe(400);
    sink.failing = false;
    expect((await app.inject({ method: 'POST', url: '/records' })).statusCode).toBe(200);
    await app.close();
  });
});
