/**
 * Which requests each stream of a stateful session carries, and whether every one of them has been answered.
 *
 * A stream resumed with `Last-Event-ID` after its call finished would otherwise never end: the SDK replays the
 * answer but keeps the stream open (no answer is left to close it), and it counts as in flight until the drain
 * deadline. With the ledger, such a stream is replayed and ended (see `statefulEndpoint.ts`).
 *
 * A stream's requests are learnt from the POST that opened it: the POST is handled inside `withRequests(ids, …)`,
 * and every event the SDK stores for the stream descends from that handling (async context), so the first one
 * names the stream. Answers are seen as they are stored.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { JSONRPCMessage, RequestId } from '@modelcontextprotocol/sdk/types.js';
import type { EventStore } from './eventStore';

const postRequests = new AsyncLocalStorage<readonly RequestId[]>();

/** Runs the handling of a POST whose requests are `ids`: the stream it opens is recorded with them. */
export const withRequests = <T>(ids: readonly RequestId[], handle: () => T): T => postRequests.run(ids, handle);

/** Streams remembered per session; older ones are forgotten (their resumes behave as without the ledger). */
const MAX_STREAMS = 1000;

export class StreamLedger {
  /** Stream id → requests not answered yet (empty: finished). */
  private readonly streams = new Map<string, Set<RequestId>>();
  private readonly waiters = new Map<string, Set<() => void>>();

  /** The session's event store, recording each stream's requests and answers as events are stored. */
  watch(store: EventStore): EventStore {
    return {
      storeEvent: async (streamId: string, message: JSONRPCMessage) => {
        this.record(streamId, message);
        return store.storeEvent(streamId, message);
      },
      replayEventsAfter: (lastEventId, handlers) => store.replayEventsAfter(lastEventId, handlers),
      ...(store.getStreamIdForEventId
        ? { getStreamIdForEventId: (id: string) => store.getStreamIdForEventId!(id) }
        : {}),
    };
  }

  /** True when the stream is known and every request it carries has been answered. */
  isFinished(streamId: string): boolean {
    return this.streams.get(streamId)?.size === 0;
  }

  /** Calls `then` once the stream is finished (not at once if it already is); returns a function that cancels. */
  whenFinished(streamId: string, then: () => void): () => void {
    let set = this.waiters.get(streamId);
    if (!set) this.waiters.set(streamId, (set = new Set()));
    set.add(then);
    return () => {
      set.delete(then);
      if (set.size === 0 && this.waiters.get(streamId) === set) this.waiters.delete(streamId);
    };
  }

  /** A request that will get no answer (cancelled) no longer holds its stream open. */
  settle(id: RequestId): void {
    for (const [streamId, pending] of this.streams) if (pending.delete(id)) this.finishedIfDone(streamId, pending);
  }

  private finishedIfDone(streamId: string, pending: Set<RequestId>): void {
    if (pending.size > 0) return;
    const waiting = this.waiters.get(streamId);
    this.waiters.delete(streamId);
    for (const then of waiting ?? []) then();
  }

  private record(streamId: string, message: JSONRPCMessage): void {
    let pending = this.streams.get(streamId);
    if (!pending) {
      const ids = postRequests.getStore();
      if (!ids) return;
      this.streams.set(streamId, (pending = new Set(ids)));
      if (this.streams.size > MAX_STREAMS) this.streams.delete(this.streams.keys().next().value!);
    }
    if (!('method' in message) && 'id' in message && message.id !== undefined && pending.delete(message.id)) {
      this.finishedIfDone(streamId, pending);
    }
  }
}
