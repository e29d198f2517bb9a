/** CORS for browser-based MCP clients: they must read the session id and auth challenges, and send MCP headers. */
import cors from 'cors';
import type { RequestHandler } from 'express';
import { originMatcher } from './originGuard';

export function mcpCors(allowedOrigins: readonly string[]): RequestHandler {
  const isAllowed = originMatcher(allowedOrigins);
  const handler = cors({
    // Same rule as the Origin guard, so an origin it lets through also gets its CORS headers.
    origin: (origin, callback) => callback(null, origin === undefined || isAllowed(origin)),
    methods: ['GET', 'POST', 'DELETE', 'OPTIONS'],
    allowedHeaders: [
      'content-type',
      'accept',
      'authorization',
      'mcp-protocol-version',
      'mcp-session-id',
      'last-event-id',
    ],
    exposedHeaders: ['Mcp-Session-Id', 'WWW-Authenticate', 'Mcp-Protocol-Version'],
    maxAge: 600,
  });
  // Desktop and CLI clients send no Origin: CORS has nothing to say to them (and this is every call's path).
  return (req, res, next) => (req.headers.origin === undefined ? next() : handler(req, res, next));
}

/**
 * CORS for public, credential-free endpoints (metadata documents, open client registration): any origin may call
 * them, requested headers are reflected, preflights are cached for 10 minutes.
 */
export function openCors(methods: readonly string[]): RequestHandler {
  return cors({ origin: '*', methods: [...methods, 'OPTIONS'], maxAge: 600 });
}
