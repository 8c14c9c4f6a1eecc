import { ConfigError, type ConfigIssue } from '@fedgate/config';
import { samlStartupIssues } from '@fedgate/connectors';
import { issuanceStartupIssues } from '@fedgate/issuance';
import type { FedgateConfig } from './broker-config.schema';

/**
 * What the broker refuses at start-up in a schema-valid configuration: the
 * semantic checks each stage exports (SAML metadata files, issuance's
 * signing keys and token issuer). Empty when every stage can start. Opens no
 * connection.
 */
export function brokerStartupIssues(config: FedgateConfig): Promise<ConfigIssue[]> {
  return Promise.resolve([
    ...samlStartupIssues(config.connectors),
    ...issuanceStartupIssues(config.issuance, config.server.publicUrl),
  ]);
}

/**
 * Throws a ConfigError listing every start-up issue (brokerStartupIssues),
 * so nothing is built from a configuration the broker cannot run.
 */
export async function assertBrokerStartup(
  config: FedgateConfig,
  source = 'the configuration',
): Promise<void> {
  const issues = await brokerStartupIssues(config);
  if (issues.length > 0) {
    throw ConfigError.invalid(source, issues);
  }
}
