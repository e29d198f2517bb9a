/**
 * Reads the bearer token of a request (RFC 6750 §2.1). Tokens are accepted only in the `Authorization` header:
 * a token in the query string ends up in proxy and browser logs, so `?access_token=` is refused outright,
 * and so is an `access_token` member in the body.
 */
import type { Request } from 'express';
import { AuthFailure } from './challenge';

/** RFC 6750 `b64token` (RFC 7235 token68). */
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/;
/** Larger "tokens" are refused before any parsing or hashing (Node refuses headers over 16 KiB in total anyway). */
export const MAX_TOKEN_LENGTH = 12 * 1024;

function hasQueryToken(req: Request): boolean {
  const url = req.originalUrl ?? req.url;
  const q = url.indexOf('?');
  return q !== -1 && new URLSearchParams(url.slice(q + 1)).has('access_token');
}

function hasBodyToken(req: Request): boolean {
  const body: unknown = req.body;
  return typeof body === 'object' && body !== null && !Array.isArray(body) && Object.hasOwn(body, 'access_token');
}

/** The token of `Authorization: Bearer <token>`; throws `AuthFailure` (400/401) otherwise. */
export function bearerTokenOf(req: Request): string {
  if (hasQueryToken(req) || hasBodyToken(req)) {
    throw AuthFailure.invalidRequest('Access tokens are accepted only in the Authorization header', 400);
  }
  const header = req.headers.authorization;
  if (header === undefined || header.trim() === '') throw AuthFailure.missing();
  // Split at the first whitespace by hand: a regex with optional groups backtracks quadratically on long headers.
  const trimmed = header.trim();
  const gap = trimmed.search(/\s/);
  const scheme = (gap < 0 ? trimmed : trimmed.slice(0, gap)).toLowerCase();
  // Another scheme (Basic, Digest...) carries no bearer credentials: answered like a missing token.
  if (scheme !== 'bearer') throw AuthFailure.missing();
  const token = gap < 0 ? '' : trimmed.slice(gap).trimStart();
  if (!token || token.length > MAX_TOKEN_LENGTH || !TOKEN68.test(token)) {
    throw AuthFailure.invalidRequest('Malformed Authorization header: expected "Bearer <token>"');
  }
  return token;
}

/**
 * Removes the credentials from the request once they are verified, so nothing downstream (MCP transports pass
 * request headers to tool handlers as `requestInfo`) can read the token and forward it upstream.
 */
export function scrubCredentials(req: Request): void {
  delete req.headers.authorization;
  const raw = req.rawHeaders;
  if (!Array.isArray(raw)) return;
  for (let i = raw.length - 2; i >= 0; i -= 2) {
    if (raw[i]?.toLowerCase() === 'authorization') raw.splice(i, 2);
  }
}
