/**
 * One structured log line per request: id, method, path, MCP method, status, duration, session.
 * Headers are not logged at all (they carry credentials); query strings are stripped of anything token-like, and
 * every client-supplied string is bounded.
 * Written directly with pino (no per-request child logger): this line is on the hot path of every call.
 */
import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import { unescape } from 'node:querystring';
import { clip } from '../logging/clip';
import type { Logger } from '../logging/logger';
import { traceIdOf } from './traceContext';
import { traceIdOf as spanTraceIdOf } from '../observability/httpSpan';

/** Bounds of what the access log takes from the client (the body can be megabytes, the URL and headers 16 KB). */
const MAX_METHOD_CHARS = 100;
const MAX_METHODS = 10;
const MAX_URL_CHARS = 1024;
const MAX_SESSION_CHARS = 128;

/**
 * The JSON-RPC method(s) of a parsed body, e.g. `tools/call` or `initialize,notifications/initialized`: each name
 * clipped to MAX_METHOD_CHARS, a batch to its first MAX_METHODS names and a count of the rest.
 */
export function mcpMethodOf(body: unknown): string | undefined {
  const methodOf = (m: unknown) =>
    m && typeof m === 'object' && typeof (m as { method?: unknown }).method === 'string'
      ? clip((m as { method: string }).method, MAX_METHOD_CHARS)
      : undefined;
  if (!Array.isArray(body)) return methodOf(body);
  const names = body.slice(0, MAX_METHODS).map(methodOf).filter(Boolean);
  if (body.length > MAX_METHODS) names.push(`…(${body.length - MAX_METHODS} more)`);
  return names.join(',') || undefined;
}

/**
 * Query parameters whose value is a credential, by their decoded name (`access%5Ftoken` is `access_token` to the
 * server, so it must be to the redaction too), case-insensitive.
 */
const SENSITIVE_PARAM = /(?:token|secret|password)$|^(?:code|code_verifier|client_assertion|assertion|api_?key|key)$/i;

/** A parameter name as the server's query parser reads it (lenient: a malformed escape stays as it is). */
const decodedName = (name: string) => unescape(name.replace(/\+/g, ' ')).trim();

/** The URL for the log: credential values redacted, length bounded. */
export function safeUrl(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  const q = url.indexOf('?');
  if (q === -1) return clip(url, MAX_URL_CHARS);
  const query = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      return eq !== -1 && SENSITIVE_PARAM.test(decodedName(pair.slice(0, eq)))
        ? `${pair.slice(0, eq)}=[redacted]`
        : pair;
    })
    .join('&');
  return clip(`${url.slice(0, q)}?${query}`, MAX_URL_CHARS);
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
        session: sessionOf(req.headers['mcp-session-id'] ?? req.query.sessionId),
        responseTime: ms,
        // The request's own span when tracing is on, else the trace the client named (traceparent in _meta or the header).
        traceId: spanTraceIdOf(res) ?? traceIdOf(req.headers.traceparent, req.body),
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

const sessionOf = (value: unknown) => (typeof value === 'string' ? clip(value, MAX_SESSION_CHARS) : undefined);
