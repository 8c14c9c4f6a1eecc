import type { Connector } from './connector';
import { createConnector, type ConnectorConfig, type ConnectorDependencies } from './registry';

/** The configured connectors by id, built once at start-up. */
export class ConnectorCatalog {
  private readonly byId = new Map<string, Connector>();

  constructor(connectors: readonly Connector[]) {
    for (const connector of connectors) {
      if (this.byId.has(connector.id)) {
        throw new Error(`duplicate connector id ${connector.id}`);
      }
      this.byId.set(connector.id, connector);
    }
  }

  static fromConfig(
    configs: readonly ConnectorConfig[],
    dependencies: ConnectorDependencies = {},
  ): ConnectorCatalog {
    return new ConnectorCatalog(configs.map((config) => createConnector(config, dependencies)));
  }

  get(id: string): Connector | undefined {
    return this.byId.get(id);
  }

  list(): Connector[] {
    return [...this.byId.values()];
  }

  /** Closes every connector that holds resources. */
  async close(): Promise<void> {
    await Promise.all(this.list().map((connector) => connector.close?.() ?? Promise.resolve()));
  }
}
