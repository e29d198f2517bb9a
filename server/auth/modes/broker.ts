/**
 * `MCP_AUTH_MODE=broker`: the MCP server runs its own OAuth 2.1 authorization server (the shared core: discovery,
 * Dynamic Client Registration, Client ID Metadata Documents, PKCE S256, resource-bound JWT access tokens, rotating
 * refresh tokens with reuse detection, a redirect-URI policy for real MCP clients) and signs users in with an
 * upstream OpenID Connect provider that offers none of that itself (Cognito, Entra ID, Google, most Okta set-ups).
 *
 * MCP clients get this server's tokens, bound to `MCP_PUBLIC_URL`; upstream tokens never leave the server. State
 * lives in Redis with `REDIS_URL` (any instance serves any step), in memory otherwise.
 */
import { Router } from 'express';
import { ENV, PATHS } from '../../config/contract';
import type { ServerConfig } from '../../config/env';
import { connectSessionStore } from '../../cluster/redis';
import { createAuthorizationServer } from '../authorizationServer/core';
import type { AuthLayer, AuthLayerDeps } from '../layer';
import { memoryAdapter } from '../authorizationServer/oidcProvider';
import { resourceInfo, supportedScopes } from '../resourceServer/resourceInfo';
import { mountUpstreamSignIn } from '../authorizationServer/broker/signIn';
import { redisAdapter } from '../authorizationServer/broker/redisAdapter';
import { brokerKeys } from '../authorizationServer/broker/signingKeys';
import { UpstreamProvider } from '../authorizationServer/broker/upstream';
import { RETRY_AFTER_SECONDS } from '../../http/retryAfter';
import { embeddedServerGuard } from '../authorizationServer/guard';

/** Access tokens live an hour; clients refresh (the refresh token rotates each time). */
export const BROKER_ACCESS_TOKEN_TTL_SECONDS = 3600;

export async function brokerAuthLayer(config: ServerConfig, deps: AuthLayerDeps): Promise<AuthLayer> {
  const { logger, capabilities } = deps;
  const broker = config.auth.broker!;
  const info = resourceInfo(config);
  const origin = new URL(info.resource).origin;
  const issuer = `${origin}${PATHS.authorizationServer}`;
  const scopes = supportedScopes(config.auth.scopes, capabilities.toolScopes);
  const keys = await brokerKeys(broker.signingKeys);
  if (keys.generated) {
    logger.warn(
      'BROKER_SIGNING_KEYS is not set: signing keys were generated for this process — tokens end with it, and a second instance would not accept them. Set BROKER_SIGNING_KEYS (npm run broker:keys) in production.',
    );
  }
  const store = config.redisUrl
    ? connectSessionStore(config.redisUrl, logger, { cluster: config.redisClusterMode, subscriber: false })
    : undefined;
  const adapter = store ? redisAdapter(store.commands) : memoryAdapter();
  const upstream = new UpstreamProvider(
    {
      issuer: broker.upstreamIssuer,
      clientId: broker.upstreamClientId,
      clientSecret: broker.upstreamClientSecret,
      scopes: broker.upstreamScopes,
      callbackUrl: `${origin}${PATHS.upstreamCallback}`,
    },
    logger,
  );
  const as = createAuthorizationServer({
    issuer,
    resource: info.resource,
    scopes,
    logger,
    signingKeys: keys.signing,
    accessTokenAlg: keys.alg,
    idTokenAlg: keys.alg,
    cookieKeys: keys.cookieKeys,
    adapter,
    accessTokenTtlSeconds: BROKER_ACCESS_TOKEN_TTL_SECONDS,
    trustProxy: Boolean(config.trustProxy),
    clientIdMetadataDocuments: { fetch: deps.clientMetadataFetch },
    redirectPolicy: {
      hosts: broker.redirectHosts,
      schemes: broker.redirectSchemes,
      settings: { hosts: ENV.brokerRedirectHosts, schemes: ENV.brokerRedirectSchemes },
    },
    findAccount: async (sub) => {
      const profile = await adapter('UpstreamAccount').find(sub);
      return profile ? { name: profile.name, email: profile.email, email_verified: profile.email_verified } : {};
    },
    label: 'broker',
    interactions: (router, provider, mountPath) =>
      mountUpstreamSignIn(router, {
        provider,
        mountPath,
        upstream,
        adapter,
        resource: info.resource,
        scopes,
        admission: {
          allowedEmailDomains: broker.allowedEmailDomains,
          allowedGroups: broker.allowedGroups,
          groupsClaim: broker.groupsClaim,
        },
        logger,
        serverName: capabilities.name,
      }),
  });
  const guard = embeddedServerGuard(config, deps, { info, issuer, scopes }, as);
  const routes = Router();
  routes.use(guard.metadataRoutes);
  // Its store unreachable, the authorization server answers a clear 503 (no step could complete), not a 500.
  routes.use(PATHS.authorizationServer, (_req, res, next) => {
    if (!store || store.ready) return next();
    res.setHeader('Retry-After', RETRY_AFTER_SECONDS);
    res.setHeader('Cache-Control', 'no-store');
    res.status(503).json({
      error: 'temporarily_unavailable',
      error_description: 'The authorization server cannot reach its store; retry shortly',
    });
  });
  routes.use(as.router);
  logger.info(
    { issuer, resource: info.resource, upstream: broker.upstreamIssuer, store: store ? 'redis' : 'memory', scopes },
    `authorization server at ${issuer}: users sign in with ${broker.upstreamIssuer}`,
  );
  return {
    routes,
    authenticate: guard.authenticate,
    problem: () => (store && !store.ready ? 'authorization server store unreachable' : undefined),
    close: async () => {
      await store?.close();
    },
  };
}
