/**
 * The resource-server half of the modes that embed their own authorization server (`dev`, `broker`): Protected
 * Resource Metadata naming that server, and the bearer guard validating its JWTs (its own public keys, its issuer,
 * audience = the MCP URL), each token verified once and cached until it expires.
 */
import { Router, type RequestHandler } from 'express';
import type { JSONWebKeySet } from 'jose';
import type { ServerConfig } from '../../config/env';
import type { AuthLayerDeps } from '../index';
import { bearerAuthenticator } from '../bearerAuth';
import { loadJose } from '../esm';
import { FailureLimiter } from '../failureLimiter';
import { staticKeySet } from '../jwks';
import { JwtVerifier } from '../jwtVerifier';
import { protectedResourceMetadata, protectedResourceMetadataRoutes } from '../protectedResourceMetadata';
import type { ResourceInfo } from '../resource';
import { cacheVerifiedTokens } from '../verifiedTokenCache';

export interface EmbeddedGuard {
  /** Protected Resource Metadata routes (mount before the authorization server's own). */
  metadataRoutes: Router;
  authenticate: RequestHandler;
}

export function embeddedServerGuard(
  config: ServerConfig,
  deps: AuthLayerDeps,
  server: { info: ResourceInfo; issuer: string; jwks: JSONWebKeySet; scopes: string[] },
): EmbeddedGuard {
  const { info, issuer, scopes } = server;
  const jose = loadJose();
  const verifier = cacheVerifiedTokens(new JwtVerifier(jose, { keys: staticKeySet(jose, server.jwks), issuer, audience: info.resource }));
  const metadataRoutes = Router();
  metadataRoutes.use(protectedResourceMetadataRoutes(info, protectedResourceMetadata(info, [issuer], scopes, deps.capabilities.name)));
  return {
    metadataRoutes,
    authenticate: bearerAuthenticator({
      validator: verifier,
      challenge: { resourceMetadataUrl: info.metadataUrl, scope: config.auth.scopes },
      requiredScopes: config.auth.scopes,
      toolScopes: deps.capabilities.toolScopes,
      limiter: new FailureLimiter(),
      logger: deps.logger,
    }),
  };
}
