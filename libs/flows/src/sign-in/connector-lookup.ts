import { FedgateError } from '@fedgate/core';
import type { Connector } from '@fedgate/connectors';

/** What the sign-in flows need of the connector catalog. */
export interface ConnectorLookup {
  get(id: string): Connector | undefined;
}

/** The connector with this id, or `unknown_connector`. */
export function connectorById(connectors: ConnectorLookup, id: string): Connector {
  const connector = connectors.get(id);
  if (connector === undefined) {
    throw new FedgateError('unknown_connector', `No connector with id "${id}"`);
  }
  return connector;
}
