/**
 * DNS-rebinding and cross-site protection. The MCP spec requires servers to validate `Origin`; the SDK checks
 * only `Host`, and only for loopback servers. A request with an `Origin` outside the allow-list gets 403.
 * When bound to loopback, a `Host` that is not a loopback name (or the public URL's host) also gets 403.
 */
import type { RequestHandler } from 'express';
import { hostHeaderValidation } from '@modelcontextprotocol/sdk/server/middleware/hostHeaderValidation.js';
import { RPC, sendJsonRpcError } from './jsonRpcError';

/** One rule for the Origin guard and CORS: exact origins, compared case-insensitively, trailing slash ignored. */
export function originMatcher(allowedOrigins: readonly string[]): (origin: string) => boolean {
  const normalize = (o: string) => o.replace(/\/$/, '').toLowerCase();
  const allowed = new Set(allowedOrigins.map(normalize));
  return (origin) => allowed.has('*') || allowed.has(normalize(origin));
}

export function originGuard(allowedOrigins: readonly string[]): RequestHandler {
  const isAllowed = originMatcher(allowedOrigins);
  return (req, res, next) => {
    const origin = req.headers.origin;
    if (origin === undefined || isAllowed(origin)) return next();
    sendJsonRpcError(res, 403, RPC.serverError, `Forbidden: Origin ${origin} is not allowed`);
  };
}

export function loopbackHostGuard(publicHostname: string): RequestHandler {
  return hostHeaderValidation([...new Set(['localhost', '127.0.0.1', '[::1]', publicHostname])]);
}
