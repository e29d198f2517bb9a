/** Legacy HTTP+SSE sessions across instances: the store says which instance holds each stream (see `LegacyRouting`). */
import type { LegacyRouting } from '../mcp/legacySseEndpoint';
import type { InstanceBus } from './instanceBus';
import { KEYS } from './keys';
import type { SessionStoreConnections } from './redis';

interface LegacyRecord {
  instance: string;
  principal: string;
}

export function legacyRouting(
  store: SessionStoreConnections,
  bus: InstanceBus,
  keepAliveSeconds: number,
): LegacyRouting {
  // Renewed at every keep-alive of the stream; lapses soon after the stream's instance stops.
  const ttl = Math.max(10, keepAliveSeconds * 3);
  return {
    async register(sessionId, principal) {
      const record: LegacyRecord = { instance: bus.instanceId, principal };
      await store.commands.set(KEYS.legacy(sessionId), JSON.stringify(record), 'EX', ttl);
    },
    async unregister(sessionId) {
      await store.commands.del(KEYS.legacy(sessionId));
    },
    async locate(sessionId, principal) {
      const raw = await store.commands.get(KEYS.legacy(sessionId));
      const record = raw ? (JSON.parse(raw) as LegacyRecord) : undefined;
      return record && record.principal === principal ? record.instance : undefined;
    },
    async forward(instanceId, sessionId, message, authInfo) {
      await bus.route(instanceId, { kind: 'legacy', sessionId, message, authInfo });
    },
  };
}
