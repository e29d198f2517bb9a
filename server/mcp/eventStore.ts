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
  bytes: number;
}

/**
 * Bytes held by all in-memory stores of a factory: one budget for the instance. Over it, the oldest events of the
 * instance go first, whichever session they belong to.
 */
class ByteBudget {
  used = 0;
  private queue: { store: InMemoryEventStore; event: StoredEvent }[] = [];
  private head = 0;

  constructor(readonly limit: number) {}

  add(store: InMemoryEventStore, event: StoredEvent): void {
    this.used += event.bytes;
    if (this.limit === Infinity) return;
    this.queue.push({ store, event });
    while (this.used > this.limit && this.head < this.queue.length) {
      const oldest = this.queue[this.head++]!;
      oldest.store.dropIfOldest(oldest.event);
    }
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }
}

export interface InMemoryEventStoreLimits {
  /** Newest events kept per session. @default 1000 */
  maxEvents?: number;
  /** Bytes of events kept per session (JSON size). @default 1 MiB */
  maxBytes?: number;
}

/**
 * Bounded in-memory store for one session: keeps the newest events within `maxEvents` and `maxBytes`, and within
 * the instance-wide budget it shares with the other sessions (oldest dropped first). A client that resumes from
 * an event no longer held receives what is still kept.
 * Event ids are `<streamId>/<sequence>`: unique within the session and carrying their stream.
 */
export class InMemoryEventStore implements EventStore {
  private readonly events: StoredEvent[] = [];
  private bytes = 0;
  private sequence = 0;
  private readonly maxEvents: number;
  private readonly maxBytes: number;

  constructor(
    limits: InMemoryEventStoreLimits | number = {},
    private readonly budget: ByteBudget = new ByteBudget(Infinity),
  ) {
    const l = typeof limits === 'number' ? { maxEvents: limits } : limits;
    this.maxEvents = l.maxEvents ?? 1000;
    this.maxBytes = l.maxBytes ?? 1024 * 1024;
  }

  async storeEvent(streamId: string, message: JSONRPCMessage): Promise<string> {
    const id = `${streamId}/${++this.sequence}`;
    const bytes = JSON.stringify(message).length + id.length;
    const event = { id, streamId, message, bytes };
    this.events.push(event);
    this.bytes += bytes;
    while (this.events.length > 1 && (this.events.length > this.maxEvents || this.bytes > this.maxBytes))
      this.dropOldest();
    this.budget.add(this, event);
    return id;
  }

  /** Instance budget eviction: drops `event` if it is still this session's oldest. */
  dropIfOldest(event: StoredEvent): void {
    if (this.events[0] === event) this.dropOldest();
  }

  private dropOldest(): void {
    const dropped = this.events.shift()!;
    this.bytes -= dropped.bytes;
    this.budget.used -= dropped.bytes;
  }

  /** Frees what the session held (its share of the instance budget). */
  clear(): void {
    this.budget.used -= this.bytes;
    this.bytes = 0;
    this.events.length = 0;
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

/**
 * One in-memory store per session, all within one instance-wide byte budget (default 256 MiB), so the memory
 * that resumability takes is bounded whatever clients send.
 */
export const inMemoryEventStores = (
  limits: InMemoryEventStoreLimits & { maxBytesPerInstance?: number } = {},
): EventStoreFactory => {
  const budget = new ByteBudget(limits.maxBytesPerInstance ?? 256 * 1024 * 1024);
  const stores = new Map<string, InMemoryEventStore>();
  return {
    create: (sessionId) => {
      const store = new InMemoryEventStore(limits, budget);
      stores.set(sessionId, store);
      return store;
    },
    dispose: (sessionId) => {
      stores.get(sessionId)?.clear();
      stores.delete(sessionId);
    },
  };
};
