import { evaluate } from '@fedgate/mapping';
import type { Identity } from '@fedgate/core';
import { parseConfig } from './broker-config-file';
import type { FedgateConfig } from './broker-config.schema';
import { changedPaths, changedSections, LiveConfig, restartOnlyIssues } from './live-config';

// A real hash (of "x", ln=10) so the static connector's schema accepts it.
const HASH = '$scrypt$ln=10,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA==$m1rlnJxXIEcXFdgJ0YqXrS+jxF7V3HvXgaGrFYcBnYg=';

const BASE = `
server: { port: 8080 }
connectors:
  - id: corp
    type: static
    users:
      - { username: alice, passwordHash: '${HASH}', groups: [developers] }
backends:
  - { id: aws, type: sts }
accounts:
  - { id: '111111111111', name: prod, backend: aws }
permissionSets:
  - { name: ReadOnly, roleName: fedgate-ReadOnly }
  - { name: Developer, roleName: fedgate-Developer, sessionDuration: 2h }
assignments:
  - { match: { groups: [developers] }, accounts: [prod], permissionSets: [ReadOnly] }
`;

function config(text: string): FedgateConfig {
  const result = parseConfig(text, { env: {}, baseDir: '/nonexistent' });
  if (!result.ok) {
    throw new Error(result.issues.map((issue) => `${issue.path}: ${issue.message}`).join('\n'));
  }
  return result.config;
}

const ALICE: Identity = {
  connectorId: 'corp',
  subject: 'alice',
  username: 'alice',
  groups: ['developers'],
  attributes: {},
  mfa: { satisfied: false, methods: [] },
  authTime: '2026-12-05T08:00:00Z',
};

function entitlementsOf(live: LiveConfig): string[] {
  return evaluate(ALICE, live.current, { now: new Date('2026-12-05T08:01:00Z') }).entitlements.map(
    (entitlement) => `${entitlement.accountName}/${entitlement.permissionSet}`,
  );
}

describe('changedSections and changedPaths', () => {
  it('name the top-level sections whose content differs, and nothing for an equal copy', () => {
    const before = config(BASE);
    expect(changedSections(before, config(BASE))).toEqual([]);
    const after = config(
      BASE.replace('permissionSets: [ReadOnly]', 'permissionSets: [ReadOnly, Developer]').replace(
        'port: 8080',
        'port: 9090',
      ),
    );
    expect(changedSections(before, after).sort()).toEqual(['assignments', 'server']);
  });

  it('go down to the changed key of maps and the index of equal-length lists, never to a value', () => {
    expect(changedPaths({ a: { b: 1, c: 2 } }, { a: { b: 1, c: 3 } })).toEqual(['a.c']);
    expect(
      changedPaths([{ x: 'secret-1' }, { x: 'same' }], [{ x: 'secret-2' }, { x: 'same' }], ['keys']),
    ).toEqual(['keys[0].x']);
    expect(changedPaths(['one'], ['one', 'two'], ['list'])).toEqual(['list']);
    expect(changedPaths({ a: 1 }, { a: 1, b: 2 }, ['s'])).toEqual(['s.b']);
  });
});

describe('restartOnlyIssues', () => {
  it('lists every changed path of a restart-only section, and none of a live one', () => {
    const before = config(BASE);
    const after = config(
      BASE.replace('port: 8080', 'port: 9090')
        .replace("passwordHash: '", "displayName: Alice, passwordHash: '")
        .replace('{ id: aws, type: sts }', '{ id: aws, type: sts, maxAttempts: 5 }')
        .replace('roleName: fedgate-ReadOnly', 'roleName: fedgate-Reader'),
    );
    expect(restartOnlyIssues(before, after)).toEqual([
      { path: 'server.port', message: 'changes need a restart' },
      { path: 'connectors[0].users[0].displayName', message: 'changes need a restart' },
      { path: 'backends[0].maxAttempts', message: 'changes need a restart' },
    ]);
  });
});

describe('LiveConfig', () => {
  it('puts a changed mapping in force as a new object (unchanged sections kept) with a new version, and new entitlements', () => {
    const initial = config(BASE);
    const live = new LiveConfig(initial);
    expect(live.version).toBe(1);
    expect(entitlementsOf(live)).toEqual(['prod/ReadOnly']);

    const next = config(BASE.replace('permissionSets: [ReadOnly]', 'permissionSets: [Developer]'));
    expect(live.reload(next)).toEqual({ ok: true, version: 2, changedSections: ['assignments'] });
    expect(live.current).not.toBe(initial);
    expect(live.current.assignments).toBe(next.assignments);
    expect(live.current.permissionSets).toBe(initial.permissionSets);
    expect(live.current.connectors).toBe(initial.connectors);
    expect(initial.assignments[0]?.permissionSets).toEqual(['ReadOnly']);
    expect(entitlementsOf(live)).toEqual(['prod/Developer']);
  });

  it('accepts an unchanged file keeping the version and the object in force', () => {
    const initial = config(BASE);
    const live = new LiveConfig(initial);
    expect(live.reload(config(BASE))).toEqual({ ok: true, version: 1, changedSections: [] });
    expect(live.current).toBe(initial);
  });

  it('compares with the file as loaded, not with what a library added to a section in force', () => {
    const initial = config(BASE);
    const live = new LiveConfig(initial);
    // What the AWS SDK does to the credentials object it is given.
    Object.assign(initial.connectors[0] ?? {}, { $source: { CREDENTIALS_CODE: 'e' } });
    expect(live.reload(config(BASE))).toEqual({ ok: true, version: 1, changedSections: [] });
    const next = config(BASE.replace('permissionSets: [ReadOnly]', 'permissionSets: [Developer]'));
    expect(live.reload(next).ok).toBe(true);
    expect(live.current.connectors).toBe(initial.connectors);
    expect(
      live.reload(config(BASE.replace('permissionSets: [ReadOnly]', 'permissionSets: [Developer]'))),
    ).toEqual({ ok: true, version: 2, changedSections: [] });
  });

  it('refuses a restart-only change with its path, even beside a live change, and changes nothing', () => {
    const initial = config(BASE);
    const live = new LiveConfig(initial);
    const next = config(
      BASE.replace('port: 8080', 'port: 9090').replace(
        'permissionSets: [ReadOnly]',
        'permissionSets: [Developer]',
      ),
    );
    expect(live.reload(next)).toEqual({
      ok: false,
      version: 1,
      changedSections: ['server', 'assignments'],
      issues: [{ path: 'server.port', message: 'changes need a restart' }],
      restartRequired: ['server.port'],
    });
    expect(live.current).toBe(initial);
    expect(entitlementsOf(live)).toEqual(['prod/ReadOnly']);
  });

  it('takes admins, rate limits and the log level live', () => {
    const live = new LiveConfig(config(BASE));
    const next = config(
      `${BASE}admins: { users: ['corp:alice'] }\nissuanceRateLimit: { perUser: 5 }\nlogging: { level: debug }\n`,
    );
    const outcome = live.reload(next);
    expect(outcome.ok).toBe(true);
    expect([...outcome.changedSections].sort()).toEqual(['admins', 'issuanceRateLimit', 'logging']);
    expect(live.current.admins.users).toEqual(['corp:alice']);
  });
});
