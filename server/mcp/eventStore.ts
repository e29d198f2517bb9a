/**
 * Resumability: events sent on a session's SSE streams are kept so a client that lost its stream can
 * reconnect with `Last-Event-ID` and receive what it missed. `EventStore` is the SDK's interface, so a shared
 * store (Redis) can replace this in-memory one through the app factory's `eventStoreFactory` option.
 */
import type { EventStore } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

export type { EventStore };

/** Creates one event store per session; `dispose` is called when the session ends. */
export interface EventStoreFactory {
  create(sessionId: string): EventStore;
  dispose?(sessionId: string): void | Promise<void>;
}

interface StoredEvent {
  id: string;
  streamId: string;
  message: JSONRPCMessage;
}

/**
 * Bounded in-memory store for one session: keeps the newest `maxEvents` events (oldest dropped first).
 * Event ids are `<streamId>/<sequence>`: unique within the session and carrying their stream.
 */
export class InMemoryEventStore implements EventStore {
  private readonly events: StoredEvent[] = [];
  private sequence = 0;

  constructor(private readonly maxEvents = 1000) {}

  async storeEvent(streamId: string, message: JSONRPCMessage): Promise<string> {
    const id = `${streamId}/${++this.sequence}`;
    this.events.push({ id, streamId, message });
    if (this.events.length > this.maxEvents) this.events.splice(0, this.events.length - this.maxEvents);
    return id;
  }

  async getStreamIdForEventId(eventId: string): Promise<string | undefined> {
    const slash = eventId.lastIndexOf('/');
    return slash > 0 ? eventId.slice(0, slash) : undefined;
  }

  async replayEventsAfter(
    lastEventId: string,
    { send }: { send: (eventId: string, message: JSONRPCMessage) => Promise<void> },
  ): Promise<string> {
    const streamId = await this.getStreamIdForEventId(lastEventId);
    if (streamId === undefined) throw new Error(`Unknown event id ${lastEventId}`);
    const index = this.events.findIndex((e) => e.id === lastEventId);
    // An id we no longer hold (evicted) replays everything still kept for that stream.
    const after = index >= 0 ? this.events.slice(index + 1) : this.events;
    for (const event of after) {
      // Priming events carry an empty message: nothing to replay.
      if (event.streamId === streamId && Object.keys(event.message).length > 0) await send(event.id, event.message);
    }
    return streamId;
  }
}

export const inMemoryEventStores = (maxEventsPerSession = 1000): EventStoreFactory => ({
  create: () => new InMemoryEventStore(maxEventsPerSession),
});
