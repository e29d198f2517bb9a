/**
 * Chooses the auth layer for the configured `MCP_AUTH_MODE`. Each mode's module is loaded only when chosen
 * (`dev` and `oauth` load `oidc-provider` / `jose`, which `none` and `token` never need).
 */
import type { CapabilitySet } from '../capabilities/types';
import type { ServerConfig } from '../config/env';
import type { Logger } from '../logging/logger';
import type { AuthLayer } from './layer';
import { noAuth } from './none';

export type { AuthLayer };

export interface AuthLayerDeps {
  logger: Logger;
  capabilities: CapabilitySet;
  /**
   * Broker mode, tests only: replaces the fetch of Client ID Metadata Documents, whose default refuses loopback and
   * private addresses (SSRF protection) — as it must in production.
   */
  clientMetadataFetch?: typeof fetch;
}

export async function createAuthLayer(config: ServerConfig, deps: AuthLayerDeps): Promise<AuthLayer> {
  switch (config.auth.mode) {
    case 'none':
      return noAuth();
    case 'token':
      return (await import('./token')).tokenAuthLayer(config, deps);
    case 'oauth':
      return (await import('./oauth')).oauthAuthLayer(config, deps);
    case 'dev':
      return (await import('./dev')).devAuthLayer(config, deps);
    case 'broker':
      return (await import('./broker')).brokerAuthLayer(config, deps);
  }
}
