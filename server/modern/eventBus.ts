/**
 * `subscriptions/listen` fan-out across instances: a `ServerEventBus` over Redis pub/sub (REDIS_URL). A list change
 * made through any instance is published once and delivered by every instance to its own open listen streams. An
 * instance also hears its own events through Redis (one delivery path, no duplicates); if publishing fails (store
 * down), its local listeners still get the event.
 */
import type { ServerEvent, ServerEventBus } from '@modelcontextprotocol/server';
import { connectSessionStore, type SessionStoreConnections } from '../cluster/redis';
import type { Logger } from '../logging/logger';

const CHANNEL = 'mcp:listen-events';
/** Events are tiny (a kind and maybe a URI): anything bigger on the channel is not ours. */
const MAX_EVENT_BYTES = 16 * 1024;
const KINDS = new Set(['tools_list_changed', 'prompts_list_changed', 'resources_list_changed', 'resource_updated']);

export interface ClosableEventBus extends ServerEventBus {
  close(): Promise<void>;
}

export function redisEventBus(url: string, logger: Logger, options: { cluster?: boolean } = {}): ClosableEventBus {
  const store: SessionStoreConnections = connectSessionStore(url, logger, { cluster: options.cluster });
  const listeners = new Set<(event: ServerEvent) => void>();
  const deliver = (event: ServerEvent) => {
    for (const listener of [...listeners]) {
      try {
        listener(event);
      } catch (err) {
        logger.warn({ err }, 'listen-stream listener failed');
      }
    }
  };
  store.subscriber
    .subscribe(CHANNEL)
    .catch((err: Error) => logger.warn({ err: err.message }, 'listen events: subscribe failed'));
  store.subscriber.on('message', (channel: string, message: string) => {
    if (channel !== CHANNEL || message.length > MAX_EVENT_BYTES) return;
    const event = parseEvent(message);
    if (event) deliver(event);
  });
  return {
    publish(event) {
      store.commands.publish(CHANNEL, JSON.stringify(event)).catch((err: Error) => {
        logger.warn({ err: err.message }, 'listen events: publish failed, delivered on this instance only');
        deliver(event);
      });
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    close: () => store.close(),
  };
}

function parseEvent(message: string): ServerEvent | undefined {
  try {
    const event = JSON.parse(message) as { kind?: unknown; uri?: unknown };
    if (typeof event?.kind !== 'string' || !KINDS.has(event.kind)) return undefined;
    if (event.kind === 'resource_updated' && typeof event.uri !== 'string') return undefined;
    return event as ServerEvent;
  } catch {
    return undefined;
  }
}
