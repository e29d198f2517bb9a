/**
 * `MCP_AUTH_MODE=dev` (the default of `npm start` on loopback): the MCP server plus its own development
 * authorization server on the same origin, so a newcomer goes through the real OAuth flow with any MCP client.
 * Tokens are validated exactly as in `oauth` mode (same JWT verifier), against the embedded server's keys.
 */
import { Router } from 'express';
import { ConfigError, isLoopbackHost, type ServerConfig } from '../../config/env';
import { ENV, PATHS } from '../../config/contract';
import { createDevAuthorizationServer } from '../authorizationServer/devAuthorizationServer';
import type { AuthLayer, AuthLayerDeps } from '../layer';
import { resourceInfo, supportedScopes } from '../resourceServer/resourceInfo';
import { embeddedServerGuard } from '../authorizationServer/guard';

/** Where the development authorization server lives on the MCP server's origin (the contract's path). */
export const DEV_ISSUER_PATH = PATHS.authorizationServer;

export async function devAuthLayer(config: ServerConfig, deps: AuthLayerDeps): Promise<AuthLayer> {
  const { logger, capabilities } = deps;
  if (!isLoopbackHost(config.host)) {
    if (!config.auth.devAllowNonLoopback) {
      throw new ConfigError(
        `Invalid ${ENV.authMode}=dev: the development authorization server runs only when ${ENV.host} is a loopback address (got ${config.host}); use oauth, broker or token`,
      );
    }
    logger.warn(
      { host: config.host },
      `${ENV.devAuthAllowNonLoopback}=true: the DEVELOPMENT authorization server (anyone can sign in with one click, no password) is reachable beyond this machine. Never do this in production.`,
    );
  }
  const info = resourceInfo(config);
  const issuer = `${new URL(info.resource).origin}${DEV_ISSUER_PATH}`;
  const scopes = supportedScopes(config.auth.scopes, capabilities.toolScopes);
  const as = await createDevAuthorizationServer({
    issuer,
    resource: info.resource,
    scopes,
    logger,
    trustProxy: Boolean(config.trustProxy),
    serverName: capabilities.name,
    clientMetadataFetch: deps.clientMetadataFetch,
  });
  const guard = embeddedServerGuard(config, deps, { info, issuer, scopes }, as);
  const routes = Router();
  routes.use(guard.metadataRoutes);
  routes.use(as.router);
  logger.info(
    { issuer, resource: info.resource, scopes },
    `development authorization server at ${issuer}: connect an MCP client to ${info.resource} and click "Sign in as developer"`,
  );
  return {
    routes,
    authenticate: guard.authenticate,
    close: async () => {},
  };
}
