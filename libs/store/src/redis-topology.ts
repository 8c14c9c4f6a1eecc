import type { ConnectionOptions } from 'node:tls';
import { Cluster, Redis, type RedisOptions } from 'ioredis';

/** TLS to Redis: `true` trusts the system CAs; `ca` a private CA's PEM. */
export type RedisTls = boolean | { ca?: string; servername?: string };

/** How to reach Redis: one server by URL, a Sentinel-watched primary, or a Cluster. */
export type RedisTopology =
  | { url: string }
  | {
      sentinel: { masterName: string; nodes: readonly string[]; password?: string };
      username?: string;
      password?: string;
      tls?: RedisTls;
    }
  | { cluster: { nodes: readonly string[] }; username?: string; password?: string; tls?: RedisTls };

/** A client the store can run commands on: one connection (standalone or Sentinel) or a Cluster. */
export type RedisClient = Redis | Cluster;

/** `host:port` (IPv6 in brackets) as ioredis takes it. */
export function parseNodeAddress(address: string): { host: string; port: number } {
  const separator = address.lastIndexOf(':');
  const host = address.slice(0, separator).replace(/^\[(.*)\]$/, '$1');
  return { host, port: Number(address.slice(separator + 1)) };
}

const MAX_RETRY_DELAY_MS = 2_000;

/** Keep trying in the background, at most every 2 s: the store recovers when Redis does. */
function retryDelayMs(attempt: number): number {
  return Math.min(attempt * 100, MAX_RETRY_DELAY_MS);
}

function tlsOptions(tls: RedisTls | undefined): ConnectionOptions | undefined {
  if (tls === undefined || tls === false) {
    return undefined;
  }
  return tls === true ? {} : { ca: tls.ca, servername: tls.servername };
}

/**
 * Builds the ioredis client for a topology, not yet connected, with the
 * fail-closed options applied to every connection it makes: to the server,
 * to each Sentinel and to each Cluster node.
 */
export function createRedisClient(topology: RedisTopology, failClosed: RedisOptions): RedisClient {
  if ('url' in topology) {
    return new Redis(topology.url, failClosed);
  }
  const auth = { username: topology.username, password: topology.password, tls: tlsOptions(topology.tls) };
  if ('sentinel' in topology) {
    return new Redis({
      ...failClosed,
      ...auth,
      sentinels: topology.sentinel.nodes.map(parseNodeAddress),
      name: topology.sentinel.masterName,
      sentinelPassword: topology.sentinel.password,
      sentinelTLS: auth.tls,
      enableTLSForSentinelMode: auth.tls !== undefined,
      // Sentinels announce a new primary at once, instead of the store waiting for errors.
      failoverDetector: true,
      // Asked while the old primary is demoted: reconnect, through the Sentinels, to the new one.
      reconnectOnError: (error) => error.message.startsWith('READONLY'),
      sentinelRetryStrategy: retryDelayMs,
    });
  }
  return new Cluster(topology.cluster.nodes.map(parseNodeAddress), {
    redisOptions: { ...failClosed, ...auth },
    lazyConnect: true,
    enableOfflineQueue: false,
    // Batched per node as on one server (failClosedClientOptions). Until the Cluster knows its slots
    // a batch waits for them; RedisStore's own deadline bounds that wait like any other.
    enableAutoPipelining: failClosed.enableAutoPipelining,
    clusterRetryStrategy: retryDelayMs,
    // A node that moved a slot or failed over is asked again at most this often, never queued for.
    maxRedirections: 3,
    // A command whose node connection closed fails; it is never sent again. ioredis (cluster/index.js
    // handleError) resends such a command, singly or as a whole pipeline, after retryDelayOnFailover
    // (100 ms by default): the connection may have dropped after the node ran it, so a script would
    // run twice, counting a login or a request twice. Node connections take neither retryStrategy nor
    // enableOfflineQueue from redisOptions (cluster/ConnectionPool.js), so this option is the one
    // that decides. MOVED, ASK, TRYAGAIN and CLUSTERDOWN mean the command did not run: still retried.
    retryDelayOnFailover: 0,
    slotsRefreshTimeout: failClosed.connectTimeout,
  });
}
