/**
 * Each SSE stream of a session is a Redis stream: the instance running a call appends its messages, and whichever
 * instance holds the client's connection — the one that took the POST, or any other after a reconnect with
 * `Last-Event-ID` — reads them from there. So a stream survives its connection, its instance and the load
 * balancer's choices, and a client that reconnects anywhere gets exactly what it missed.
 *
 * Event ids are `<stream id>/<Redis entry id>`. A stream's first entry (`open`) lists the requests it carries and
 * is sent as the priming event; the entry with the last answer is marked `end`.
 */
import type { JSONRPCMessage, RequestId } from '@modelcontextprotocol/sdk/types.js';
import type { Redis } from 'ioredis';
import { CHANNELS, KEYS } from './keys';
import { STALL_TOLERANCE_MS } from './redis';

/** Bound of one stream, as the in-memory store's (older events are trimmed first). */
export const MAX_EVENTS_PER_STREAM = 1000;

export interface StreamEntry {
  /** Redis entry id (`<ms>-<seq>`). */
  id: string;
  message?: JSONRPCMessage;
  /** Request ids the stream carries (on the `open` entry). */
  opens?: RequestId[];
  end: boolean;
}

export class EventLog {
  constructor(
    private readonly redis: Redis,
    /** Appends go here: it waits out a stall or a reconnect, within `STALL_TOLERANCE_MS` (see `redisOptions`). */
    private readonly writer: Redis,
    /** Streams expire with their session. */
    private readonly ttlSeconds: number,
    /** Wakes this process's readers of the stream at once (others get the Redis publication). */
    private readonly appended: (channel: string) => void = () => undefined,
  ) {}

  /** Appends an entry, tells the readers, returns its id. */
  async append(
    sessionId: string,
    streamId: string,
    entry: { message?: JSONRPCMessage; opens?: RequestId[]; end?: boolean },
  ): Promise<string> {
    const key = KEYS.events(sessionId, streamId);
    const fields: string[] = [];
    if (entry.message) fields.push('m', JSON.stringify(entry.message));
    if (entry.opens) fields.push('o', JSON.stringify(entry.opens));
    if (entry.end) fields.push('e', '1');
    const transaction = this.writer
      .multi()
      .xadd(key, 'MAXLEN', '~', String(MAX_EVENTS_PER_STREAM), '*', ...fields)
      .expire(key, this.ttlSeconds)
      .publish(CHANNELS.events(sessionId, streamId), '1')
      .exec();
    const results = await withDeadline(transaction, STALL_TOLERANCE_MS);
    const failed = results?.find(([err]) => err);
    if (!results || failed) throw failed?.[0] ?? new Error('session store transaction aborted');
    this.appended(CHANNELS.events(sessionId, streamId));
    return results[0]![1] as string;
  }

  /** Entries after `afterId` (exclusive; `0` = from the start), oldest first. */
  async read(sessionId: string, streamId: string, afterId: string, count = 500): Promise<StreamEntry[]> {
    const rows = await this.redis.xrange(KEYS.events(sessionId, streamId), `(${afterId}`, '+', 'COUNT', count);
    return rows.map(([id, fields]) => parseEntry(id, fields));
  }

  /** The `open` entry of a stream, or undefined when the stream does not exist (expired, or never). */
  async first(sessionId: string, streamId: string): Promise<StreamEntry | undefined> {
    const rows = await this.redis.xrange(KEYS.events(sessionId, streamId), '-', '+', 'COUNT', 1);
    return rows[0] ? parseEntry(rows[0][0], rows[0][1]) : undefined;
  }

  async exists(sessionId: string, streamId: string): Promise<boolean> {
    return (await this.redis.exists(KEYS.events(sessionId, streamId))) === 1;
  }
}

/** A running call's message waits for the store this long at most, then the call fails (the store is gone). */
async function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the session store did not answer within ${ms / 1000} s`)), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

function parseEntry(id: string, fields: string[]): StreamEntry {
  const entry: StreamEntry = { id, end: false };
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const value = fields[i + 1]!;
    if (fields[i] === 'm') entry.message = JSON.parse(value) as JSONRPCMessage;
    else if (fields[i] === 'o') entry.opens = JSON.parse(value) as RequestId[];
    else if (fields[i] === 'e') entry.end = true;
  }
  return entry;
}

/** `<stream id>/<entry id>` ⇄ parts; undefined for an id this server did not issue. */
export function eventId(streamId: string, entryId: string): string {
  return `${streamId}/${entryId}`;
}

export function parseEventId(id: string): { streamId: string; entryId: string } | undefined {
  const slash = id.lastIndexOf('/');
  if (slash <= 0) return undefined;
  const streamId = id.slice(0, slash);
  const entryId = id.slice(slash + 1);
  if (!/^[\w.-]{1,80}$/.test(streamId) || !/^\d+-\d+$/.test(entryId)) return undefined;
  return { streamId, entryId };
}
