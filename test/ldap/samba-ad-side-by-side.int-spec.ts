/**
 * Each Samba AD test domain listens on a loopback address of its own, so two
 * test runs on one machine, or a server already on 127.0.0.1:389, never
 * collide (Samba's LDAP ports cannot be moved).
 */
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { Client } from 'ldapts';
import { startSambaAd, type SambaAdServer } from '../harness/samba-ad';
import { tcpAccepts } from '../harness/processes';

const domains: SambaAdServer[] = [];
let squatter: Server | undefined;

beforeAll(async () => {
  // Something else on 127.0.0.1:389, as a machine's own slapd or Samba would be.
  if (!(await tcpAccepts('127.0.0.1', 389))) {
    const server = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(389, '127.0.0.1', resolve));
    squatter = server;
  }
  const started = await Promise.allSettled([startSambaAd(), startSambaAd()]);
  for (const result of started) {
    if (result.status === 'fulfilled') {
      domains.push(result.value);
    }
  }
  const failed = started.find((result) => result.status === 'rejected');
  if (failed !== undefined) {
    throw failed.reason;
  }
}, 240_000);

afterAll(async () => {
  await Promise.all(domains.map((domain) => domain.stop()));
  const server = squatter;
  if (server !== undefined) {
    await new Promise<void>((resolve) => {
      server.close(() => {
        resolve();
      });
    });
  }
});

it('runs two domains side by side, each on its own loopback address, beside a server on 127.0.0.1:389', async () => {
  expect(domains).toHaveLength(2);
  const [first, second] = domains as [SambaAdServer, SambaAdServer];
  expect(first.ldapsUrl).not.toBe(second.ldapsUrl);
  for (const domain of domains) {
    expect(domain.ldapsUrl).toMatch(/^ldaps:\/\/127\.\d+\.\d+\.\d+:636$/);
    expect(domain.ldapsUrl).not.toContain('127.0.0.1');
    // The certificate names the address: hostname verification passes.
    const client = new Client({
      url: domain.ldapsUrl,
      tlsOptions: { ca: [await readFile(domain.caCertFile)] },
    });
    try {
      await client.bind('alice@corp.example', domain.passwords.alice);
    } finally {
      await client.unbind();
    }
  }
});
