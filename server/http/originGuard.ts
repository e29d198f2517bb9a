/**
 * DNS-rebinding and cross-site protection. The MCP spec requires servers to validate `Origin`; the SDK checks
 * only `Host`, and only for loopback servers. A request with an `Origin` outside the allow-list gets 403.
 * When bound to loopback, a `Host` that is not a loopback name (or the public URL's host) also gets 403.
 */
import type { RequestHandler } from 'express';
import { hostHeaderValidation } from '@modelcontextprotocol/sdk/server/middleware/hostHeaderValidation.js';
import { RPC, sendJsonRpcError } from './jsonRpcError';

export function originGuard(allowedOrigins: readonly string[]): RequestHandler {
  const allowed = new Set(allowedOrigins.map((o) => o.replace(/\/$/, '').toLowerCase()));
  return (req, res, next) => {
    const origin = req.headers.origin;
    if (origin === undefined || allowed.has(origin.toLowerCase()) || allowed.has('*')) return next();
    sendJsonRpcError(res, 403, RPC.serverError, `Forbidden: Origin ${origin} is not allowed`);
  };
}

export function loopbackHostGuard(publicHostname: string): RequestHandler {
  return hostHeaderValidation([...new Set(['localhost', '127.0.0.1', '[::1]', publicHostname])]);
}
