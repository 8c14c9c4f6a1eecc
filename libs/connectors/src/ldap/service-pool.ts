import { FedgateError } from '@fedgate/core';
import { DirectoryClient } from './directory-client';
import type { LdapConnectorConfig } from './ldap-connector.config';

/** Service connections a connector keeps open at most; logins beyond wait for one to be free. */
export const MAX_SERVICE_CONNECTIONS = 8;

/** A service connection handed out by the pool; `reused` when an earlier login used it. */
export interface ServiceLease {
  connection: DirectoryClient;
  reused: boolean;
}

interface Waiter {
  resolve(lease: ServiceLease): void;
  reject(error: unknown): void;
}

/**
 * Connections bound as the service account, reused by one login after
 * another so a login costs no TLS handshake or service bind for its searches
 * (docs/connectors/ldap.md#connections). At most `size` are open; a login
 * that finds none free waits for one (first come, first served). A
 * connection goes back only when everything done on it succeeded; one the
 * directory closed while idle is dropped when next taken (DirectoryClient
 * never reopens a socket), and a new one is opened and bound. After close,
 * nothing is handed out and returned connections are closed.
 *
 * Waiting is bounded: a login waits for a connection at most the operation
 * timeout, and when opening a connection fails (the directory is down or
 * refuses the service account) every login waiting then fails with it at
 * once, rather than each trying in turn.
 */
export class ServiceConnectionPool {
  private readonly idle: DirectoryClient[] = [];
  private readonly waiting: Waiter[] = [];
  /** Open connections, idle or in use, and ones being opened. */
  private open = 0;
  private closed = false;

  constructor(
    private readonly config: LdapConnectorConfig,
    private readonly size = MAX_SERVICE_CONNECTIONS,
  ) {}

  /** A bound service connection: an idle one when `fresh` is not set, else a new one. */
  async acquire(options: { fresh?: boolean } = {}): Promise<ServiceLease> {
    this.refuseWhenClosed();
    while (options.fresh !== true && this.idle.length > 0) {
      const connection = this.idle.pop();
      if (connection?.usable === true) {
        return { connection, reused: true };
      }
      // Closed by the directory while idle (its idle timeout, a restart): never reused.
      this.open -= 1;
      void connection?.close();
    }
    if (this.open >= this.size) {
      if (options.fresh === true && this.idle.length > 0) {
        // Make room: an idle connection is closed for the fresh one.
        this.open -= 1;
        void this.idle.shift()?.close();
      } else {
        return this.waitForConnection();
      }
    }
    this.open += 1;
    try {
      return { connection: await this.openBound(), reused: false };
    } catch (error) {
      this.open -= 1;
      this.failWaiters(error);
      throw error;
    }
  }

  /**
   * Gives a connection back: kept (or handed to a waiting login) only when
   * `healthy` (every operation on it succeeded; a login refused for the
   * user's own reasons counts) and still bound; closed otherwise.
   */
  release(connection: DirectoryClient, healthy: boolean): void {
    if (!healthy || this.closed || !connection.usable) {
      this.open -= 1;
      void connection.close();
      this.wakeWaiter();
      return;
    }
    const waiter = this.waiting.shift();
    if (waiter) {
      waiter.resolve({ connection, reused: true });
    } else {
      this.idle.push(connection);
    }
  }

  /** Closes the idle connections and refuses waiting and later logins; in-use ones close when returned. */
  async close(): Promise<void> {
    this.closed = true;
    for (const waiter of this.waiting.splice(0)) {
      waiter.reject(this.closedError());
    }
    const idle = this.idle.splice(0);
    this.open -= idle.length;
    await Promise.all(idle.map((connection) => connection.close()));
  }

  private waitForConnection(): Promise<ServiceLease> {
    return new Promise<ServiceLease>((resolve, reject) => {
      const timer = setTimeout(() => {
        const index = this.waiting.indexOf(waiter);
        if (index !== -1) {
          this.waiting.splice(index, 1);
          reject(
            new FedgateError('idp_unavailable', 'The directory is unavailable', {
              phase: 'ldap.service-pool',
              detail: {
                connector: this.config.id,
                reason: `no service connection was free within ${this.config.operationTimeout} ms`,
              },
            }),
          );
        }
      }, this.config.operationTimeout);
      const waiter: Waiter = {
        resolve: (lease) => {
          clearTimeout(timer);
          resolve(lease);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      };
      this.waiting.push(waiter);
    });
  }

  /** Opening a connection failed: the logins waiting now would fail the same way. */
  private failWaiters(error: unknown): void {
    for (const waiter of this.waiting.splice(0)) {
      waiter.reject(error);
    }
  }

  /** A waiting login gets a connection slot of its own, once one is free. */
  private wakeWaiter(): void {
    const waiter = this.waiting.shift();
    if (!waiter) {
      return;
    }
    if (this.closed) {
      waiter.reject(this.closedError());
      return;
    }
    this.open += 1;
    this.openBound().then(
      (connection) => {
        waiter.resolve({ connection, reused: false });
      },
      (error: unknown) => {
        this.open -= 1;
        waiter.reject(error);
        this.failWaiters(error);
      },
    );
  }

  private async openBound(): Promise<DirectoryClient> {
    const connection = await DirectoryClient.open(this.config);
    const bound = await connection
      .bind(this.config.bindDn, this.config.bindPassword)
      .catch(async (error: unknown) => {
        await connection.close();
        throw error;
      });
    if (!bound.ok) {
      await connection.close();
      throw new FedgateError('idp_unavailable', 'The directory is unavailable', {
        phase: 'ldap.service-bind',
        detail: { connector: this.config.id, reason: 'the service account was refused' },
      });
    }
    return connection;
  }

  private refuseWhenClosed(): void {
    if (this.closed) {
      throw this.closedError();
    }
  }

  private closedError(): FedgateError {
    return new FedgateError('idp_unavailable', 'The directory is unavailable', {
      phase: 'ldap.service-pool',
      detail: { connector: this.config.id, reason: 'the connector is closed' },
    });
  }
}
