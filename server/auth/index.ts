/** Chooses the auth layer for the configured `MCP_AUTH_MODE`. */
import type { CapabilitySet } from '../capabilities/types';
import { ConfigError, type ServerConfig } from '../config/env';
import type { Logger } from '../logging/logger';
import type { AuthLayer } from './layer';
import { noAuth } from './none';

export type { AuthLayer };

export interface AuthLayerDeps {
  logger: Logger;
  capabilities: CapabilitySet;
}

export async function createAuthLayer(config: ServerConfig, _deps: AuthLayerDeps): Promise<AuthLayer> {
  switch (config.auth.mode) {
    case 'none':
      return noAuth();
    default:
      throw new ConfigError(`Invalid MCP_AUTH_MODE=${config.auth.mode}: this mode is not available in this build`);
  }
}
