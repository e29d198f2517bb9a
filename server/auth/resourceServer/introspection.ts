/**
 * Opaque access tokens: OAuth 2.0 Token Introspection (RFC 7662). The server authenticates to the introspection
 * endpoint with its own client credentials (`client_secret_basic`) and checks what the authorization server says:
 * `active`, the token type, `iss`, `aud` (the token must be issued for this resource), `exp` and `nbf`.
 *
 * Results are cached in memory, keyed by the token's SHA-256 (the token itself is never kept): active tokens
 * until they expire but at most `maxCacheSeconds` (so a revocation takes effect within that time), refused
 * tokens for `negativeCacheSeconds`. The cache is bounded; the oldest entries go first.
 */
import { createHash } from 'node:crypto';
import type { Logger } from '../../logging/logger';
import { AuthFailure, AuthUnavailable } from './challenge';
import { CLOCK_TOLERANCE_SECONDS, clientIdOf, scopesOf } from './jwtVerifier';
import type { TokenValidator, VerifiedToken } from './tokenValidator';

export interface IntrospectionOptions {
  url: string;
  clientId: string;
  clientSecret: string;
  issuer: string;
  audience: string;
  logger: Logger;
  /** @default 300 */
  maxCacheSeconds?: number;
  /** @default 30 */
  negativeCacheSeconds?: number;
  /** @default 10000 */
  maxEntries?: number;
  /** @default 5000 */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

interface CacheEntry {
  until: number;
  result: VerifiedToken | AuthFailure;
}

interface IntrospectionResponse {
  active?: unknown;
  token_type?: unknown;
  iss?: unknown;
  aud?: unknown;
  exp?: unknown;
  nbf?: unknown;
  sub?: unknown;
  [claim: string]: unknown;
}

const ACCESS_TOKEN_TYPES = new Set(['access_token', 'bearer', 'urn:ietf:params:oauth:token-type:access_token']);

export class IntrospectionValidator implements TokenValidator {
  private readonly cache = new Map<string, CacheEntry>();
  /** Introspection requests sent (observability and tests). */
  requests = 0;

  constructor(private readonly options: IntrospectionOptions) {}

  async validate(token: string): Promise<VerifiedToken> {
    const key = createHash('sha256').update(token).digest('base64url');
    const now = Date.now();
    const cached = this.cache.get(key);
    // `until` never passes the token's own expiry.
    if (cached && cached.until > now) {
      if (cached.result instanceof AuthFailure) throw cached.result;
      return cached.result;
    }
    if (cached) this.cache.delete(key);

    const body = await this.introspect(token);
    let result: VerifiedToken | AuthFailure;
    try {
      result = this.check(body);
    } catch (err) {
      if (!(err instanceof AuthFailure)) throw err;
      result = err;
    }
    const maxMs = (this.options.maxCacheSeconds ?? 300) * 1000;
    const until =
      result instanceof AuthFailure
        ? now + (this.options.negativeCacheSeconds ?? 30) * 1000
        : Math.min(now + maxMs, result.expiresAt !== undefined ? result.expiresAt * 1000 : now + maxMs);
    this.remember(key, { until, result });
    if (result instanceof AuthFailure) throw result;
    return result;
  }

  private remember(key: string, entry: CacheEntry): void {
    const max = this.options.maxEntries ?? 10_000;
    while (this.cache.size >= max) {
      const oldest = this.cache.keys().next().value;
      if (oldest === undefined) break;
      this.cache.delete(oldest);
    }
    this.cache.set(key, entry);
  }

  private async introspect(token: string): Promise<IntrospectionResponse> {
    const { url, clientId, clientSecret } = this.options;
    // RFC 6749 §2.3.1: form-urlencode the credentials before Basic encoding.
    const basic = Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64');
    this.requests++;
    let response: Response;
    try {
      response = await (this.options.fetch ?? fetch)(url, {
        method: 'POST',
        headers: {
          authorization: `Basic ${basic}`,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: new URLSearchParams({ token, token_type_hint: 'access_token' }),
        redirect: 'manual',
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 5_000),
      });
    } catch (err) {
      this.options.logger.warn({ introspectionUrl: url, reason: (err as Error).message }, 'token introspection failed');
      throw new AuthUnavailable('The introspection endpoint cannot be reached');
    }
    if (response.status !== 200) {
      await response.body?.cancel();
      this.options.logger.warn({ introspectionUrl: url, status: response.status }, 'token introspection refused');
      throw new AuthUnavailable(`The introspection endpoint answered HTTP ${response.status}`);
    }
    try {
      return (await response.json()) as IntrospectionResponse;
    } catch {
      throw new AuthUnavailable('The introspection endpoint did not answer JSON');
    }
  }

  private check(body: IntrospectionResponse): VerifiedToken {
    if (body?.active !== true) throw AuthFailure.invalidToken('The access token is not active');
    if (typeof body.token_type === 'string' && !ACCESS_TOKEN_TYPES.has(body.token_type.toLowerCase())) {
      throw AuthFailure.invalidToken('The token is not an access token');
    }
    if (body.iss !== undefined && body.iss !== this.options.issuer) {
      throw AuthFailure.invalidToken('The access token was issued by another authorization server');
    }
    const aud = typeof body.aud === 'string' ? [body.aud] : Array.isArray(body.aud) ? body.aud : [];
    if (!aud.includes(this.options.audience)) {
      throw AuthFailure.invalidToken('The access token was not issued for this resource');
    }
    const nowSeconds = Date.now() / 1000;
    const exp = typeof body.exp === 'number' ? body.exp : undefined;
    if (exp !== undefined && exp <= nowSeconds - CLOCK_TOLERANCE_SECONDS)
      throw AuthFailure.invalidToken('The access token has expired');
    if (typeof body.nbf === 'number' && body.nbf > nowSeconds + CLOCK_TOLERANCE_SECONDS) {
      throw AuthFailure.invalidToken('The access token is not valid yet');
    }
    if (body.cnf !== undefined) {
      throw AuthFailure.invalidToken('Sender-constrained (DPoP or mTLS) tokens are not accepted as bearer tokens');
    }
    const clientId = clientIdOf(body);
    const subject = typeof body.sub === 'string' && body.sub ? body.sub : clientId;
    if (!subject) throw AuthFailure.invalidToken('The access token names no subject');
    return {
      subject,
      clientId,
      scopes: scopesOf(body),
      expiresAt: exp,
      issuer: this.options.issuer,
      resource: this.options.audience,
    };
  }
}
