/**
 * Chooses the auth layer for the configured `MCP_AUTH_MODE`. Each mode's module is loaded only when chosen
 * (`dev` and `oauth` load `oidc-provider` / `jose`, which `none` and `token` never need).
 */
import type { ServerConfig } from '../config/env';
import type { AuthLayer, AuthLayerDeps } from './layer';
import { noAuth } from './modes/none';

export type { AuthLayer, AuthLayerDeps };

export async function createAuthLayer(config: ServerConfig, deps: AuthLayerDeps): Promise<AuthLayer> {
  switch (config.auth.mode) {
    case 'none':
      return noAuth();
    case 'token':
      return (await import('./modes/token')).tokenAuthLayer(config, deps);
    case 'oauth':
      return (await import('./modes/oauth')).oauthAuthLayer(config, deps);
    case 'dev':
      return (await import('./modes/dev')).devAuthLayer(config, deps);
    case 'broker':
      return (await import('./modes/broker')).brokerAuthLayer(config, deps);
  }
}
