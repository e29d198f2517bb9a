/**
 * The resource-server half of the modes that embed their own authorization server (`dev`, `broker`): Protected
 * Resource Metadata naming that server, and the bearer guard validating its JWTs (its own public keys, its issuer,
 * audience = the MCP URL), each token verified once and cached until it expires — and refused on every request
 * once its grant is revoked (a replayed code, a reused refresh token), cached or not.
 */
import { Router, type RequestHandler } from 'express';
import type { JSONWebKeySet } from 'jose';
import type { ServerConfig } from '../../config/env';
import type { AuthLayerDeps } from '../layer';
import { bearerAuthenticator } from '../resourceServer/bearerAuthenticator';
import { loadJose } from '../esm';
import { FailureLimiter } from '../resourceServer/failureLimiter';
import { staticKeySet } from '../resourceServer/jwks';
import { JwtVerifier } from '../resourceServer/jwtVerifier';
import {
  protectedResourceMetadata,
  protectedResourceMetadataRoutes,
} from '../resourceServer/protectedResourceMetadata';
import type { ResourceInfo } from '../resourceServer/resourceInfo';
import { cacheVerifiedTokens } from '../resourceServer/verifiedTokenCache';
import { AuthFailure, AuthUnavailable } from '../resourceServer/challenge';
import type { TokenValidator } from '../resourceServer/tokenValidator';
import { GRANT_ID_CLAIM, type RevokedGrants } from './revokedGrants';

export interface EmbeddedGuard {
  /** Protected Resource Metadata routes (mount before the authorization server's own). */
  metadataRoutes: Router;
  authenticate: RequestHandler;
}

/**
 * `authorizationServer` is the embedded server itself (dev or broker): its public keys and its revoked grants are
 * what the guard checks, so both modes hand it over whole instead of copying the two fields out.
 */
export function embeddedServerGuard(
  config: ServerConfig,
  deps: AuthLayerDeps,
  resource: { info: ResourceInfo; issuer: string; scopes: string[] },
  authorizationServer: { jwks: JSONWebKeySet; revokedGrants: RevokedGrants },
): EmbeddedGuard {
  const { info, issuer, scopes } = resource;
  const jose = loadJose();
  const verifier = refusingRevokedGrants(
    cacheVerifiedTokens(
      new JwtVerifier(jose, {
        keys: staticKeySet(jose, authorizationServer.jwks),
        issuer,
        audience: info.resource,
        grantIdClaim: GRANT_ID_CLAIM,
      }),
    ),
    authorizationServer.revokedGrants,
  );
  const metadataRoutes = Router();
  metadataRoutes.use(
    protectedResourceMetadataRoutes(info, protectedResourceMetadata(info, [issuer], scopes, deps.capabilities.name)),
  );
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

/**
 * Checks the grant after the (cached) signature check, so a revocation applies to tokens verified before it.
 * Tokens without the claim were issued before it existed (they expire within a token lifetime) and pass.
 */
function refusingRevokedGrants(inner: TokenValidator, revoked: RevokedGrants): TokenValidator {
  return {
    async validate(token) {
      const verified = await inner.validate(token);
      if (!verified.grantId) return verified;
      let isRevoked: boolean;
      try {
        isRevoked = await revoked.isRevoked(verified.grantId);
      } catch (err) {
        // The store is unreachable: refuse for now (503), never let a possibly revoked token through.
        throw new AuthUnavailable(`grant revocation cannot be checked: ${(err as Error).message}`);
      }
      if (isRevoked) throw AuthFailure.invalidToken('The access token was revoked');
      return verified;
    },
  };
}
