/**
 * Delivers one stream of a session from the store to an HTTP response as SSE, wherever its events are produced:
 * replays what follows the cursor, then follows new entries (a pub/sub wake-up, and a once-a-second check that
 * also catches a wake-up lost while the store reconnected). It ends after the stream's `end` entry.
 *
 * If the instance producing the stream stops (killed, or cut off) before the end, the stream would wait forever:
 * once that instance's heartbeat is gone, one instance (claim in the store) answers each unanswered request with
 * an error, so the client learns at once that it must call again, after every event that was produced.
 */
import type { Response } from 'express';
import type { JSONRPCMessage, RequestId } from '@modelcontextprotocol/sdk/types.js';
import type { Redis } from 'ioredis';
import type { Logger } from '../logging/logger';
import { safeError } from '../logging/safeError';
import { STANDALONE_STREAM } from './clusterTransport';
import { eventId, type EventLog } from './eventLog';
import type { InstanceBus } from './instanceBus';
import { CHANNELS, KEYS } from './keys';
import { STALL_TOLERANCE_MS } from './redis';
import type { SessionStore } from './sessionStore';
import { instruments } from '../observability/instruments';

const CHECK_EVERY_MS = 1000;

/** JSON-RPC error for a call whose instance stopped before answering. */
export const INTERRUPTED = {
  code: -32603,
  message: 'The server instance running this request stopped before answering; call again',
};

export interface TailDeps {
  log: EventLog;
  bus: InstanceBus;
  sessions: SessionStore;
  redis: Redis;
  keepAliveMs: number;
  retryMs: number;
  logger: Logger;
}

export interface Tail {
  /** Ends the response with a reconnect hint (drain): the client resumes elsewhere from its last event. */
  close(): void;
  done: Promise<void>;
}

export function tailStream(
  deps: TailDeps,
  res: Response,
  session: { sessionId: string; principal: string },
  streamId: string,
  afterId: string,
): Tail {
  const { sessionId, principal } = session;
  res.writeHead(200, {
    'Content-Type': 'text/event-stream',
    'Cache-Control': 'no-cache, no-transform',
    'Mcp-Session-Id': sessionId,
  });
  res.write(`retry: ${deps.retryMs}\n\n`);
  let cursor = afterId;
  let reading = false;
  let again = false;
  let finished = false;
  let lastWrite = Date.now();
  let lastRead = Date.now();
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  const owner = streamId === STANDALONE_STREAM ? undefined : streamId.split('.')[0];

  const finish = () => {
    if (finished) return;
    finished = true;
    unlisten();
    clearInterval(timer);
    clearInterval(ticker);
    if (!res.writableEnded) res.end();
    resolveDone();
  };

  const pump = async (): Promise<void> => {
    if (reading) {
      again = true;
      return;
    }
    reading = true;
    try {
      do {
        again = false;
        const entries = await deps.log.read(sessionId, streamId, cursor);
        lastRead = Date.now();
        for (const entry of entries) {
          if (finished) return;
          cursor = entry.id;
          const id = eventId(streamId, entry.id);
          // The `open` entry is the priming event: an id with no data, so the client can resume from the start.
          res.write(
            entry.message
              ? `id: ${id}\nevent: message\ndata: ${JSON.stringify(entry.message)}\n\n`
              : `id: ${id}\ndata: \n\n`,
          );
          lastWrite = Date.now();
          if (entry.end) return finish();
        }
        if (entries.length === 500) again = true;
      } while (again && !finished);
    } catch (err) {
      // A stall (connected, but slow to answer): keep the stream; the once-a-second check reads again, and the
      // call's messages are still being produced. The store unreachable, or stalled for too long: end the stream;
      // the client reconnects with its last event id and loses nothing.
      if (deps.redis.status === 'ready' && Date.now() - lastRead < STALL_TOLERANCE_MS) return;
      deps.logger.warn({ err: safeError(err), session: sessionId }, 'stream interrupted: session store unreachable');
      instruments().sessionStoreErrors.add(1, { operation: 'stream' });
      finish();
    } finally {
      reading = false;
    }
  };

  const keepAlive = () => {
    if (finished || Date.now() - lastWrite < deps.keepAliveMs / 2) return;
    res.write(': keepalive\n\n');
    lastWrite = Date.now();
    // An open stream keeps its session alive.
    void deps.sessions.touch(sessionId, principal).catch(() => undefined);
  };

  const check = async (): Promise<void> => {
    if (finished) return;
    void pump();
    if (owner && owner !== deps.bus.instanceId && !(await deps.bus.isAlive(owner).catch(() => true))) {
      await answerOrphan(deps, sessionId, streamId).catch((err: unknown) =>
        deps.logger.warn({ err: safeError(err) }, 'could not answer an orphaned stream'),
      );
      void pump();
    }
  };

  // A stream this instance produces is appended here, so in-process wake-ups suffice; another instance's stream
  // (a resumed one, or the GET stream) needs the Redis subscription, and a read once it is in place.
  const local = owner === deps.bus.instanceId;
  const listening = deps.bus.listen(CHANNELS.events(sessionId, streamId), () => void pump(), !local);
  const unlisten = listening.stop;
  const timer = setInterval(() => void check(), CHECK_EVERY_MS);
  timer.unref();
  // Quiet streams get a comment every keep-alive interval, on time (not rounded to the check's period).
  const ticker = setInterval(keepAlive, deps.keepAliveMs);
  ticker.unref();
  res.once('close', finish);
  void pump();
  if (!local) void listening.subscribed.then(() => pump());

  return {
    close: () => finish(),
    done,
  };
}

/** Answers the unanswered requests of a stream whose instance is gone, once (whichever instance claims it). */
async function answerOrphan(deps: TailDeps, sessionId: string, streamId: string): Promise<void> {
  const claimed = await deps.redis.set(KEYS.orphanClaim(sessionId, streamId), deps.bus.instanceId, 'EX', 3600, 'NX');
  if (claimed !== 'OK') return;
  const first = await deps.log.first(sessionId, streamId);
  const answered = new Set<RequestId>();
  let ended = false;
  for (const entry of await deps.log.read(sessionId, streamId, '0', 10_000)) {
    const m = entry.message as { id?: RequestId; method?: string } | undefined;
    if (m && m.id !== undefined && m.method === undefined) answered.add(m.id);
    if (entry.end) ended = true;
  }
  if (ended) return;
  const missing = (first?.opens ?? []).filter((id) => !answered.has(id));
  deps.logger.warn(
    { session: sessionId, stream: streamId, requests: missing.length },
    'answering requests of a stopped instance',
  );
  for (const [i, id] of missing.entries()) {
    const message = { jsonrpc: '2.0', id, error: INTERRUPTED } as JSONRPCMessage;
    await deps.log.append(sessionId, streamId, { message, end: i === missing.length - 1 });
  }
  if (missing.length === 0) await deps.log.append(sessionId, streamId, { end: true });
}
