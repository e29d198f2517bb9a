/**
 * The guard in front of `/mcp`, `/sse` and `/messages` for every mode with credentials (oauth, dev, token):
 * reads the bearer token, validates it, checks the server-wide and per-tool scopes, then sets `req.auth` and
 * removes the credentials from the request. Anything else is answered here: 400/401 with a challenge, 403
 * `insufficient_scope`, 429 after too many failures from one address, 503 when tokens cannot be checked.
 */
import type { Request, RequestHandler } from 'express';
import type { Logger } from '../../logging/logger';
import { bearerTokenOf, scrubCredentials } from './bearerToken';
import {
  AuthFailure,
  AuthUnavailable,
  sendAuthFailure,
  sendAuthUnavailable,
  sendTooManyFailures,
  type ChallengeParams,
} from './challenge';
import type { FailureLimiter } from './failureLimiter';
import { missingScopes, scopesNeededFor } from './toolScopes';
import { toAuthInfo, type TokenValidator } from './tokenValidator';

export interface BearerAuthOptions {
  validator: TokenValidator;
  /** What 401 challenges carry (metadata URL, server-wide scopes). */
  challenge: ChallengeParams;
  /** Scopes every call needs (`OAUTH_SCOPES`). */
  requiredScopes: readonly string[];
  /** Per-tool scopes, enforced only in modes whose tokens carry scopes. */
  toolScopes?: Readonly<Record<string, readonly string[]>>;
  limiter: FailureLimiter;
  logger: Logger;
}

const unique = (values: readonly string[]) => [...new Set(values)];

function clientAddress(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
}

export function bearerAuthenticator(options: BearerAuthOptions): RequestHandler {
  const { validator, challenge, requiredScopes, toolScopes, limiter, logger } = options;

  const authenticate = async (req: Request) => {
    const token = bearerTokenOf(req);
    const verified = await validator.validate(token);
    if (missingScopes(requiredScopes, verified.scopes).length > 0) {
      throw AuthFailure.insufficientScope('The access token lacks a scope this server requires', requiredScopes);
    }
    const needed = scopesNeededFor(req.body, toolScopes);
    const missing = missingScopes(needed, verified.scopes);
    if (missing.length > 0) {
      // Ask for what the caller has plus what it lacks, so a client replacing its token loses nothing.
      throw AuthFailure.insufficientScope(
        `This tool call needs the scope ${missing.join(' ')}`,
        unique([...requiredScopes, ...verified.scopes, ...needed]),
      );
    }
    return verified;
  };

  return (req, res, next) => {
    const address = clientAddress(req);
    const wait = limiter.blockedFor(address);
    if (wait > 0) {
      logger.warn({ address }, 'authentication refused: too many failed attempts from this address');
      sendTooManyFailures(res, wait);
      return;
    }
    authenticate(req).then(
      (verified) => {
        req.auth = toAuthInfo(verified);
        scrubCredentials(req);
        next();
      },
      (err: unknown) => {
        if (err instanceof AuthFailure) {
          // A presented but unusable credential counts towards the limit; a first request without one does not.
          const presented = err.code === 'invalid_token' || err.code === 'invalid_request';
          if (presented) limiter.recordFailure(address);
          logger[presented ? 'info' : 'debug'](
            { status: err.status, error: err.code, reason: err.message, path: req.path },
            'authentication refused',
          );
          sendAuthFailure(res, err, challenge);
        } else if (err instanceof AuthUnavailable) {
          logger.warn({ reason: err.message, path: req.path }, 'access token could not be validated');
          sendAuthUnavailable(res);
        } else {
          next(err);
        }
      },
    );
  };
}
