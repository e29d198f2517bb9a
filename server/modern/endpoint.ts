/**
 * The 2026-07-28 leg: SDK v2 `createMcpHandler` in `legacy: 'reject'` mode (always stateless), and the router that
 * sends each request on the MCP endpoint to its era with the SDK's own `isLegacyRequest` — 2025-era traffic goes to
 * the existing handler (stateless, stateful or cluster) unchanged. Runs after every guard of the endpoint
 * (Origin/Host, CORS, 415, body limit, auth, drain, request log), which therefore apply to both eras.
 */
import type { Request, RequestHandler, Response as ExpressResponse } from 'express';
import type { ServerEventBus } from '@modelcontextprotocol/server';
import type { CapabilityContext, CapabilitySet } from '../capabilities/types';
import '../http/requestAuth';
import { RPC, sendJsonRpcError } from '../http/jsonRpcError';
import type { DrainController } from '../lifecycle/drain';
import type { Logger } from '../logging/logger';
import { checkBatch } from '../mcp/jsonRpcEnvelope';
import type { ModernSdk } from './handler';
import { RequestView } from './requestView';
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
  /** Loads the SDK v2 side now (otherwise the first request on the MCP endpoint does). */
  load(): Promise<void>;
  close(): Promise<void>;
}

export function modernEndpoint(options: ModernEndpointOptions): ModernEndpoint {
  const { logger } = options;
  let sdk: ModernSdk | undefined;
  let loading: Promise<ModernSdk> | undefined;
  const load = () => (loading ??= import('./handler').then((m) => (sdk = m.buildModernHandler(options))));

  const route =
    (legacy: RequestHandler): RequestHandler =>
    async (req, res, next) => {
      try {
        const { handler, isLegacyRequest, listen } = sdk ?? (await load());
        const request = new RequestView(req, res);
        // An empty POST has no parsed body: the SDK would read one from the request, so it gets a real one (rare).
        const classified = req.body === undefined && req.method === 'POST' ? emptyWebRequest(req) : request.asRequest();
        if (await isLegacyRequest(classified, req.body, { maxRequestBodySize: options.maxBodyBytes }))
          return legacy(req, res, next);
        // A malformed message gets the edge check's answer (400 naming the field), as in the 2025 leg, not the SDK's generic one.
        const checked = checkBatch(req.body);
        if ('refusal' in checked) return sendJsonRpcError(res, 400, checked.refusal.code, checked.refusal.message);
        if (isListen(req.body)) {
          // Validated and acknowledged by the SDK, then held by `listen` (which watches the close itself: no abort wiring).
          const detached = new RequestView(req, res, { detached: true }).asRequest();
          return await listen.serve(req, res, () =>
            handler.fetch(detached, { authInfo: req.auth as never, parsedBody: req.body }),
          );
        }
        const response = await handler.fetch(request.asRequest(), {
          authInfo: req.auth as never,
          parsedBody: req.body,
        });
        await writeWebResponse(
          response,
          res as ExpressResponse,
          (req.body as { method?: unknown } | undefined)?.method === 'server/discover',
        );
      } catch (err) {
        logger.error({ err }, 'modern MCP request failed');
        if (!res.headersSent) sendJsonRpcError(res, 500, RPC.internalError, 'Internal server error');
        else res.destroy();
      }
    };
  return {
    route,
    load: async () => void (await load()),
    close: async () => {
      if (!loading) return;
      const { handler, listen } = await loading;
      listen.close();
      await handler.close();
    },
  };
}

/** A POST without a parsed body, as a web `Request` with no body: the SDK classifies it legacy (no envelope). */
function emptyWebRequest(req: Request): globalThis.Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || name.startsWith(':') || name === 'content-length' || name === 'transfer-encoding')
      continue;
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else headers.set(name, value);
  }
  return new globalThis.Request(`http://${req.headers.host ?? 'localhost'}${req.originalUrl}`, {
    method: req.method,
    headers,
  });
}
