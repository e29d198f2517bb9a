/**
 * `MCP_AUTH_MODE=token`: static bearer tokens (`MCP_BEARER_TOKENS`) for clients configured with an
 * `Authorization: Bearer …` header. There is no authorization server to point clients to, so no Protected
 * Resource Metadata is served (RFC 9728 requires `authorization_servers`) and challenges are plain `Bearer`.
 * Tokens carry no scopes: per-tool scopes are not enforced in this mode.
 */
import { ConfigError, type ServerConfig } from '../../config/env';
import { bearerAuthenticator } from '../resourceServer/bearerAuthenticator';
import { FailureLimiter } from '../resourceServer/failureLimiter';
import type { AuthLayer, AuthLayerDeps } from '../layer';
import { parseStaticTokens, StaticTokenValidator } from '../resourceServer/staticTokenValidator';

export async function tokenAuthLayer(config: ServerConfig, deps: AuthLayerDeps): Promise<AuthLayer> {
  let validator: StaticTokenValidator;
  try {
    validator = new StaticTokenValidator(parseStaticTokens(config.auth.bearerTokens));
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
  deps.logger.info(
    { tokens: config.auth.bearerTokens.length },
    'static bearer tokens: clients send Authorization: Bearer <token>',
  );
  return {
    authenticate: bearerAuthenticator({
      validator,
      challenge: {},
      requiredScopes: [],
      limiter: new FailureLimiter(),
      logger: deps.logger,
    }),
    close: async () => {},
  };
}
