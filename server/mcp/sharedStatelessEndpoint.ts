/**
 * Stateless Streamable HTTP on one long-lived server: every POST is answered without building a server or a
 * transport (see `multiplexTransport.ts`), so any instance answers any request behind a round-robin load
 * balancer, cheaply. The HTTP rules are the SDK transport's own (same statuses, codes and messages); responses
 * stream as SSE, keep-alive comments included. There is no session and no GET stream (405).
 */
import type { Request, RequestHandler, Response } from 'express';
import { type JSONRPCMessage, SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/sdk/types.js';
import { principalKey } from '../capabilities/principal';
import { RPC, sendJsonRpcError } from '../http/jsonRpcError';
import '../http/requestAuth';
import type { Logger } from '../logging/logger';
import { checkBatch, isInitialize, isRequest } from './jsonRpcEnvelope';
import { ENDED_WITHOUT_RESPONSE, MultiplexTransport } from './multiplexTransport';
import type { McpServerFactory } from './serverFactory';

export interface SharedStatelessEndpointOptions {
  buildServer: McpServerFactory;
  keepAliveMs: number;
  logger: Logger;
}

export interface SharedStatelessEndpoint {
  handler: RequestHandler;
  close(): Promise<void>;
}

export async function sharedStatelessEndpoint(
  options: SharedStatelessEndpointOptions,
): Promise<SharedStatelessEndpoint> {
  const server = options.buildServer();
  const transport = new MultiplexTransport();
  const protocolError = (err: Error) => options.logger.warn({ err }, 'MCP protocol error');
  transport.onerror = protocolError;
  await server.connect(transport);
  const ticker = new StreamTicker();

  const handler: RequestHandler = (req, res) => {
    if (req.method !== 'POST') {
      return sendJsonRpcError(
        res,
        405,
        RPC.serverError,
        'Method not allowed: this server is stateless (no sessions, no GET stream)',
        {
          Allow: 'POST',
        },
      );
    }
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
    const initializing = messages.some(isInitialize);
    if (initializing && messages.length > 1) {
      return sendJsonRpcError(
        res,
        400,
        RPC.invalidRequest,
        'Invalid Request: Only one initialization request is allowed',
      );
    }
    const version = req.headers['mcp-protocol-version'];
    if (!initializing && typeof version === 'string' && !SUPPORTED_PROTOCOL_VERSIONS.includes(version)) {
      return sendJsonRpcError(
        res,
        400,
        RPC.serverError,
        `Bad Request: Unsupported protocol version: ${version} (supported versions: ${SUPPORTED_PROTOCOL_VERSIONS.join(', ')})`,
      );
    }

    const caller = callerOf(req);
    const extra = {
      authInfo: req.auth,
      requestInfo: { headers: req.headers as Record<string, string | string[] | undefined> },
    };
    const requests = messages.filter(isRequest).length;
    if (requests === 0) {
      // Notifications and responses only: accepted, nothing to stream.
      for (const message of messages) transport.dispatch(message, caller, NO_SINK, extra);
      res.status(202).end();
      return;
    }

    // `initialize` and `logging/setLevel` go to a server of their own: the shared server must never learn (and then
    // act on, or show another caller) one client's capabilities, identity or log level. Both are rare.
    const own = initializing || messages.some(isSetLevel) ? isolatedServer() : undefined;
    const target = own?.transport ?? transport;
    const stream = new SseResponse(res, options.keepAliveMs, requests, ticker);
    const ids: number[] = [];
    res.once('close', () => {
      // Stateless: if the client leaves, nobody can ever receive the results — stop the work.
      if (!stream.finished) target.abandon(ids);
      stream.stop();
      own?.close();
    });
    void (own?.ready ?? Promise.resolve()).then(() => {
      for (const message of messages) {
        const id = target.dispatch(message, caller, stream, extra);
        if (id !== undefined) ids.push(id);
      }
    });
  };

  function isolatedServer() {
    const ownServer = options.buildServer();
    const ownTransport = new MultiplexTransport();
    ownTransport.onerror = protocolError;
    return {
      transport: ownTransport,
      ready: ownServer.connect(ownTransport),
      close: () => void ownServer.close().catch(() => undefined),
    };
  }

  return { handler, close: () => server.close() };
}

const NO_SINK = { write: () => {} };

/**
 * Who may cancel a call, or answer a request the server sent during it. Stateless has no session: a client's
 * `notifications/cancelled` (or elicitation answer) comes in a POST of its own, and over HTTP/1.1 on another
 * connection than the call's — that one is busy streaming the call — so "same connection" would refuse every
 * legitimate cancellation. The rule is the same principal *and* the same client address (as the trusted proxies
 * report it, `MCP_TRUST_PROXY`), and an id that names exactly one such call (see MultiplexTransport). Callers
 * sharing a token, or anyone in `none` mode, can no longer stop each other's calls by guessing ids, unless they
 * also share an address (one machine, one NAT).
 */
function callerOf(req: Request): string {
  const address = (req.ip ?? req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
  return `${principalKey(req.auth)}\u0001${address}`;
}

const isSetLevel = (m: JSONRPCMessage) => isRequest(m) && m.method === 'logging/setLevel';

/** How long an answer may take before the stream's headers are sent on their own. */
const HEADER_FLUSH_MS = 50;

/**
 * Open SSE responses share one timer (instead of two per request): it sends the headers of answers that take
 * longer than HEADER_FLUSH_MS, and keep-alive comments on streams quiet for the keep-alive interval.
 */
class StreamTicker {
  private readonly open = new Set<SseResponse>();
  private timer?: NodeJS.Timeout;

  add(stream: SseResponse): void {
    this.open.add(stream);
    if (!this.timer) {
      this.timer = setInterval(() => this.tick(), HEADER_FLUSH_MS);
      this.timer.unref();
    }
  }

  remove(stream: SseResponse): void {
    this.open.delete(stream);
    if (this.open.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  private tick(): void {
    const now = Date.now();
    for (const stream of this.open) stream.tick(now);
  }
}

/** An SSE response that ends once every request of the exchange is answered. */
class SseResponse {
  finished = false;
  private readonly openedAt = Date.now();
  private lastWrite = this.openedAt;
  private flushed = false;

  constructor(
    private readonly res: Response,
    private readonly keepAliveMs: number,
    private remaining: number,
    private readonly ticker: StreamTicker,
  ) {
    this.res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache, no-transform' });
    ticker.add(this);
  }

  write(message: JSONRPCMessage, final: boolean): void {
    if (this.finished || this.res.writableEnded) return;
    const event = message === ENDED_WITHOUT_RESPONSE ? '' : `event: message\ndata: ${JSON.stringify(message)}\n\n`;
    if (final && --this.remaining === 0) {
      this.finished = true;
      this.stop();
      // Headers, last event and end in one write when nothing was sent before (the common, quick call).
      this.res.end(event);
      return;
    }
    this.lastWrite = Date.now();
    this.flushed = true;
    this.res.write(event);
  }

  /** Called by the ticker: a slow answer shows a live stream; a quiet stream gets a keep-alive comment. */
  tick(now: number): void {
    if (this.res.writableEnded) return this.stop();
    if (!this.flushed && now - this.openedAt >= HEADER_FLUSH_MS) {
      this.flushed = true;
      this.res.flushHeaders();
    }
    if (now - this.lastWrite >= this.keepAliveMs) {
      this.lastWrite = now;
      this.res.write(': keepalive\n\n');
    }
  }

  stop(): void {
    this.ticker.remove(this);
  }
}
