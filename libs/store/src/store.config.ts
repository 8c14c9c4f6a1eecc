import { z } from 'zod';
import { durationSeconds } from '@fedgate/config';

const NODE_ADDRESS = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/;

/** `host:port` (`[::1]:6379` for IPv6), as Redis and its Sentinels are usually listed. */
const nodeAddress = z
  .string()
  .regex(NODE_ADDRESS, 'must be host:port, such as redis-1.internal:6379')
  .refine((address) => {
    const port = Number(address.slice(address.lastIndexOf(':') + 1));
    return port >= 1 && port <= 65535;
  }, 'the port must be 1–65535');

const nodeList = z.array(nodeAddress).min(1, 'must list at least one host:port');

/** TLS to Redis (and Sentinels): `true` trusts the system CAs; `ca` a private CA's PEM. */
const redisTls = z.union([
  z.boolean(),
  z.strictObject({
    ca: z.string().min(1).optional().describe("A private CA's PEM, by reference (`${file:…}`)."),
    /** The name the server's certificate must carry, when it is not the host connected to. */
    servername: z
      .string()
      .min(1)
      .optional()
      .describe("The name the servers' certificates carry, when it is not the host connected to."),
  }),
]);

/**
 * How to reach Redis: one of three topologies, auth and TLS, and the connect
 * bound. The store's redis variant is these keys plus its own; other sections
 * that talk to Redis (audit.redis) take the same keys, checked by the same
 * requireOneRedisTopology.
 */
export const redisConnectionShape = {
  /** A standalone server (or a proxy in front of one): `redis://` or `rediss://`, auth in the URL. */
  url: z
    .url({ protocol: /^rediss?$/, error: 'must be a redis:// or rediss:// URL' })
    .optional()
    .describe(
      'One server: `redis://` or `rediss://` (TLS), user and password in the URL (as a reference: `rediss://:${env:REDIS_PASSWORD}@redis.internal:6380/0`).',
    ),
  /** A primary and its replicas watched by Sentinels, which name the primary to connect to. */
  sentinel: z
    .strictObject({
      masterName: z.string().min(1).describe('The name the Sentinels monitor the primary by.'),
      nodes: nodeList.describe('The Sentinels, as `host:port` (`[::1]:26379` for IPv6).'),
      /** The Sentinels' own password (`requirepass` of sentinel.conf), when they ask for one. */
      password: z
        .string()
        .min(1)
        .optional()
        .describe("The Sentinels' own password (`requirepass` of sentinel.conf), when they ask for one."),
    })
    .optional()
    .describe(
      "A primary with replicas, watched by Redis Sentinel: `masterName` (the name the Sentinels monitor), `nodes` (the Sentinels, `host:port`, at least one), `password` (the Sentinels' own, if any).",
    ),
  /** A Redis Cluster: any reachable nodes; the rest are discovered. */
  cluster: z
    .strictObject({
      nodes: nodeList.describe("Some of the Cluster's nodes, as `host:port`; the others are discovered."),
    })
    .optional()
    .describe('A Redis Cluster: `nodes`, some of its nodes as `host:port`; the others are discovered.'),
  /** For sentinel and cluster (a url carries its own): the data nodes' ACL user and password. */
  username: z.string().min(1).optional().describe("With `sentinel` or `cluster`: the data nodes' ACL user."),
  password: z
    .string()
    .min(1)
    .optional()
    .describe("With `sentinel` or `cluster`: the data nodes' password (a reference)."),
  tls: redisTls
    .optional()
    .describe(
      "With `sentinel` or `cluster`: `true` for TLS trusting the system's CAs, or `{ ca, servername }` with a private CA's PEM (`${file:…}`) and the name the certificates carry. Sentinels too.",
    ),
  connectTimeout: durationSeconds(1, 60)
    .default(5)
    .describe('1s – 60s: how long start-up waits for Redis before it fails.'),
};

/** The Redis connection keys as validated (seconds), whichever section holds them. */
export interface RedisConnectionSection {
  url?: string | undefined;
  sentinel?: { masterName: string; nodes: string[]; password?: string | undefined } | undefined;
  cluster?: { nodes: string[] } | undefined;
  username?: string | undefined;
  password?: string | undefined;
  tls?: boolean | { ca?: string | undefined; servername?: string | undefined } | undefined;
  connectTimeout: number;
}

/** Exactly one topology, and auth in the URL when it is a URL. */
export function requireOneRedisTopology(
  connection: Omit<RedisConnectionSection, 'connectTimeout'>,
  context: z.RefinementCtx,
): void {
  const topologies = [connection.url, connection.sentinel, connection.cluster].filter(
    (value) => value !== undefined,
  );
  if (topologies.length !== 1) {
    context.addIssue({
      code: 'custom',
      message: 'set exactly one of url (one server), sentinel or cluster',
    });
  }
  if (connection.url !== undefined) {
    for (const key of ['username', 'password', 'tls'] as const) {
      if (connection[key] !== undefined) {
        context.addIssue({
          code: 'custom',
          path: [key],
          message: 'goes into the url (redis://user:password@host, rediss:// for TLS) when url is set',
        });
      }
    }
  }
}

/** The redis variant's keys: the connection, and the key prefix. */
const redisStore = z
  .strictObject({
    type: z.literal('redis'),
    ...redisConnectionShape,
    keyPrefix: z
      .string()
      .min(1, 'must not be empty (fedgate keys would mix with other data in the database)')
      .default('fedgate:')
      .describe('Put before every key; must not be empty.'),
  })
  .superRefine(requireOneRedisTopology);

/**
 * The `store` section (docs/configuration.md): memory for one instance, or
 * Redis (one server, Sentinel or Cluster). A Redis key prefix may not be
 * empty: fedgate's keys would mix with whatever else shares the database.
 */
export const storeConfigSchema = z.discriminatedUnion(
  'type',
  [z.strictObject({ type: z.literal('memory') }), redisStore],
  {
    // zod types `issue` as invalid_union only, but input that is not a mapping arrives as invalid_type.
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition
    error: (issue) => (issue.code === 'invalid_union' ? 'type must be one of: memory, redis' : undefined),
  },
);

/** The validated `store` section (seconds; createStore takes milliseconds). */
export type StoreSectionConfig = z.output<typeof storeConfigSchema>;
