import { FedgateError, type Identity } from '@fedgate/core';
import {
  evaluate,
  isAdmin,
  parseIdentity,
  type AdminsConfig,
  type Evaluation,
  type MappingConfig,
} from '@fedgate/mapping';
import type { AuditTrail } from '../audit';

/** What the explain flow uses, and nothing more. */
export interface ExplainFlowDependencies {
  /** The mapping and admins in force, read on every request (a config reload swaps them). */
  config: () => MappingConfig & { admins: AdminsConfig };
  audit: AuditTrail;
  /** The clock auth ages are measured with (milliseconds). */
  now: () => number;
}

/**
 * Explains what an arbitrary identity would get (entitlements, the trace
 * of every rule, the decision per grant), for the administrators the
 * config names. Anyone else is refused before the identity is even read;
 * both outcomes are audit events naming the caller and whom they asked
 * about.
 */
export class ExplainFlow {
  constructor(private readonly deps: ExplainFlowDependencies) {}

  explain(caller: Identity, body: unknown): Evaluation {
    // One config for the whole request, even if a reload lands in between.
    const config = this.deps.config();
    const audit = { event: 'admin_explain', connector: caller.connectorId, subject: caller.subject };
    if (!isAdmin(caller, config.admins)) {
      this.deps.audit.record({ ...audit, outcome: 'not_entitled' });
      throw new FedgateError('not_entitled', 'Only administrators may explain the mapping', {
        phase: 'admin.authorization',
      });
    }
    const parsed = parseIdentity(body ?? {});
    if (!parsed.ok) {
      throw new FedgateError('invalid_request', `Invalid identity: ${parsed.problems.join('; ')}`);
    }
    this.deps.audit.record({
      ...audit,
      outcome: 'success',
      explained: { connector: parsed.identity.connectorId, subject: parsed.identity.subject },
    });
    return evaluate(parsed.identity, config, { now: new Date(this.deps.now()) });
  }
}
