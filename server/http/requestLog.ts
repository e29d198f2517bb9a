/**
 * One structured log line per request: id, method, path, MCP method, status, duration, session.
 * Headers are not logged at all (they carry credentials); query strings are stripped of anything token-like.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import pinoHttp from 'pino-http';
import type { Logger } from '../logging/logger';

/** The JSON-RPC method(s) of a parsed body, e.g. `tools/call` or `initialize,notifications/initialized`. */
export function mcpMethodOf(body: unknown): string | undefined {
  const methodOf = (m: unknown) =>
    m && typeof m === 'object' && typeof (m as { method?: unknown }).method === 'string'
      ? (m as { method: string }).method
      : undefined;
  if (Array.isArray(body)) return body.map(methodOf).filter(Boolean).join(',') || undefined;
  return methodOf(body);
}

const SENSITIVE_QUERY = /([?&](?:access_token|token|code|client_secret|refresh_token|id_token)=)[^&]*/gi;

export function safeUrl(url: string | undefined): string | undefined {
  return url?.replace(SENSITIVE_QUERY, '$1[redacted]');
}

export function requestLog(logger: Logger) {
  return pinoHttp({
    logger,
    genReqId: (req: IncomingMessage, res: ServerResponse) => {
      const given = req.headers['x-request-id'];
      const id = typeof given === 'string' && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
      res.setHeader('X-Request-Id', id);
      return id;
    },
    serializers: {
      req: (req: { id: unknown; method: string; url: string }) => ({ id: req.id, method: req.method, path: safeUrl(req.url) }),
      res: (res: { statusCode: number }) => ({ status: res.statusCode }),
    },
    customProps: (req: IncomingMessage) => {
      const r = req as IncomingMessage & { body?: unknown };
      const session = req.headers['mcp-session-id'] ?? new URL(req.url ?? '/', 'http://x').searchParams.get('sessionId') ?? undefined;
      return { mcpMethod: mcpMethodOf(r.body), session };
    },
    customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
    customSuccessMessage: (req, res, time) => `${req.method} ${safeUrl(req.url)} ${res.statusCode} ${Math.round(time)}ms`,
    customErrorMessage: (req, res) => `${req.method} ${safeUrl(req.url)} ${res.statusCode} failed`,
    // Health probes every few seconds would drown the log.
    autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' },
    quietReqLogger: true,
  });
}
