/**
 * Remembers tokens that were verified, so a client sending the same JWT on every call pays for one signature
 * check, not one per request. Keyed by the token's SHA-256 (the token itself is never kept); an entry lasts until
 * the token expires but at most `maxAgeSeconds` (so a key the authorization server withdraws stops working within
 * that time). Refusals are not cached. Bounded: the oldest entries go first.
 */
import { createHash } from 'node:crypto';
import type { TokenValidator, VerifiedToken } from './tokenValidator';

export interface VerifiedTokenCacheOptions {
  /** @default 300 */
  maxAgeSeconds?: number;
  /** @default 10000 */
  maxEntries?: number;
  /** Clock, in ms since the epoch (tests). */
  now?: () => number;
}

export function cacheVerifiedTokens(inner: TokenValidator, options: VerifiedTokenCacheOptions = {}): TokenValidator {
  const maxAgeMs = (options.maxAgeSeconds ?? 300) * 1000;
  const maxEntries = options.maxEntries ?? 10_000;
  const now = options.now ?? Date.now;
  const cache = new Map<string, { verified: VerifiedToken; until: number }>();

  return {
    async validate(token: string): Promise<VerifiedToken> {
      const key = createHash('sha256').update(token).digest('base64');
      const hit = cache.get(key);
      const t = now();
      if (hit && hit.until > t) return hit.verified;
      if (hit) cache.delete(key);
      const verified = await inner.validate(token);
      const expiresMs = verified.expiresAt !== undefined ? verified.expiresAt * 1000 : Infinity;
      const until = Math.min(expiresMs, t + maxAgeMs);
      if (until > t) {
        if (cache.size >= maxEntries) cache.delete(cache.keys().next().value!);
        cache.set(key, { verified, until });
      }
      return verified;
    },
  };
}
