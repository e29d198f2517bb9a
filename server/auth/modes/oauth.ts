/**
 * `MCP_AUTH_MODE=oauth`: access tokens from an external authorization server (`OAUTH_ISSUER`).
 *
 * JWT access tokens are validated locally against the issuer's JWKS (`OAUTH_JWKS_URI`, or `jwks_uri` from its
 * RFC 8414 / OpenID discovery metadata, looked up lazily and retried, so a briefly unreachable authorization
 * server never stops this server from starting). Opaque tokens are introspected (RFC 7662) when
 * `OAUTH_INTROSPECTION_URL` and its client credentials are configured.
 */
import { Router } from 'express';
import type { ServerConfig } from '../../config/env';
import { ConfigError } from '../../config/env';
import { bearerAuthenticator } from '../resourceServer/bearerAuthenticator';
import { AuthFailure } from '../resourceServer/challenge';
import { discoverAuthorizationServer, DiscoveryError, retryingOnce } from '../resourceServer/discovery';
import { loadJose } from '../esm';
import { FailureLimiter } from '../resourceServer/failureLimiter';
import { IntrospectionValidator } from '../resourceServer/introspection';
import { cacheVerifiedTokens } from '../resourceServer/verifiedTokenCache';
import { RemoteKeySet } from '../resourceServer/jwks';
import { JwtVerifier, looksLikeJwt } from '../resourceServer/jwtVerifier';
import type { AuthLayer, AuthLayerDeps } from '../layer';
import {
  protectedResourceMetadata,
  protectedResourceMetadataRoutes,
} from '../resourceServer/protectedResourceMetadata';
import { resourceInfo, supportedScopes } from '../resourceServer/resourceInfo';
import type { TokenValidator } from '../resourceServer/tokenValidator';

export async function oauthAuthLayer(config: ServerConfig, deps: AuthLayerDeps): Promise<AuthLayer> {
  const { logger, capabilities } = deps;
  const { issuer, jwksUri, introspectionUrl, clientId, clientSecret, scopes } = config.auth;
  if (!issuer)
    throw new ConfigError('MCP_AUTH_MODE=oauth needs OAUTH_ISSUER: the issuer URL of your authorization server');
  if (introspectionUrl && (!clientId || !clientSecret)) {
    throw new ConfigError('OAUTH_INTROSPECTION_URL needs OAUTH_CLIENT_ID and OAUTH_CLIENT_SECRET');
  }
  const info = resourceInfo(config);
  const jose = loadJose();

  const metadata = retryingOnce(() => discoverAuthorizationServer(issuer));
  const keys = new RemoteKeySet(jose, {
    logger,
    uri:
      jwksUri ??
      (async () => {
        const found = await metadata();
        if (!found.jwks_uri) throw new DiscoveryError(`the metadata of ${issuer} has no jwks_uri; set OAUTH_JWKS_URI`);
        return found.jwks_uri;
      }),
  });
  // Signature checks are the costly part of a call: a token verified once is trusted until it expires (≤ 5 min).
  // (Introspected tokens have their own cache, which also remembers refusals.)
  const jwt = cacheVerifiedTokens(new JwtVerifier(jose, { keys, issuer, audience: info.audience }));
  const introspection =
    introspectionUrl && clientId && clientSecret
      ? new IntrospectionValidator({
          url: introspectionUrl,
          clientId,
          clientSecret,
          issuer,
          audience: info.audience,
          logger,
        })
      : undefined;
  const validator: TokenValidator = {
    validate: async (token) => {
      if (looksLikeJwt(token)) return jwt.validate(token);
      if (introspection) return introspection.validate(token);
      throw AuthFailure.invalidToken('The access token is not a JWT and this server does not introspect tokens');
    },
  };

  // Load the keys now, so the first call does not wait and misconfiguration shows in the log at start.
  if (jwksUri || !introspection) {
    keys.refresh().then(
      () => logger.info({ issuer }, 'authorization server signing keys loaded'),
      () => undefined, // logged by RemoteKeySet; retried on demand
    );
  }

  const advertised = supportedScopes(scopes, capabilities.toolScopes);
  const routes = Router();
  routes.use(
    protectedResourceMetadataRoutes(info, protectedResourceMetadata(info, [issuer], advertised, capabilities.name)),
  );
  logger.info(
    {
      issuer,
      audience: info.audience,
      jwksUri: jwksUri ?? '(discovered)',
      introspection: Boolean(introspection),
      scopes,
    },
    'OAuth resource server: accepting access tokens from the authorization server',
  );
  return {
    routes,
    authenticate: bearerAuthenticator({
      validator,
      challenge: { resourceMetadataUrl: info.metadataUrl, scope: scopes },
      requiredScopes: scopes,
      toolScopes: capabilities.toolScopes,
      limiter: new FailureLimiter(),
      logger,
    }),
    close: async () => {},
  };
}
