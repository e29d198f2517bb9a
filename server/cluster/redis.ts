/**
 * The connections to the shared session store (`REDIS_URL`): one for commands, one for pub/sub (a subscribed
 * connection can run nothing else). Commands fail fast while the store is unreachable — no offline queue, a short
 * timeout — so a request gets a clear 503 instead of hanging; ioredis reconnects on its own, so recovery needs no
 * restart, and the subscriber re-subscribes its channels.
 */
import { Redis, type RedisOptions } from 'ioredis';
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

export function connectSessionStore(url: string, logger: Logger): SessionStoreConnections {
  const options: RedisOptions = {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: COMMAND_TIMEOUT_MS,
    connectTimeout: COMMAND_TIMEOUT_MS,
    // Reconnect quickly at first, then every 2 s, forever: the store coming back must heal the instance.
    retryStrategy: (attempt) => Math.min(100 * attempt, 2000),
  };
  const commands = new Redis(url, options);
  // The subscriber keeps its queue: (re-)subscriptions issued while it reconnects are sent once it is back.
  const subscriber = new Redis(url, { ...options, enableOfflineQueue: true, commandTimeout: undefined });
  // The URL may hold a password: log the host only.
  const where = safeHost(url);
  let down = false;
  for (const connection of [commands, subscriber]) {
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
