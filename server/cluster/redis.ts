/**
 * The connections to the shared session store (`REDIS_URL`): one for commands, one for pub/sub (a subscribed
 * connection can run nothing else), and one for the appends of calls in flight (see `redisOptions`). Requests fail
 * fast while the store is unreachable, so they get a clear 503 instead of hanging; ioredis reconnects on its own,
 * so recovery needs no restart, and the subscriber re-subscribes its channels.
 */
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '../logging/logger';
import { safeError } from '../logging/safeError';
import { instruments } from '../observability/instruments';

/** A store command that takes longer than this fails (and the request gets 503). */
const COMMAND_TIMEOUT_MS = 2000;

/**
 * How long the store may take to answer before it counts as stalled: readiness goes 503 and new requests are
 * refused (503 + Retry-After) at once, instead of each waiting for its commands to time out. As long as the command
 * timeout: a busy event loop (a neighbour compiling on the same cores) delays the probe's answer by a second or more.
 */
export const STALL_BOUND_MS = 2000;
const PROBE_EVERY_MS = 250;

/** How long the messages of a running call wait for a stalled or reconnecting store before the call fails. */
export const STALL_TOLERANCE_MS = 30_000;

/** Reconnect quickly at first, then every 2 s, forever: the store coming back must heal the instance. */
const reconnectDelay = (attempt: number): number => Math.min(100 * attempt, 2000);

/**
 * What each connection is for decides how it behaves while the store is unreachable or slow — set here once:
 * - `commands` serve requests: they fail fast (no offline queue, one retry, a short timeout) so a request gets 503.
 * - `writer` appends the messages of calls already running: it waits for the store (queued while reconnecting, no
 *   timeout of its own — `EventLog` bounds each append) so a stall delays a call's messages instead of failing it.
 * - `subscriber` holds the pub/sub subscriptions: its commands are queued while it reconnects and retried forever,
 *   and ioredis re-subscribes its channels after each reconnect.
 */
export type ConnectionRole = 'commands' | 'writer' | 'subscriber';

export function redisOptions(role: ConnectionRole): RedisOptions {
  const common: RedisOptions = { connectTimeout: COMMAND_TIMEOUT_MS, retryStrategy: reconnectDelay };
  if (role === 'commands')
    return { ...common, enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: COMMAND_TIMEOUT_MS };
  return { ...common, enableOfflineQueue: true, maxRetriesPerRequest: null, autoResubscribe: role === 'subscriber' };
}

export interface SessionStoreConnections {
  readonly commands: Redis;
  /** Appends of running calls (see `redisOptions`); the commands connection when there is no pub/sub. */
  readonly writer: Redis;
  readonly subscriber: Redis;
  /** True while every connection is up (readiness reports it). */
  readonly ready: boolean;
  /** How long the store has left a probe unanswered (0 when it answers). */
  stalledMs(): number;
  close(): Promise<void>;
}

export function connectSessionStore(
  url: string,
  logger: Logger,
  options: { cluster?: boolean; /** @default true */ subscriber?: boolean } = {},
): SessionStoreConnections {
  const connect = (o: RedisOptions): Redis => (options.cluster ? clusterClient(url, o) : new Redis(url, o));
  const commands = connect(redisOptions('commands'));
  // Without pub/sub (the broker's storage), the commands connection stands in, so `ready` and `close` still hold.
  const pubsub = options.subscriber !== false;
  const writer = pubsub ? connect(redisOptions('writer')) : commands;
  const subscriber = pubsub ? connect(redisOptions('subscriber')) : commands;
  const all = [...new Set([commands, writer, subscriber])];
  // The URL may hold a password: log the host only.
  const where = safeHost(url);
  let down = false;
  const allReady = () => all.every((c) => c.status === 'ready');
  for (const connection of all) {
    connection.on('error', (err: Error) => {
      // Each failed attempt (ioredis retries at most every 2 s per connection): the rate an alarm can watch.
      instruments().sessionStoreErrors.add(1, { operation: 'connect' });
      if (!down) logger.warn({ store: where, err: safeError(err) }, 'session store unreachable');
      down = true;
    });
    connection.on('ready', () => {
      if (down && allReady()) {
        down = false;
        logger.info({ store: where }, 'session store reachable again');
      }
    });
  }
  // A PING on the writer (which has no timeout) measures a stall for as long as it lasts (instances only: the
  // broker's storage has no writer and nothing reads the figure).
  let probeSent: number | undefined;
  const probe = setInterval(() => {
    if (!pubsub || probeSent !== undefined || writer.status !== 'ready') return;
    const sent = (probeSent = Date.now());
    void writer
      .ping()
      .catch(() => undefined)
      .finally(() => {
        if (probeSent === sent) probeSent = undefined;
      });
  }, PROBE_EVERY_MS);
  probe.unref();
  return {
    commands,
    writer,
    subscriber,
    get ready() {
      return allReady();
    },
    stalledMs: () => (probeSent === undefined ? 0 : Date.now() - probeSent),
    async close() {
      clearInterval(probe);
      for (const connection of all) connection.disconnect();
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
