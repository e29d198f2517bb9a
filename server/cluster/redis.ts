/**
 * The connections to the shared session store (`REDIS_URL`): one for commands, one for pub/sub (a subscribed
 * connection can run nothing else). Commands fail fast while the store is unreachable — no offline queue, a short
 * timeout — so a request gets a clear 503 instead of hanging; ioredis reconnects on its own, so recovery needs no
 * restart, and the subscriber re-subscribes its channels.
 */
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '../logging/logger';

/** A store command that takes longer than this fails (and the request gets 503). */
const COMMAND_TIMEOUT_MS = 2000;

export interface SessionStoreConnections {
  readonly commands: Redis;
  readonly subscriber: Redis;
  /** True while both connections are up (readiness reports it). */
  readonly ready: boolean;
  close(): Promise<void>;
}

export function connectSessionStore(
  url: string,
  logger: Logger,
  options: { cluster?: boolean; /** @default true */ subscriber?: boolean } = {},
): SessionStoreConnections {
  const base: RedisOptions = {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: COMMAND_TIMEOUT_MS,
    connectTimeout: COMMAND_TIMEOUT_MS,
    // Reconnect quickly at first, then every 2 s, forever: the store coming back must heal the instance.
    retryStrategy: (attempt) => Math.min(100 * attempt, 2000),
  };
  // The subscriber keeps its queue: (re-)subscriptions issued while it reconnects are sent once it is back.
  const subscriberOptions: RedisOptions = { ...base, enableOfflineQueue: true, commandTimeout: undefined };
  const connect = (o: RedisOptions): Redis => (options.cluster ? clusterClient(url, o) : new Redis(url, o));
  const commands = connect(base);
  // Without pub/sub (the broker's storage), the commands connection stands in, so `ready` and `close` still hold.
  const subscriber = options.subscriber === false ? commands : connect(subscriberOptions);
  // The URL may hold a password: log the host only.
  const where = safeHost(url);
  let down = false;
  for (const connection of new Set([commands, subscriber])) {
    connection.on('error', (err: Error) => {
      if (!down) logger.warn({ store: where, err: err.message }, 'session store unreachable');
      down = true;
    });
    connection.on('ready', () => {
      if (down && commands.status === 'ready' && subscriber.status === 'ready') {
        down = false;
        logger.info({ store: where }, 'session store reachable again');
      }
    });
  }
  return {
    commands,
    subscriber,
    get ready() {
      return commands.status === 'ready' && subscriber.status === 'ready';
    },
    async close() {
      commands.disconnect();
      subscriber.disconnect();
    },
  };
}

/**
 * A Redis Cluster client that presents the same commands as a single connection. Every multi-key operation of the
 * server stays in one hash slot (see `keys.ts`), so the cluster never refuses one (CROSSSLOT).
 */
function clusterClient(url: string, o: RedisOptions): Redis {
  const u = new URL(url);
  const cluster = new Cluster([{ host: u.hostname, port: Number(u.port || 6379) }], {
    // ElastiCache Serverless and TLS certificates name the endpoint: connect by name, not by resolved address.
    dnsLookup: (address, callback) => callback(null, address),
    enableOfflineQueue: o.enableOfflineQueue,
    clusterRetryStrategy: o.retryStrategy as (times: number) => number,
    redisOptions: {
      ...o,
      username: u.username ? decodeURIComponent(u.username) : undefined,
      password: u.password ? decodeURIComponent(u.password) : undefined,
      tls: u.protocol === 'rediss:' ? { servername: u.hostname } : undefined,
    },
  });
  // Same command interface; the server only uses what both offer.
  return cluster as unknown as Redis;
}

function safeHost(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}`;
  } catch {
    return '(invalid URL)';
  }
}

/** Resolves once both connections are ready, or rejects after `timeoutMs` with the reason. */
export async function waitForSessionStore(store: SessionStoreConnections, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!store.ready) {
    if (Date.now() > deadline) throw new Error(`the session store (REDIS_URL) did not answer within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
