/**
 * The auth layer guards the MCP endpoints. Every mode produces the same shape: optional routes (metadata, an
 * embedded authorization server) and a middleware that sets `req.auth` or answers 401/403.
 */
import type { RequestHandler, Router } from 'express';
import '../http/requestAuth';

export interface AuthLayer {
  /** Routes mounted before the protected endpoints (Protected Resource Metadata, embedded authorization server). */
  routes?: Router;
  /** Guards `/mcp`, `/sse` and `/messages`: sets `req.auth`, or answers 401/403 with a `WWW-Authenticate` challenge. */
  authenticate: RequestHandler;
  /** Why sign-in cannot work right now (its store is unreachable), for readiness; undefined when it can. */
  problem?(): string | undefined;
  /** Releases timers and connections. */
  close(): Promise<void>;
}
