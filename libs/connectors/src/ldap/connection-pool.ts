import { FedgateError } from '@fedgate/core';
import { DirectoryClient } from './directory-client';
import type { LdapConnectorConfig } from './ldap-connector.config';

/** Service connections a connector keeps open at most; logins beyond wait for one to be free. */
export const MAX_SERVICE_CONNECTIONS = 8;

/**
 * User-bind connections a connector keeps open at most. As many as service
 * connections: a login holds its service connection while it binds, so
 * logins never wait for a bind connection that a pooled one could serve.
 */
export const MAX_BIND_CONNECTIONS = MAX_SERVICE_CONNECTIONS;

/** A connection handed out by a pool; `reused` when an earlier login used it. */
export interface ConnectionLease {
  connection: DirectoryClient;
  reused: boolean;
}

/** What a pool's connections are for: how a new one is made ready, when one may be lent again. */
export interface PoolPurpose {
  /** The connections' name in error reasons, e.g. "service". */
  readonly name: string;
  /** The phase of the errors the pool itself raises, e.g. "ldap.service-pool". */
  readonly phase: string;
  /** Makes a newly opened connection (TLS established) ready to lend; the pool closes it if this throws. */
  prepare(connection: DirectoryClient): Promise<void>;
  /** Whether an idle or returned connection may be lent again. */
  reusable(connection: DirectoryClient): boolean;
}

interface Waiter {
  resolve(lease: ConnectionLease): void;
  reject(error: unknown): void;
}

/**
 * Connections to the directory, reused by one login after another so a
 * login costs no TLS handshake (docs/connectors/ldap.md#connections), each
 * lent to one caller at a time. What a connection is for is the pool's
 * purpose: bound as the service account for searches (servicePurpose), or
 * left as it is for users' binds only (userBindPurpose). At most `size` are
 * open; a login that finds none free waits for one (first come, first
 * served). A connection goes back only when everything done on it
 * succeeded; one the directory closed while idle is dropped when next taken
 * (DirectoryClient never reopens a socket), and a new one is opened and
 * prepared. After close, nothing is handed out and returned connections are
 * closed.
 *
 * Waiting is bounded: a login waits for a connection at most the operation
 * timeout, and when opening a connection fails (the directory is down or
 * refuses the service account) every login waiting then fails with it at
 * once, rather than each trying in turn.
 */
export class ConnectionPool {
  private readonly idle: DirectoryClient[] = [];
  private readonly waiting: Waiter[] = [];
  /** Open connections, idle or in use, and ones being opened. */
  private open = 0;
  private closed = false;

  constructor(
    private readonly config: LdapConnectorConfig,
    private readonly purpose: PoolPurpose,
    private readonly size: number,
  ) {}

  /** A ready connection: an idle one when `fresh` is not set, else a new one. */
  async acquire(options: { fresh?: boolean } = {}): Promise<ConnectionLease> {
    this.refuseWhenClosed();
    while (options.fresh !== true && this.idle.length > 0) {
      const connection = this.idle.pop();
      if (connection !== undefined && this.purpose.reusable(connection)) {
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
      return { connection: await this.openReady(), reused: false };
    } catch (error) {
      this.open -= 1;
      this.failWaiters(error);
      throw error;
    }
  }

  /**
   * Gives a connection back: kept (or handed to a waiting login) only when
   * `healthy` (every operation on it succeeded; a login refused for the
   * user's own reasons counts) and still reusable; closed otherwise.
   */
  release(connection: DirectoryClient, healthy: boolean): void {
    if (!healthy || this.closed || !this.purpose.reusable(connection)) {
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

  private waitForConnection(): Promise<ConnectionLease> {
    return new Promise<ConnectionLease>((resolve, reject) => {
      const timer = setTimeout(() => {
        const index = this.waiting.indexOf(waiter);
        if (index !== -1) {
          this.waiting.splice(index, 1);
          reject(
            new FedgateError('idp_unavailable', 'The directory is unavailable', {
              phase: this.purpose.phase,
              detail: {
                connector: this.config.id,
                reason: `no ${this.purpose.name} connection was free within ${this.config.operationTimeout} ms`,
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
    this.openReady().then(
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

  private async openReady(): Promise<DirectoryClient> {
    const connection = await DirectoryClient.open(this.config);
    try {
      await this.purpose.prepare(connection);
    } catch (error) {
      await connection.close();
      throw error;
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
      phase: this.purpose.phase,
      detail: { connector: this.config.id, reason: 'the connector is closed' },
    });
  }
}

/**
 * Connections bound as the service account, for searches (the user, groups,
 * the AD lockout policy): reusable while still open and bound.
 */
export function servicePurpose(config: LdapConnectorConfig): PoolPurpose {
  return {
    name: 'service',
    phase: 'ldap.service-pool',
    async prepare(connection) {
      const bound = await connection.bind(config.bindDn, config.bindPassword);
      if (!bound.ok) {
        throw new FedgateError('idp_unavailable', 'The directory is unavailable', {
          phase: 'ldap.service-bind',
          detail: { connector: config.id, reason: 'the service account was refused' },
        });
      }
    },
    reusable: (connection) => connection.usable,
  };
}

/**
 * Connections for users' binds and nothing else, never searched on: the
 * identity an earlier bind left on one (a user's, or none after a refused
 * bind) is replaced by the next bind and never used. A new one is lent as
 * opened (TLS or StartTLS done, nothing bound); reusable while still open.
 */
export const userBindPurpose: PoolPurpose = {
  name: 'user bind',
  phase: 'ldap.bind-pool',
  prepare: () => Promise.resolve(),
  reusable: (connection) => connection.connected,
};
