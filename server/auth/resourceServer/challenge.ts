/**
 * Failures of bearer authentication and how they are answered: an RFC 6750 `WWW-Authenticate` challenge
 * (with the RFC 9728 `resource_metadata` pointer and the scopes to ask for) and a JSON-RPC-style error body.
 * Descriptions are fixed sentences chosen here: they never echo a token or a claim value.
 */
import type { Response } from 'express';
import { RPC, sendJsonRpcError } from '../../http/jsonRpcError';
import { instruments } from '../../observability/instruments';

const countFailure = (reason: string, status: number) =>
  instruments().authFailures.add(1, { reason, 'http.response.status_code': status });

export type BearerErrorCode = 'invalid_request' | 'invalid_token' | 'insufficient_scope';

/** A request that is refused: 400/401 (no or bad credentials) or 403 (valid token, not enough scope). */
export class AuthFailure extends Error {
  override name = 'AuthFailure';
  constructor(
    readonly status: 400 | 401 | 403,
    /** Absent when the request carried no credentials at all (RFC 6750 §3.1). */
    readonly code: BearerErrorCode | undefined,
    description: string,
    /** Scopes the client should ask for (403: what this call needs). */
    readonly scope?: readonly string[],
  ) {
    super(description);
  }
  static missing(): AuthFailure {
    return new AuthFailure(401, undefined, 'Authorization required: send an access token in the Authorization header');
  }
  static invalidToken(description: string): AuthFailure {
    return new AuthFailure(401, 'invalid_token', description);
  }
  static invalidRequest(description: string, status: 400 | 401 = 401): AuthFailure {
    return new AuthFailure(status, 'invalid_request', description);
  }
  static insufficientScope(description: string, scope: readonly string[]): AuthFailure {
    return new AuthFailure(403, 'insufficient_scope', description, scope);
  }
}

/** Tokens cannot be checked right now (authorization server metadata, JWKS or introspection unreachable): 503. */
export class AuthUnavailable extends Error {
  override name = 'AuthUnavailable';
}

export interface ChallengeParams {
  /** RFC 9728 metadata URL (absent in token mode, which has no authorization server to point to). */
  resourceMetadataUrl?: string;
  /** Scopes every call needs (`OAUTH_SCOPES`), sent with 401 challenges so clients ask for exactly these. */
  scope?: readonly string[];
}

/** Quoted-string safe: no quotes, backslashes or control characters can reach the header. */
function quoted(value: string): string {
  return `"${value.replace(/["\\]/g, "'").replace(/[^\x20-\x7e]/g, ' ')}"`;
}

export function buildChallenge(params: ChallengeParams, failure?: AuthFailure): string {
  const parts: string[] = [];
  if (failure?.code) {
    parts.push(`error=${quoted(failure.code)}`, `error_description=${quoted(failure.message)}`);
  }
  const scope = failure?.scope ?? params.scope;
  if (scope && scope.length > 0) parts.push(`scope=${quoted(scope.join(' '))}`);
  if (params.resourceMetadataUrl) parts.push(`resource_metadata=${quoted(params.resourceMetadataUrl)}`);
  return parts.length ? `Bearer ${parts.join(', ')}` : 'Bearer';
}

const NO_STORE = { 'Cache-Control': 'no-store' };

export function sendAuthFailure(res: Response, failure: AuthFailure, params: ChallengeParams): void {
  countFailure(failure.code ?? 'missing', failure.status);
  const label = failure.status === 403 ? 'Forbidden' : failure.status === 400 ? 'Bad Request' : 'Unauthorized';
  const data = failure.code ? { error: failure.code, error_description: failure.message } : undefined;
  sendJsonRpcError(
    res,
    failure.status,
    RPC.serverError,
    `${label}: ${failure.message}`,
    { ...NO_STORE, 'WWW-Authenticate': buildChallenge(params, failure) },
    data,
  );
}

export function sendAuthUnavailable(res: Response, retryAfterSeconds = 5): void {
  countFailure('unavailable', 503);
  sendJsonRpcError(
    res,
    503,
    RPC.serverError,
    'Service Unavailable: access tokens cannot be validated right now; retry shortly',
    {
      ...NO_STORE,
      'Retry-After': String(retryAfterSeconds),
    },
  );
}

export function sendTooManyFailures(res: Response, retryAfterSeconds: number): void {
  countFailure('too_many_failures', 429);
  sendJsonRpcError(
    res,
    429,
    RPC.serverError,
    'Too Many Requests: too many failed authentication attempts; retry later',
    {
      ...NO_STORE,
      'Retry-After': String(retryAfterSeconds),
    },
  );
}
