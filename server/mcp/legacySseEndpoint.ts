/**
 * The 2024-11-05 HTTP+SSE transport for clients that predate Streamable HTTP: `GET /sse` opens the stream and
 * names the message endpoint; `POST /messages?sessionId=…` delivers client messages. Such a session lives on
 * the instance holding its stream.
 */
import type { Request, RequestHandler, Response } from 'express';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { type JSONRPCMessage, isJSONRPCRequest } from '@modelcontextprotocol/sdk/types.js';
import { principalKey } from '../capabilities/principal';
import { cancelledRequestId } from './cancellation';
import { checkBatch } from './jsonRpcEnvelope';
import '../http/requestAuth';
import { RPC, sendJsonRpcError } from '../http/jsonRpcError';
import type { DrainController } from '../lifecycle/drain';
import type { Logger } from '../logging/logger';
import type { McpServerFactory } from './serverFactory';
import type { Session, SessionRegistry } from './sessionRegistry';
import { RETRY_AFTER_SECONDS } from '../http/retryAfter';
import { refuseIfAtSessionCap, refuseWhileDraining } from './sessionCap';

interface LegacySession extends Session {
  kind: 'legacy-sse';
  transport: SSEServerTransport;
  /** Calls whose response has not been sent yet: legacy calls finish on the stream, not on their POST. */
  pendingCalls: Map<unknown, () => void>;
}

/**
 * Legacy sessions across instances (`REDIS_URL`): the stream stays on the instance that opened it, and a
 * `POST /messages` reaching any other instance is forwarded to it.
 */
export interface LegacyRouting {
  /** Records that this instance holds the session's stream; renewed while it is open. */
  register(sessionId: string, principal: string): Promise<void>;
  unregister(sessionId: string): Promise<void>;
  /** The instance holding the session's stream, if the session exists and belongs to `principal`. */
  locate(sessionId: string, principal: string): Promise<string | undefined>;
  forward(instanceId: string, sessionId: string, message: JSONRPCMessage, authInfo: Request['auth']): Promise<void>;
}

export interface LegacySseOptions {
  buildServer: McpServerFactory;
  registry: SessionRegistry;
  drain: DrainController;
  /** Path clients POST messages to, as announced in the `endpoint` event. */
  messagesPath: string;
  keepAliveMs: number;
  retryMs: number;
  logger: Logger;
  routing?: LegacyRouting;
}

export interface LegacySseEndpoints {
  stream: RequestHandler;
  messages: RequestHandler;
  /** Delivers a message forwarded by another instance to a session whose stream this instance holds. */
  deliver(sessionId: string, message: JSONRPCMessage, authInfo: Request['auth']): Promise<void>;
}

export function legacySseEndpoints(options: LegacySseOptions): LegacySseEndpoints {
  const { registry, drain, logger } = options;

  const stream: RequestHandler = async (req: Request, res: Response) => {
    if (refuseWhileDraining(drain, res)) return;
    if (refuseIfAtSessionCap(registry, principalKey(req.auth), res, logger)) return;
    res.setHeader('X-Accel-Buffering', 'no');
    const transport = new SSEServerTransport(options.messagesPath, res);
    const server: McpServer = options.buildServer();
    const session: LegacySession = {
      kind: 'legacy-sse',
      id: transport.sessionId,
      principal: principalKey(req.auth),
      transport,
      lastSeen: Date.now(),
      active: 0,
      pendingCalls: new Map(),
      close: async () => {
        // Tell the client when to reconnect, then end the stream.
        if (!res.writableEnded) res.write(`retry: ${options.retryMs}\n\n`);
        await transport.close();
      },
    };
    const ended = registry.touch(session);
    const routing = options.routing;
    const register = () => void routing?.register(session.id, session.principal).catch(() => undefined);
    register();
    const keepAlive = setInterval(() => {
      if (!res.writableEnded) res.write(': keepalive\n\n');
      register();
    }, options.keepAliveMs);
    keepAlive.unref();
    // A call counts as in flight (for the drain) until its response goes out on the stream.
    const send = transport.send.bind(transport);
    transport.send = async (message: JSONRPCMessage) => {
      const id = (message as { id?: unknown }).id;
      if (id !== undefined && !('method' in message)) {
        session.pendingCalls.get(id)?.();
        session.pendingCalls.delete(id);
      }
      return send(message);
    };
    let closed = false;
    transport.onclose = () => {
      // The SDK's SSE transport calls onclose on every close(): run the clean-up once.
      if (closed) return;
      closed = true;
      clearInterval(keepAlive);
      for (const done of session.pendingCalls.values()) done();
      session.pendingCalls.clear();
      ended();
      registry.remove(session.id);
      void routing?.unregister(session.id).catch(() => undefined);
    };
    res.once('close', () => void transport.close());
    registry.add(session);
    try {
      await server.connect(transport);
      logger.info({ session: session.id, transport: 'sse' }, 'legacy SSE session started');
    } catch (err) {
      logger.error({ err }, 'legacy SSE session failed to start');
      await transport.close();
    }
  };

  const messages: RequestHandler = async (req, res) => {
    const sessionId = typeof req.query.sessionId === 'string' ? req.query.sessionId : undefined;
    if (!sessionId)
      return sendJsonRpcError(res, 400, RPC.invalidRequest, 'Bad Request: sessionId query parameter is required');
    const principal = principalKey(req.auth);
    const session = registry.get(sessionId, principal) as LegacySession | undefined;
    const local = session?.kind === 'legacy-sse' ? session : undefined;
    let holder: string | undefined;
    if (!local && options.routing) {
      try {
        holder = await options.routing.locate(sessionId, principal);
      } catch {
        return sendJsonRpcError(res, 503, RPC.serverError, 'Session store unavailable; retry shortly', {
          'Retry-After': RETRY_AFTER_SECONDS,
        });
      }
    }
    if (!local && !holder) return sendJsonRpcError(res, 404, -32001, 'Session not found');
    if (req.body === undefined) {
      return sendJsonRpcError(
        res,
        415,
        RPC.invalidRequest,
        'Unsupported Media Type: Content-Type must be application/json',
      );
    }
    // Bounded and checked as on /mcp: one POST must not start thousands of calls, nor reuse an id within itself.
    const checked = checkBatch(req.body);
    if ('refusal' in checked) return sendJsonRpcError(res, 400, checked.refusal.code, checked.refusal.message);
    const { messages } = checked;
    try {
      if (!local) {
        // The stream is on another instance: the messages go there, in order.
        for (const message of messages) await options.routing!.forward(holder!, sessionId, message, req.auth);
        res.status(202).type('text/plain').send('Accepted');
        return;
      }
      // The SDK's handlePostMessage takes one message; a 2024-11-05 batch is delivered message by message.
      res.status(202).type('text/plain').send('Accepted');
      for (const message of messages)
        await deliverTo(local, message, { authInfo: req.auth, requestInfo: { headers: req.headers } });
    } catch (err) {
      logger.error({ err }, 'legacy message failed');
      sendJsonRpcError(res, 503, RPC.serverError, 'Could not deliver the message; retry shortly', {
        'Retry-After': RETRY_AFTER_SECONDS,
      });
    }
  };

  async function deliverTo(
    session: LegacySession,
    message: JSONRPCMessage,
    extra: Parameters<SSEServerTransport['handleMessage']>[1],
  ) {
    session.lastSeen = Date.now();
    if (isJSONRPCRequest(message)) {
      session.pendingCalls.get(message.id)?.();
      session.pendingCalls.set(message.id, drain.beginCall());
    }
    // A cancelled call gets no response (by the spec): it is no longer in flight.
    const cancelled = cancelledRequestId(message);
    if (cancelled !== undefined) {
      session.pendingCalls.get(cancelled)?.();
      session.pendingCalls.delete(cancelled);
    }
    await session.transport.handleMessage(message, extra);
  }

  const deliver = async (sessionId: string, message: JSONRPCMessage, authInfo: Request['auth']) => {
    const session = registry.peek(sessionId) as LegacySession | undefined;
    if (session?.kind !== 'legacy-sse') return;
    await deliverTo(session, message, { authInfo });
  };

  return { stream, messages, deliver };
}
