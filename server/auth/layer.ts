/**
 * The auth layer guards the MCP endpoints. Every mode produces the same shape: optional routes (metadata, an
 * embedded authorization server) and a middleware that sets `req.auth` or answers 401/403. The types live here,
 * not in `index.ts`, so the modes import them without importing the module that imports the modes.
 */
import type { RequestHandler, Router } from 'express';
import type { CapabilitySet } from '../capabilities/types';
import type { Logger } from '../logging/logger';
import '../http/requestAuth';

/** What every mode is built with. */
export interface AuthLayerDeps {
  logger: Logger;
  capabilities: CapabilitySet;
  /**
   * Broker mode, tests only: replaces the fetch of Client ID Metadata Documents, whose default refuses loopback and
   * private addresses (SSRF protection) — as it must in production.
   */
  clientMetadataFetch?: typeof fetch;
}

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
