import {
  validateBrokerConfig,
  type ConfigSection,
  type FedgateConfig,
  type LiveConfig,
} from '@fedgate/broker-config';
import { ROOT_PATH, type ConfigIssue } from '@fedgate/config';
import { FedgateError, type Identity } from '@fedgate/core';
import type { AuditTrail } from '@fedgate/flows';
import type { Logger } from '@fedgate/logging';
import { isAdmin } from '@fedgate/mapping';

/** What asked for a reload: SIGHUP, or an admin at POST /api/v1/admin/reload. */
export type ReloadTrigger = 'signal' | 'admin';

/** Who asked, for the audit trail. */
export interface ReloadRequest {
  trigger: ReloadTrigger;
  /** The admin who called the endpoint. */
  by?: { connector: string; subject: string };
  clientAddress?: string | undefined;
}

/** The answer of one reload: what is in force now, or every reason the file was refused. */
export interface ReloadReport {
  ok: boolean;
  /** The version in force after the reload (unchanged when refused or when nothing changed). */
  version: number;
  changedSections: ConfigSection[];
  /** The changed paths that need a restart (each also in `issues`). */
  restartRequired: string[];
  /** Every problem, with its path; empty when the reload was applied. */
  issues: ConfigIssue[];
}

/** The file the broker started with, and the environment its references resolve in. */
export interface ConfigSource {
  path: string;
  env: Readonly<Record<string, string | undefined>>;
}

export interface ConfigReloaderDependencies {
  /** Absent when the broker was built from a config object, not a file (some tests): reloads are refused. */
  source: ConfigSource | undefined;
  live: LiveConfig;
  audit: AuditTrail;
  logger: Logger;
  /** Called with the configuration a reload put in force. */
  applied?: (config: FedgateConfig) => void;
}

/**
 * Re-reads the broker's file with the validation the start-up runs and puts
 * it in force (LiveConfig.reload), or refuses it with every issue and
 * changes nothing. One reload at a time: a second waits for the first, so
 * each compares against what is really in force. Every reload is an audit
 * event `config_reload` and a log line, with paths and messages, never
 * values.
 */
export class ConfigReloader {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: ConfigReloaderDependencies) {}

  /**
   * A reload an admin asked for: anyone the configuration in force does not
   * name in `admins` is refused (not_entitled, audited) and nothing is read.
   */
  reloadAsAdmin(caller: Identity, clientAddress: string | undefined): Promise<ReloadReport> {
    const by = { connector: caller.connectorId, subject: caller.subject };
    if (!isAdmin(caller, this.deps.live.current.admins)) {
      this.deps.audit.record({
        event: 'config_reload',
        outcome: 'not_entitled',
        trigger: 'admin',
        ...by,
        clientAddress,
      });
      return Promise.reject(
        new FedgateError('not_entitled', 'Only administrators may reload the configuration', {
          phase: 'admin.authorization',
        }),
      );
    }
    return this.reload({ trigger: 'admin', by, clientAddress });
  }

  reload(request: ReloadRequest): Promise<ReloadReport> {
    const run = this.queue.then(() => this.reloadNow(request));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async reloadNow(request: ReloadRequest): Promise<ReloadReport> {
    const report = await this.attempt();
    const fields = {
      trigger: request.trigger,
      ...(request.by === undefined ? {} : { connector: request.by.connector, subject: request.by.subject }),
      ...(request.clientAddress === undefined ? {} : { clientAddress: request.clientAddress }),
      version: report.version,
      changedSections: report.changedSections,
      ...(report.ok ? {} : { restartRequired: report.restartRequired, issues: report.issues }),
    };
    this.deps.audit.record({ event: 'config_reload', outcome: report.ok ? 'success' : 'refused', ...fields });
    if (report.ok) {
      this.deps.logger.info(fields, 'configuration reloaded');
    } else {
      this.deps.logger.error(
        fields,
        'configuration reload refused: the configuration in force keeps running',
      );
    }
    return report;
  }

  private async attempt(): Promise<ReloadReport> {
    const { live, source } = this.deps;
    const refused = (
      issues: ConfigIssue[],
      changedSections: ConfigSection[] = [],
      restartRequired: string[] = [],
    ): ReloadReport => ({ ok: false, version: live.version, changedSections, restartRequired, issues });
    if (source === undefined) {
      return refused([
        { path: ROOT_PATH, message: 'this broker was not started from a file: nothing to reload' },
      ]);
    }
    const validation = await validateBrokerConfig(source.path, { env: source.env });
    if (!validation.ok) {
      return refused([...validation.error.issues]);
    }
    const outcome = live.reload(validation.config);
    if (!outcome.ok) {
      return refused(outcome.issues, outcome.changedSections, outcome.restartRequired);
    }
    if (outcome.changedSections.length > 0) {
      this.deps.applied?.(live.current);
    }
    return {
      ok: true,
      version: outcome.version,
      changedSections: outcome.changedSections,
      restartRequired: [],
      issues: [],
    };
  }
}
