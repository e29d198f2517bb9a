/**
 * Where JWT signing keys come from: a remote JWKS (the authorization server's `jwks_uri`) cached in memory,
 * or a fixed local set (the embedded development server's own keys).
 *
 * Remote keys are fetched once and reused. A token signed with an unknown `kid` (key rotation) triggers one
 * refetch, at most once per cooldown, so forged `kid`s cannot turn the server into a JWKS request amplifier.
 * Keys are refreshed in the background when older than `cacheMaxAgeMs`; if the JWKS endpoint is down, keys
 * already cached keep working (jose's `createRemoteJWKSet` would fail every request once its cache is stale).
 */
import type { CryptoKey, FlattenedJWSInput, JSONWebKeySet, JWSHeaderParameters } from 'jose';
import type { Logger } from '../../logging/logger';
import { AuthUnavailable } from './challenge';
import type { Jose } from '../esm';

export type KeyResolver = (header: JWSHeaderParameters, token: FlattenedJWSInput) => Promise<CryptoKey>;

export interface KeySource {
  getKey: KeyResolver;
}

export function staticKeySet(jose: Jose, jwks: JSONWebKeySet): KeySource {
  const local = jose.createLocalJWKSet(jwks);
  return { getKey: (header, token) => local(header, token) };
}

export interface RemoteKeySetOptions {
  /** The JWKS URL, or how to find it (authorization server metadata discovery). */
  uri: string | (() => Promise<string>);
  logger: Logger;
  /** Keys older than this are refreshed in the background. @default 10 minutes */
  cacheMaxAgeMs?: number;
  /** Least time between two fetches triggered by an unknown `kid` or a failure. @default 30 s */
  cooldownMs?: number;
  /** Retry interval while no key was ever fetched. @default 5 s */
  initialRetryMs?: number;
  /** @default 5 s */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export class RemoteKeySet implements KeySource {
  private local?: ReturnType<Jose['createLocalJWKSet']>;
  private keyCount = 0;
  private fetchedAt = 0;
  private attemptedAt = 0;
  private pending?: Promise<void>;
  /** Number of JWKS fetches attempted (observability and tests). */
  fetches = 0;
  private readonly cacheMaxAgeMs: number;
  private readonly cooldownMs: number;
  private readonly initialRetryMs: number;
  private readonly timeoutMs: number;

  constructor(
    private readonly jose: Jose,
    private readonly options: RemoteKeySetOptions,
  ) {
    this.cacheMaxAgeMs = options.cacheMaxAgeMs ?? 10 * 60_000;
    this.cooldownMs = options.cooldownMs ?? 30_000;
    this.initialRetryMs = options.initialRetryMs ?? 5_000;
    this.timeoutMs = options.timeoutMs ?? 5_000;
  }

  getKey: KeyResolver = async (header, token) => {
    if (!this.local) {
      if (this.pending) await this.pending.catch(() => undefined);
      else if (Date.now() - this.attemptedAt >= this.initialRetryMs) await this.refresh().catch(() => undefined);
      if (!this.local) throw new AuthUnavailable('The signing keys of the authorization server are unavailable');
    } else if (Date.now() - this.fetchedAt > this.cacheMaxAgeMs && Date.now() - this.attemptedAt >= this.cooldownMs) {
      // Stale: refresh in the background and keep answering with the cached keys meanwhile.
      void this.refresh().catch(() => undefined);
    }
    const local = this.local;
    try {
      return await local(header, token);
    } catch (err) {
      const unknownKey = (err as { code?: string }).code === 'ERR_JWKS_NO_MATCHING_KEY';
      if (!unknownKey || Date.now() - this.attemptedAt < this.cooldownMs) throw err;
      // A key we have not seen: perhaps the authorization server rotated its keys. One refetch, then decide.
      await this.refresh().catch(() => undefined);
      return (this.local ?? local)(header, token);
    }
  };

  /** Fetches the key set now (deduplicated). Rejects when it cannot; cached keys are kept either way. */
  refresh(): Promise<void> {
    this.pending ??= this.load().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  private async load(): Promise<void> {
    this.attemptedAt = Date.now();
    this.fetches++;
    let uri: string | undefined;
    try {
      uri = typeof this.options.uri === 'string' ? this.options.uri : await this.options.uri();
      const response = await (this.options.fetch ?? fetch)(uri, {
        headers: { accept: 'application/jwk-set+json, application/json' },
        redirect: 'manual',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      if (response.status !== 200) {
        await response.body?.cancel();
        throw new Error(`HTTP ${response.status}`);
      }
      const jwks = (await response.json()) as JSONWebKeySet;
      this.local = this.jose.createLocalJWKSet(jwks);
      this.keyCount = Array.isArray(jwks.keys) ? jwks.keys.length : 0;
      this.fetchedAt = Date.now();
      this.options.logger.debug({ jwksUri: uri, keys: this.keyCount }, 'JWKS loaded');
    } catch (err) {
      this.options.logger.warn(
        { jwksUri: uri, cachedKeys: this.local ? this.keyCount : 0, reason: (err as Error).message },
        this.local
          ? 'JWKS refresh failed; cached signing keys stay in use'
          : 'JWKS fetch failed; tokens cannot be validated yet',
      );
      throw err;
    }
  }
}
