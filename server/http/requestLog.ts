/**
 * One structured log line per request: id, method, path, MCP method, status, duration, session.
 * Headers are not logged at all (they carry credentials); query strings are stripped of anything token-like.
 * Written directly with pino (no per-request child logger): this line is on the hot path of every call.
 */
import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from '../logging/logger';
import { traceIdOf } from './traceContext';

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

/** Probes every few seconds would drown the log. */
const QUIET_PATHS = new Set(['/healthz', '/readyz']);

export function requestLog(logger: Logger): RequestHandler {
  // The fields below never hold a secret, so the access log skips the (costly) redaction pass.
  const access = logger.child({}, { redact: [] });
  return (req, res, next) => {
    const given = req.headers['x-request-id'];
    const id = typeof given === 'string' && given.length <= 128 && /^[\w.:-]+$/.test(given) ? given : randomUUID();
    res.setHeader('X-Request-Id', id);
    if (QUIET_PATHS.has(req.path)) return next();
    const started = process.hrtime.bigint();
    let logged = false;
    const log = () => {
      if (logged) return;
      logged = true;
      const ms = Math.round(Number(process.hrtime.bigint() - started) / 1e5) / 10;
      const status = res.headersSent ? res.statusCode : 499; // 499: the client left before any answer
      const path = safeUrl(req.originalUrl);
      const fields = {
        req: { id, method: req.method, path },
        res: { status },
        mcpMethod: mcpMethodOf(req.body),
        traceId: traceIdOf(req.headers.traceparent, req.body),
        session: req.headers['mcp-session-id'] ?? (typeof req.query.sessionId === 'string' ? req.query.sessionId : undefined),
        responseTime: ms,
      };
      const message = `${req.method} ${path} ${status} ${ms}ms`;
      if (status >= 500) access.error(fields, message);
      else if (status >= 400) access.warn(fields, message);
      else access.info(fields, message);
    };
    res.once('finish', log);
    res.once('close', log);
    next();
  };
}
