/**
 * The 2026-07-28 leg: SDK v2 `createMcpHandler` in `legacy: 'reject'` mode (always stateless), and the router that
 * sends each request on the MCP endpoint to its era with the SDK's own `isLegacyRequest` — 2025-era traffic goes to
 * the existing handler (stateless, stateful or cluster) unchanged. Runs after every guard of the endpoint
 * (Origin/Host, CORS, 415, body limit, auth, drain, request log), which therefore apply to both eras.
 */
import type { Request, RequestHandler, Response as ExpressResponse } from 'express';
import { createMcpHandler, isLegacyRequest, McpServer, type McpHttpHandler, type ServerEventBus } from '@modelcontextprotocol/server';
import { DEFAULTS } from '../config/contract';
import type { CapabilityContext, CapabilitySet, ModernCapabilityContext } from '../capabilities/types';
import '../http/requestAuth';
import { RPC, sendJsonRpcError } from '../http/jsonRpcError';
import type { DrainController } from '../lifecycle/drain';
import type { Logger } from '../logging/logger';
import { instrumentMcpServer } from '../observability/mcpSpans';
import { checkBatch } from '../mcp/jsonRpcEnvelope';
import { modernDefinitions, type ToolRoundState } from './definitions';
import { originalRequest } from './originalRequest';
import { requestStateKeyring } from './requestState';
import { pooledFactory } from './serverPool';
import { listenStreams } from './listenStreams';
import { writeWebResponse } from './webResponse';

export interface ModernEndpointOptions {
  capabilities: CapabilitySet;
  context: CapabilityContext;
  /** HMAC keys of `requestState` (the first signs). */
  requestStateKeys: readonly Uint8Array[];
  keepAliveMs: number;
  maxBodyBytes: number;
  logger: Logger;
  /** Where listen streams hear list changes. @default in process (one instance) */
  bus?: ServerEventBus;
  /** Listen streams are refused while draining, and closed with a retry hint when the drain starts. */
  drain: DrainController;
  /** Reconnect delay written to a listen stream closed by the drain (SSE `retry`). */
  retryMs: number;
  /** Open listen streams allowed on this instance (as many as sessions: MCP_MAX_SESSIONS). */
  maxListenStreams?: number;
  /** Open listen streams allowed per caller (MCP_MAX_SESSIONS_PER_PRINCIPAL). */
  maxListenStreamsPerPrincipal?: number;
}

/** A 2026-07-28 `subscriptions/listen` request: a long-lived stream, not a call. */
export function isListen(body: unknown): boolean {
  return (body as { method?: unknown } | undefined)?.method === 'subscriptions/listen';
}

export interface ModernEndpoint {
  /** Routes a request on the MCP endpoint: 2025-era to `legacy`, everything else to the 2026-07-28 handler. */
  route(legacy: RequestHandler): RequestHandler;
  handler: McpHttpHandler;
  close(): Promise<void>;
}

export function modernEndpoint(options: ModernEndpointOptions): ModernEndpoint {
  const { capabilities, context, logger } = options;
  const keyring = requestStateKeyring<ToolRoundState>(options.requestStateKeys);
  const register = modernDefinitions(capabilities, keyring);
  const serverOptions = {
    instructions: capabilities.instructions,
    capabilities: capabilities.capabilities as never,
    requestState: { verify: keyring.verify },
  };
  let modernContext: ModernCapabilityContext | undefined;
  const factory = pooledFactory(() => {
    const server = new McpServer({ name: capabilities.name, version: capabilities.version }, serverOptions);
    // One span and duration point per request when telemetry is on (a no-op otherwise), as in the 2025 eras.
    instrumentMcpServer(server);
    register(server);
    if (capabilities.registerModern && modernContext) capabilities.registerModern(server, modernContext);
    return server;
  });
  const handler = createMcpHandler(factory, {
    legacy: 'reject',
    keepAliveMs: options.keepAliveMs,
    maxRequestBodySize: options.maxBodyBytes,
    bus: options.bus,
    // Refused requests are the client's business (answered on the wire); only our own failures are worth a line.
    onerror: (err) => logger.debug({ err: { name: err.name, message: err.message } }, 'modern MCP request refused or failed'),
  });

  // Listen streams are validated and acknowledged by the handler, then held by this module (memory per stream).
  const listen = listenStreams({
    bus: handler.bus,
    keepAliveMs: options.keepAliveMs,
    drain: options.drain,
    retryMs: options.retryMs,
    maxStreams: options.maxListenStreams ?? DEFAULTS.maxSessions,
    maxStreamsPerPrincipal: options.maxListenStreamsPerPrincipal ?? DEFAULTS.maxSessionsPerPrincipal,
    logger,
  });

  modernContext = {
    ...context,
    notify: handler.notify,
    mintRequestState: (payload, ctx) => keyring.mint(payload as ToolRoundState, ctx),
  };

  const route = (legacy: RequestHandler): RequestHandler => async (req, res, next) => {
    try {
      // A listen stream keeps no abort wiring (its stream is handed over to `listen`, which watches the close itself).
      const abort = isListen(req.body) ? undefined : new AbortController();
      // Only a client that leaves early aborts the exchange (an abort on every close costs errors per request).
      if (abort)
        res.once('close', () => {
          if (!res.writableFinished) abort.abort();
        });
      const request = webRequest(req, abort?.signal);
      if (await isLegacyRequest(request, req.body, { maxRequestBodySize: options.maxBodyBytes })) return legacy(req, res, next);
      // A malformed message gets the edge check's answer (400 naming the field), as in the 2025 leg, not the SDK's generic one.
      const checked = checkBatch(req.body);
      if ('refusal' in checked) return sendJsonRpcError(res, 400, checked.refusal.code, checked.refusal.message);
      if (isListen(req.body)) return await listen.serve(req, res, () => handler.fetch(request, { authInfo: req.auth as never, parsedBody: req.body }));
      const response = await originalRequest.run(req.body, () => handler.fetch(request, { authInfo: req.auth as never, parsedBody: req.body }));
      await writeWebResponse(response, res as ExpressResponse, (req.body as { method?: unknown } | undefined)?.method === 'server/discover');
    } catch (err) {
      logger.error({ err }, 'modern MCP request failed');
      if (!res.headersSent) sendJsonRpcError(res, 500, RPC.internalError, 'Internal server error');
      else res.destroy();
    }
  };
  return {
    route,
    handler,
    close: async () => {
      listen.close();
      await handler.close();
    },
  };
}

/**
 * The web `Request` the SDK classifies and serves: method, URL and headers. The body stays out — express already
 * parsed it (within MCP_MAX_BODY_BYTES) and both `isLegacyRequest` and the handler take it as `parsedBody`, so it is
 * neither serialized again nor read twice.
 */
function webRequest(req: Request, signal?: AbortSignal): globalThis.Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || name.startsWith(':')) continue;
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else headers.set(name, value);
  }
  headers.delete('content-length');
  headers.delete('content-encoding');
  headers.delete('transfer-encoding');
  return new globalThis.Request(`http://${req.headers.host ?? 'localhost'}${req.originalUrl}`, { method: req.method, headers, signal });
}
