import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LiveConfig, validateBrokerConfig, type FedgateConfig } from '@fedgate/broker-config';
import type { AuditEvent } from '@fedgate/flows';
import { createLogger } from '@fedgate/logging';
import { LogCapture } from '../../../test/harness/log-capture';
import { ConfigReloader, type ConfigSource } from './config-reloader';

// A real hash (of "x", ln=10) so the static connector's schema accepts it.
const HASH = '$scrypt$ln=10,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA==$m1rlnJxXIEcXFdgJ0YqXrS+jxF7V3HvXgaGrFYcBnYg=';

function file(permissionSets: string): string {
  return `
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
  - { name: Developer, roleName: fedgate-Developer }
  - { name: Admin, roleName: fedgate-Admin }
assignments:
  - { match: { groups: [developers] }, accounts: [prod], permissionSets: [${permissionSets}] }
`;
}

describe('ConfigReloader', () => {
  let dir: string;
  let source: ConfigSource;
  let audit: AuditEvent[];
  let log: LogCapture;

  const granted = (config: FedgateConfig): readonly string[] => config.assignments[0]?.permissionSets ?? [];

  async function started(
    applied?: (config: FedgateConfig) => void,
  ): Promise<{ live: LiveConfig; reloader: ConfigReloader }> {
    const validation = await validateBrokerConfig(source.path, { env: source.env });
    if (!validation.ok) {
      throw validation.error;
    }
    const live = new LiveConfig(validation.config);
    const reloader = new ConfigReloader({
      source,
      live,
      audit: { record: (event) => audit.push(event) },
      logger: createLogger({ level: 'info', destination: log }),
      ...(applied === undefined ? {} : { applied }),
    });
    return { live, reloader };
  }

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'fedgate-reloader-'));
    source = { path: join(dir, 'fedgate.yaml'), env: {} };
    audit = [];
    log = new LogCapture();
    writeFileSync(source.path, file('ReadOnly'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs one reload at a time: the second reads the file only after the first put its own in force', async () => {
    let first = true;
    const { live, reloader } = await started(() => {
      // Written while the first reload applies: only a reload that starts after it can see it.
      if (first) {
        first = false;
        writeFileSync(source.path, file('Admin'));
      }
    });
    writeFileSync(source.path, file('Developer'));
    const reports = await Promise.all([
      reloader.reload({ trigger: 'signal' }),
      reloader.reload({ trigger: 'signal' }),
    ]);
    expect(reports.map((report) => [report.ok, report.version])).toEqual([
      [true, 2],
      [true, 3],
    ]);
    expect(granted(live.current)).toEqual(['Admin']);
  });

  it('refuses an unreadable file with its reason, keeps the config in force, and audits and logs the refusal', async () => {
    const { live, reloader } = await started();
    const before = live.current;
    rmSync(source.path);
    const report = await reloader.reload({
      trigger: 'admin',
      by: { connector: 'corp', subject: 'alice' },
      clientAddress: '127.0.0.1',
    });
    expect(report).toMatchObject({ ok: false, version: 1, changedSections: [], restartRequired: [] });
    expect(report.issues.map((issue) => issue.path)).toEqual(['(root)']);
    expect(report.issues[0]?.message).toContain('cannot read the file');
    expect(live.current).toBe(before);
    expect(audit).toEqual([
      {
        event: 'config_reload',
        outcome: 'refused',
        trigger: 'admin',
        connector: 'corp',
        subject: 'alice',
        clientAddress: '127.0.0.1',
        version: 1,
        changedSections: [],
        restartRequired: [],
        issues: report.issues,
      },
    ]);
    expect(log.lines().at(-1)).toMatchObject({ level: 50, issues: report.issues });
  });

  it('refuses every reload of a broker built without a file', async () => {
    const { live } = await started();
    const reloader = new ConfigReloader({
      source: undefined,
      live,
      audit: { record: (event) => audit.push(event) },
      logger: createLogger({ level: 'info', destination: log }),
    });
    const report = await reloader.reload({ trigger: 'signal' });
    expect(report.ok).toBe(false);
    expect(report.issues).toEqual([
      { path: '(root)', message: 'this broker was not started from a file: nothing to reload' },
    ]);
  });

  it('refuses an admin reload to anyone the config in force does not name, without reading the file', async () => {
    const { live, reloader } = await started();
    writeFileSync(source.path, file('Admin'));
    await expect(
      reloader.reloadAsAdmin(
        {
          connectorId: 'corp',
          subject: 'alice',
          username: 'alice',
          groups: ['developers'],
          attributes: {},
          mfa: { satisfied: false, methods: [] },
          authTime: '2026-12-05T08:00:00Z',
        },
        '127.0.0.1',
      ),
    ).rejects.toMatchObject({ code: 'not_entitled' });
    expect(granted(live.current)).toEqual(['ReadOnly']);
    expect(audit).toEqual([
      expect.objectContaining({ event: 'config_reload', outcome: 'not_entitled', trigger: 'admin' }),
    ]);
  });
});
