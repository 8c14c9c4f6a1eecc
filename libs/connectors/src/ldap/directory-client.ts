import { connect as connectTcp } from 'node:net';
import {
  connect as connectTls,
  createSecureContext,
  type ConnectionOptions,
  type SecureContext,
} from 'node:tls';
import { Client, InvalidCredentialsError, type Entry } from 'ldapts';
import { FedgateError } from '@fedgate/core';
import type { LdapConnectorConfig } from './ldap-connector.config';

export type DirectoryEntry = Entry;

/**
 * One TLS context per connector config: building it parses the CA bundle, a
 * large part of a handshake's CPU when every login opens a connection for
 * the user's bind. Configs are immutable once loaded.
 */
const secureContexts = new WeakMap<LdapConnectorConfig, SecureContext>();

function secureContextOf(config: LdapConnectorConfig): SecureContext {
  let context = secureContexts.get(config);
  if (context === undefined) {
    context = createSecureContext({
      minVersion: 'TLSv1.2',
      ...(config.tls.ca === undefined ? {} : { ca: config.tls.ca }),
    });
    secureContexts.set(config, context);
  }
  return context;
}

/** Whether a connection's socket was ever opened (ldapts opens it on the first request over ldaps://). */
interface SocketState {
  opened: boolean;
}

/** Why an operation on a connection the directory closed fails instead of reconnecting. */
const CONNECTION_LOST = 'the connection to the directory was closed; it is not reopened';

/**
 * One connection to the directory, opened over TLS (ldaps:// or a StartTLS
 * upgrade that must succeed before anything else is sent), with connect and
 * operation timeouts always set. Infrastructure failures become
 * `idp_unavailable`, never "wrong password".
 *
 * A connection is one socket for its whole life: once the directory closes
 * it, every operation fails. ldapts would otherwise reconnect transparently,
 * and the new socket would carry on unauthenticated (a search that finds
 * nobody) and, for StartTLS, unencrypted. Whoever pools connections opens
 * a new one instead (see usable and connected).
 */
export class DirectoryClient {
  private constructor(
    private readonly client: Client,
    private readonly connectorId: string,
    private readonly sockets: SocketState,
  ) {}

  /** Set by close(), even before any socket was opened. */
  private closed = false;

  /**
   * Opens a connection, not bound yet: with StartTLS, connected and
   * upgraded; over ldaps://, ldapts connects (TLS) with the first request.
   */
  static async open(config: LdapConnectorConfig): Promise<DirectoryClient> {
    const tlsOptions: ConnectionOptions = {
      // TLS 1.2 at least, and the configured CA (else the system's): see secureContextOf.
      secureContext: secureContextOf(config),
      rejectUnauthorized: true,
      ...(config.tls.serverName === undefined ? {} : { servername: config.tls.serverName }),
    };
    const sockets: SocketState = { opened: false };
    const client = new Client({
      url: config.url,
      timeout: config.operationTimeout,
      connectTimeout: config.connectTimeout,
      // ldapts opens TLS at once whenever tlsOptions are given: only ldaps:// gets them here.
      ...(config.url.startsWith('ldaps://') ? { tlsOptions } : {}),
      strictDN: false,
      autoRebind: false,
      ...DirectoryClient.singleSocket(sockets),
    });
    const directory = new DirectoryClient(client, config.id, sockets);
    if (config.startTls) {
      // startTLS() writes the socket into the options it gets: hand it a copy.
      await directory.guard('starttls', () => client.startTLS({ ...tlsOptions }));
    }
    return directory;
  }

  /**
   * Socket factories that open one plain and one TLS socket (StartTLS wraps
   * the first in the second) and refuse any later one: ldapts's reconnect.
   * Nagle's algorithm is off: each request is small and waits for its answer,
   * so batching could only delay it.
   */
  private static singleSocket(
    sockets: SocketState,
  ): Pick<
    NonNullable<ConstructorParameters<typeof Client>[0]>,
    'createConnection' | 'createSecureConnection'
  > {
    let plainOpened = false;
    let tlsOpened = false;
    const createConnection = ((...args: Parameters<typeof connectTcp>) => {
      if (plainOpened) {
        throw new Error(CONNECTION_LOST);
      }
      plainOpened = true;
      sockets.opened = true;
      return connectTcp(...args).setNoDelay(true);
    }) as typeof connectTcp;
    const createSecureConnection = ((...args: Parameters<typeof connectTls>) => {
      if (tlsOpened) {
        throw new Error(CONNECTION_LOST);
      }
      tlsOpened = true;
      sockets.opened = true;
      const socket = connectTls(...args);
      socket.setNoDelay(true);
      return socket;
    }) as typeof connectTls;
    return { createConnection, createSecureConnection };
  }

  /** Whether the connection is still open and bound: only then may the service pool hand it out again. */
  get usable(): boolean {
    return this.client.isBound;
  }

  /**
   * Whether the connection can still carry a request, bound or not: its
   * socket is open, or not opened yet (ldapts connects ldaps:// on the first
   * request). Once its socket has closed, never again. The user-bind pool's
   * test, whose connections carry whatever identity the last bind left.
   */
  get connected(): boolean {
    return !this.closed && (this.client.isConnected || !this.sockets.opened);
  }

  /** Binds; resolves false for invalid credentials (with the server's message), throws for anything else. */
  async bind(dn: string, password: string): Promise<{ ok: true } | { ok: false; message: string }> {
    try {
      await this.client.bind(dn, password);
      return { ok: true };
    } catch (error) {
      if (error instanceof InvalidCredentialsError) {
        return { ok: false, message: error.message };
      }
      throw this.unavailable('bind', error);
    }
  }

  async search(
    baseDn: string,
    filter: string,
    attributes: readonly string[],
    options: { sizeLimit?: number; binary?: readonly string[]; scope?: 'base' | 'sub' } = {},
  ): Promise<DirectoryEntry[]> {
    return this.guard('search', async () => {
      const { searchEntries } = await this.client.search(baseDn, {
        scope: options.scope ?? 'sub',
        filter,
        attributes: [...attributes],
        derefAliases: 'never',
        ...(options.sizeLimit === undefined ? {} : { sizeLimit: options.sizeLimit }),
        ...(options.binary === undefined ? {} : { explicitBufferAttributes: [...options.binary] }),
      });
      // Referrals (searchReferences) are ignored on purpose: fedgate never chases them.
      return searchEntries;
    });
  }

  /** Closes the connection; never throws (a dead connection is already closed). */
  async close(): Promise<void> {
    this.closed = true;
    try {
      await this.client.unbind();
    } catch {
      // Nothing to do: the socket is gone either way.
    }
  }

  private async guard<T>(phase: string, operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw this.unavailable(phase, error);
    }
  }

  private unavailable(phase: string, error: unknown): FedgateError {
    if (error instanceof FedgateError) {
      return error;
    }
    return new FedgateError('idp_unavailable', 'The directory is unavailable', {
      cause: error,
      phase: `ldap.${phase}`,
      detail: {
        connector: this.connectorId,
        reason: error instanceof Error ? error.message : String(error),
      },
    });
  }
}
