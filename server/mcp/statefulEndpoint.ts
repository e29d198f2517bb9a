/**
 * Stateful Streamable HTTP: sessions (`Mcp-Session-Id`) with resumable streams (`Last-Event-ID`), bound to the
 * principal that created them, expired when idle, capped in number; `DELETE` ends a session.
 */
import { randomUUID } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { SUPPORTED_PROTOCOL_VERSIONS, isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { principalKey } from '../capabilities/principal';
import '../http/requestAuth';
import { RPC, sendJsonRpcError } from '../http/jsonRpcError';
import type { DrainController } from '../lifecycle/drain';
import type { Logger } from '../logging/logger';
import { cancelledRequestId, closeStreamsOnCancel } from './cancellation';
import type { EventStore, EventStoreFactory } from './eventStore';
import { checkBatch } from './jsonRpcEnvelope';
import type { McpServerFactory } from './serverFactory';
import { refuseIfAtSessionCap, refuseWhileDraining } from './sessionCap';
import type { Session, SessionRegistry } from './sessionRegistry';
import { StreamLedger, withRequests } from './streamLedger';

export interface StreamableSession extends Session {
  kind: 'streamable';
  transport: StreamableHTTPServerTransport;
  server: McpServer;
  /** Ids of the client's requests not answered yet: the spec makes them unique per session while in flight. */
  inFlight: Set<string | number>;
  /** The session's event store, and which of its streams are finished (every request answered). */
  events: EventStore;
  streams: StreamLedger;
}

export interface StatefulEndpointOptions {
  buildServer: McpServerFactory;
  registry: SessionRegistry;
  eventStores: EventStoreFactory;
  drain: DrainController;
  keepAliveMs: number;
  /** Reconnect delay suggested to clients in SSE `retry` fields. */
  retryMs: number;
  maxBodyBytes: number;
  logger: Logger;
}

/** The SDK's stream id for the standalone GET stream (event ids are `<streamId>/<n>`, see eventStore.ts). */
const STANDALONE_STREAM_ID = '_GET_stream';

export function statefulEndpoint(options: StatefulEndpointOptions): RequestHandler {
  const { registry, drain, logger } = options;

  return async (req, res) => {
    const sessionId = req.header('mcp-session-id');
    const principal = principalKey(req.auth);
    try {
      if (sessionId) {
        const session = registry.get(sessionId, principal);
        if (!session || (session as StreamableSession).kind !== 'streamable') {
          return sendJsonRpcError(res, 404, -32001, 'Session not found');
        }
        if (req.method === 'GET' && refuseWhileDraining(drain, res)) return;
        const streamable = session as StreamableSession;
        if (req.method === 'POST') {
          // The same edge check as every mode (the SDK would refuse the same messages, without naming the field),
          // plus what the SDK lets through: an id twice in one batch takes the other's answer stream, one never ends.
          const checked = checkBatch(req.body);
          if ('refusal' in checked) return sendJsonRpcError(res, 400, checked.refusal.code, checked.refusal.message);
          const reused = requestIds(req.body).find((id) => streamable.inFlight.has(id));
          if (reused !== undefined) {
            // The SDK would hand the new request the other one's answer stream, and one of them would never end.
            return sendJsonRpcError(
              res,
              400,
              RPC.invalidRequest,
              `Invalid Request: request id ${JSON.stringify(reused)} is already in use in this session`,
            );
          }
          const ids = requestIds(req.body);
          for (const id of ids) streamable.inFlight.add(id);
          // Refused before it ran (a 4xx from the transport): the ids were never used.
          res.once('close', () => {
            if (res.statusCode >= 400) for (const id of ids) streamable.inFlight.delete(id);
          });
        }
        const ended = registry.touch(session);
        res.once('close', ended);
        if (req.method === 'GET') {
          const resumed = req.header('last-event-id');
          if (resumed !== undefined && !resumed.startsWith(`${STANDALONE_STREAM_ID}/`)) {
            // Resuming a call's stream: the call is still in flight, and the drain waits for it.
            const done = drain.beginCall();
            res.once('close', done);
            if (await replayFinishedStream(streamable, resumed, req, res)) return;
            endIfAnsweredUnseen(streamable, resumed, res);
          } else {
            // The standalone stream carries no call: at drain it is closed, and the client reconnects after `retry`.
            const unregister = drain.registerStream(() =>
              (session as StreamableSession).transport.closeStandaloneSSEStream(),
            );
            res.once('close', unregister);
          }
        }
        const ids = req.method === 'POST' ? requestIds(req.body) : [];
        await withRequests(ids, () => streamable.transport.handleRequest(req, res, req.body));
        return;
      }
      if (req.method === 'POST' && isInitializeRequest(req.body)) return await startSession(req, res);
      return sendJsonRpcError(res, 400, RPC.serverError, 'Bad Request: Mcp-Session-Id header is required');
    } catch (err) {
      logger.error({ err }, 'stateful request failed');
      sendJsonRpcError(res, 500, RPC.internalError, 'Internal server error');
    }
  };

  async function startSession(req: Request, res: Parameters<RequestHandler>[1]): Promise<void> {
    if (refuseWhileDraining(drain, res)) return;
    const principal = principalKey(req.auth);
    if (refuseIfAtSessionCap(registry, principal, res, logger)) return;
    const server = options.buildServer();
    // The id is drawn before the transport exists so the session's event store can be keyed by it.
    const newId = randomUUID();
    const inFlight = new Set<string | number>();
    const streams = new StreamLedger();
    const events = streams.watch(options.eventStores.create(newId));
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => newId,
      eventStore: events,
      keepAliveMs: options.keepAliveMs,
      retryInterval: options.retryMs,
      maxRequestBodySize: options.maxBodyBytes,
      onsessioninitialized: (id) => {
        const session: StreamableSession = {
          kind: 'streamable',
          id,
          principal,
          transport,
          server,
          inFlight,
          events,
          streams,
          lastSeen: Date.now(),
          active: 0,
          close: () => transport.close(),
        };
        registry.add(session);
        logger.info({ session: id, sessions: registry.size }, 'session started');
      },
    });
    transport.onclose = () => {
      const id = transport.sessionId;
      if (id && registry.get(id, principal)) {
        registry.remove(id);
        logger.info({ session: id, sessions: registry.size }, 'session ended');
      }
      // A shared store that is down must not take the instance with it.
      Promise.resolve()
        .then(() => options.eventStores.dispose?.(newId))
        .catch((err: unknown) => logger.warn({ err, session: newId }, 'event store clean-up failed'));
      server.close().catch(() => undefined);
    };
    await server.connect(transport);
    closeStreamsOnCancel(transport);
    // An answered (or cancelled) request frees its id.
    const send = transport.send.bind(transport);
    transport.send = (message, options) => {
      if (!('method' in message) && 'id' in message && message.id !== undefined) inFlight.delete(message.id);
      return send(message, options);
    };
    const deliver = transport.onmessage;
    transport.onmessage = (message, extra) => {
      const cancelled = cancelledRequestId(message);
      if (cancelled !== undefined) {
        inFlight.delete(cancelled);
        streams.settle(cancelled);
      }
      deliver?.(message, extra);
    };
    await transport.handleRequest(req, res, req.body);
    if (!transport.sessionId) {
      // Initialization was refused (bad headers, bad body): nothing to keep.
      await transport.close();
    }
  }
}

/**
 * A resumed stream whose requests are all answered: replays what follows `lastEventId` and ends the response, as
 * the stream would have ended had it not been dropped (the SDK would replay it and keep it open). Returns false —
 * the SDK serves the request — for a stream still running or unknown, and for requests the SDK refuses.
 */
async function replayFinishedStream(
  session: StreamableSession,
  lastEventId: string,
  req: Request,
  res: Response,
): Promise<boolean> {
  const version = req.header('mcp-protocol-version');
  if (!(req.header('accept') ?? '').includes('text/event-stream')) return false;
  if (version !== undefined && !SUPPORTED_PROTOCOL_VERSIONS.includes(version)) return false;
  const streamId = await session.events.getStreamIdForEventId?.(lastEventId);
  if (streamId === undefined || !session.streams.isFinished(streamId)) return false;
  res.writeHead(200, {
    'Content-Type': 'text/event-stream',
    'Cache-Control': 'no-cache, no-transform',
    'Mcp-Session-Id': session.id,
  });
  await session.events.replayEventsAfter(lastEventId, {
    send: async (eventId, message) => {
      // The SDK's own event format.
      res.write(`event: message\nid: ${eventId}\ndata: ${JSON.stringify(message)}\n\n`);
    },
  });
  res.end();
  return true;
}

/** How long after a resumed stream's last answer was stored the SDK has had to write it and end the stream. */
const ANSWER_WRITTEN_MS = 1000;

/**
 * A resumed stream of a call still running ends with the call's answer (the SDK closes it) — unless the answer came
 * while the SDK was setting the resume up: then it is stored but neither replayed nor written, and nothing would end
 * the stream. Such a stream is ended here; the client resumes from its last event and gets the answer replayed.
 */
function endIfAnsweredUnseen(session: StreamableSession, lastEventId: string, res: Response): void {
  void Promise.resolve(session.events.getStreamIdForEventId?.(lastEventId)).then((streamId) => {
    if (streamId === undefined || res.writableEnded || res.destroyed) return;
    const stop = session.streams.whenFinished(streamId, () => {
      setTimeout(() => {
        if (!res.writableEnded && !res.destroyed) res.end();
      }, ANSWER_WRITTEN_MS).unref();
    });
    res.once('close', stop);
  });
}

/** Ids of the JSON-RPC requests in a POST body (one message or a batch). */
function requestIds(body: unknown): (string | number)[] {
  return (Array.isArray(body) ? body : [body])
    .filter(
      (m): m is { id: string | number; method: string } =>
        typeof m === 'object' && m !== null && 'method' in m && 'id' in m,
    )
    .map((m) => m.id)
    .filter((id) => typeof id === 'string' || typeof id === 'number');
}
