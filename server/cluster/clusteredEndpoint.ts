/**
 * Stateful Streamable HTTP on several instances (`REDIS_URL`): any instance takes any request of any session.
 *
 * - The session record is in the store; an instance that has not hosted the session yet rebuilds its server
 *   from the record (see `sessionHosts.ts`).
 * - A POST's requests run where the POST lands; their messages go into a stream in the store and reach the
 *   client from there (see `streamTail.ts`), so a client cut off mid-call reconnects anywhere with
 *   `Last-Event-ID` and misses nothing.
 * - Client messages meant for another instance — a cancellation of a call running there, an answer to a request
 *   it sent — are routed to it over pub/sub.
 * - The store unreachable: 503 + Retry-After (the client retries; nothing was lost, nothing half-done).
 */
import { randomUUID } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { type JSONRPCMessage, SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/sdk/types.js';
import { principalKey } from '../capabilities/principal';
import '../http/requestAuth';
import { RPC, sendJsonRpcError } from '../http/jsonRpcError';
import { safeError } from '../logging/safeError';
import type { DrainController } from '../lifecycle/drain';
import { cancelledRequestId } from '../mcp/cancellation';
import { checkBatch, isInitialize, isRequest } from '../mcp/jsonRpcEnvelope';
import { RETRY_AFTER_SECONDS } from '../http/retryAfter';
import { refuseAtSessionCap, refuseWhileDraining } from '../mcp/sessionCap';
import { STANDALONE_STREAM } from './clusterTransport';
import { parseEventId } from './eventLog';
import type { RoutedMessage } from './instanceBus';
import { KEYS } from './keys';
import type { SessionHosts } from './sessionHosts';
import type { SessionRecord } from './sessionStore';
import { type TailDeps, tailStream } from './streamTail';
import { instruments } from '../observability/instruments';

export interface ClusteredEndpointOptions extends TailDeps {
  hosts: SessionHosts;
  drain: DrainController;
  storeReady: () => boolean;
}

export interface ClusteredEndpoint {
  handler: RequestHandler;
  /** A client message routed here by another instance. */
  receive(routed: RoutedMessage): void;
}

export function clusteredEndpoint(options: ClusteredEndpointOptions): ClusteredEndpoint {
  const { hosts, drain, bus, sessions, logger } = options;

  const receive = (routed: RoutedMessage) => {
    const host = hosts.peek(routed.sessionId);
    if (!host) return;
    const cancelled = cancelledRequestId(routed.message);
    host.deliver(routed.message, { authInfo: routed.authInfo });
    if (cancelled !== undefined) void host.cancel(cancelled).catch(() => undefined);
  };

  const unavailable = (res: Response) =>
    sendJsonRpcError(res, 503, RPC.serverError, 'Session store unavailable; retry shortly', {
      'Retry-After': RETRY_AFTER_SECONDS,
    });

  const handler: RequestHandler = async (req, res) => {
    if (refuseWhileDraining(drain, res)) return;
    if (!options.storeReady()) return unavailable(res);
    try {
      if (req.method === 'POST') return await post(req, res);
      if (req.method === 'GET') return await get(req, res);
      if (req.method === 'DELETE') return await remove(req, res);
      sendJsonRpcError(res, 405, RPC.serverError, 'Method not allowed', { Allow: 'GET, POST, DELETE' });
    } catch (err) {
      logger.warn({ err: safeError(err) }, 'session store request failed');
      instruments().sessionStoreErrors.add(1, { operation: req.method });
      unavailable(res);
    }
  };
  return { handler, receive };

  async function post(req: Request, res: Response): Promise<void> {
    const accept = req.headers.accept ?? '';
    if (!accept.includes('application/json') || !accept.includes('text/event-stream')) {
      return sendJsonRpcError(
        res,
        406,
        RPC.serverError,
        'Not Acceptable: Client must accept both application/json and text/event-stream',
      );
    }
    const checked = checkBatch(req.body);
    if ('refusal' in checked) return sendJsonRpcError(res, 400, checked.refusal.code, checked.refusal.message);
    const { messages } = checked;
    const principal = principalKey(req.auth);
    const extra = {
      authInfo: req.auth,
      requestInfo: { headers: req.headers as Record<string, string | string[] | undefined> },
    };
    let sessionId = req.header('mcp-session-id');
    let record: SessionRecord | undefined;

    if (messages.some(isInitialize)) {
      if (messages.length > 1)
        return sendJsonRpcError(
          res,
          400,
          RPC.invalidRequest,
          'Invalid Request: Only one initialization request is allowed',
        );
      if (sessionId)
        return sendJsonRpcError(res, 400, RPC.invalidRequest, 'Invalid Request: Server already initialized');
      sessionId = randomUUID();
      const refusal = await sessions.create(sessionId, { principal, initialize: messages[0]!, created: Date.now() });
      if (refusal) {
        logger.warn({ cap: refusal }, 'session cap reached');
        return refuseAtSessionCap(refusal, res);
      }
      logger.info({ session: sessionId }, 'session started');
    } else {
      if (!sessionId)
        return sendJsonRpcError(res, 400, RPC.serverError, 'Bad Request: Mcp-Session-Id header is required');
      const version = req.header('mcp-protocol-version');
      if (version !== undefined && !SUPPORTED_PROTOCOL_VERSIONS.includes(version)) {
        return sendJsonRpcError(
          res,
          400,
          RPC.serverError,
          `Bad Request: Unsupported protocol version: ${version} (supported versions: ${SUPPORTED_PROTOCOL_VERSIONS.join(', ')})`,
        );
      }
      record = await sessions.get(sessionId, principal);
      if (!record) return sendJsonRpcError(res, 404, -32001, 'Session not found');
      await sessions.touch(sessionId, principal);
      await hosts.get(sessionId, record);
    }
    const host = await hosts.get(sessionId);

    const requests = messages.filter(isRequest);
    const reused = requests.find((m) => host.isRunning(m.id));
    if (reused) {
      // Ids are unique per session while in flight (the spec): a reused one would take over the other's answer.
      return sendJsonRpcError(
        res,
        400,
        RPC.invalidRequest,
        `Invalid Request: request id ${JSON.stringify(reused.id)} is already in use in this session`,
      );
    }
    for (const message of messages) {
      if (isRequest(message)) continue;
      await routeClientMessage(sessionId, message, req);
    }
    if (requests.length === 0) {
      res.status(202).end();
      return;
    }
    const streamId = `${bus.instanceId}.${randomUUID()}`;
    const opened = await host.openStream(
      streamId,
      requests.map((m) => m.id),
    );
    // Follow from just before the `open` entry so it goes out first, as the priming event.
    tailStream(options, res, { sessionId, principal }, streamId, previousId(opened));
    for (const message of requests) host.deliver(message, extra);
    const setLevel = requests.find((m) => m.method === 'logging/setLevel');
    if (setLevel && record) {
      // Per-session protocol state: the other instances hosting the session apply it too (their answers go
      // nowhere), and an instance that rebuilds the session later replays it.
      await sessions.setLevel(sessionId, record, setLevel);
      await bus.broadcast({ kind: 'session', sessionId, message: setLevel, from: bus.instanceId });
    }
  }

  /** A notification or an answer from the client: to the instance it concerns. */
  async function routeClientMessage(sessionId: string, message: JSONRPCMessage, req: Request): Promise<void> {
    const local = hosts.peek(sessionId);
    const answerTo = !('method' in message) && 'id' in message ? String(message.id) : undefined;
    const cancelled = cancelledRequestId(message);
    const routed: RoutedMessage = { kind: 'session', sessionId, message, authInfo: req.auth };
    // An answer goes to the instance that asked (its id prefixes the request id). A cancellation goes to every
    // instance — they are rare, and only the one running the call acts on it.
    const target = answerTo?.split(':')[0];
    if (target && target !== bus.instanceId) return bus.route(target, routed);
    if (cancelled !== undefined) return bus.broadcast(routed);
    local?.deliver(message, { authInfo: req.auth });
  }

  async function get(req: Request, res: Response): Promise<void> {
    const accept = req.headers.accept ?? '';
    if (!accept.includes('text/event-stream')) {
      return sendJsonRpcError(res, 406, RPC.serverError, 'Not Acceptable: Client must accept text/event-stream');
    }
    const sessionId = req.header('mcp-session-id');
    if (!sessionId)
      return sendJsonRpcError(res, 400, RPC.serverError, 'Bad Request: Mcp-Session-Id header is required');
    const principal = principalKey(req.auth);
    if (!(await sessions.get(sessionId, principal))) return sendJsonRpcError(res, 404, -32001, 'Session not found');
    await sessions.touch(sessionId, principal);
    const lastEventId = req.header('last-event-id');
    let streamId = STANDALONE_STREAM;
    let after = '0';
    if (lastEventId !== undefined) {
      const parsed = parseEventId(lastEventId);
      if (!parsed || !(await options.log.exists(sessionId, parsed.streamId))) {
        return sendJsonRpcError(res, 400, RPC.serverError, 'Bad Request: unknown or expired Last-Event-ID');
      }
      ({ streamId, entryId: after } = parsed);
    } else {
      // A new GET stream carries what is sent from now on.
      after =
        (await options.redis.xrevrange(KEYS.events(sessionId, STANDALONE_STREAM), '+', '-', 'COUNT', 1))[0]?.[0] ?? '0';
    }
    const tail = tailStream(options, res, { sessionId, principal }, streamId, after);
    // At drain the stream is closed; the client reconnects (to another instance) from its last event.
    const unregister = drain.registerStream(() => tail.close());
    void tail.done.then(unregister);
  }

  async function remove(req: Request, res: Response): Promise<void> {
    const sessionId = req.header('mcp-session-id');
    if (!sessionId)
      return sendJsonRpcError(res, 400, RPC.serverError, 'Bad Request: Mcp-Session-Id header is required');
    const principal = principalKey(req.auth);
    if (!(await sessions.get(sessionId, principal))) return sendJsonRpcError(res, 404, -32001, 'Session not found');
    await sessions.delete(sessionId, principal);
    hosts.drop(sessionId);
    logger.info({ session: sessionId }, 'session ended');
    res.status(200).end();
  }
}

/** The id just before a Redis stream entry id, so reading "after" it starts with that entry. */
function previousId(entryId: string): string {
  const [ms, seq] = entryId.split('-').map(Number) as [number, number];
  return seq > 0 ? `${ms}-${seq - 1}` : `${ms - 1}-18446744073709551615`;
}
