/**
 * The upstream OpenID Connect provider users sign in with (Cognito, Entra ID, Google, Okta, Auth0, Keycloak…):
 * this server is its confidential client. Authorization code flow with PKCE S256, `state` (bound to the browser's
 * interaction) and `nonce`; the ID token is verified (signature against the provider's JWKS, exact issuer,
 * audience = our client id, expiry, nonce) and only its claims are kept. The upstream tokens are discarded: the
 * MCP client only ever receives this server's own tokens (no token passthrough).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Logger } from '../../../logging/logger';
import {
  discoverAuthorizationServer,
  retryingOnce,
  type AuthorizationServerMetadata,
} from '../../resourceServer/discovery';
import { loadJose } from '../../esm';
import { RemoteKeySet } from '../../resourceServer/jwks';
import { ALLOWED_JWT_ALGORITHMS, CLOCK_TOLERANCE_SECONDS } from '../../resourceServer/jwtVerifier';

export interface UpstreamConfig {
  issuer: string;
  clientId: string;
  clientSecret?: string;
  scopes: string[];
  /** Our callback, registered at the provider: `<origin>/oauth/callback`. */
  callbackUrl: string;
}

/** What the browser must carry through the round trip (kept server-side, keyed by `state`). */
export interface UpstreamAttempt {
  state: string;
  nonce: string;
  codeVerifier: string;
}

export type UpstreamClaims = Record<string, unknown> & { sub: string };

export class UpstreamError extends Error {
  override name = 'UpstreamError';
}

const TIMEOUT_MS = 10_000;

export class UpstreamProvider {
  private readonly metadata: () => Promise<AuthorizationServerMetadata>;
  private readonly keys: RemoteKeySet;

  constructor(
    private readonly config: UpstreamConfig,
    private readonly logger: Logger,
  ) {
    this.metadata = retryingOnce(async () => {
      const found = await discoverAuthorizationServer(config.issuer);
      for (const endpoint of ['authorization_endpoint', 'token_endpoint', 'jwks_uri'] as const) {
        if (typeof found[endpoint] !== 'string') throw new UpstreamError(`the provider's metadata has no ${endpoint}`);
      }
      return found;
    }, 5_000);
    this.keys = new RemoteKeySet(loadJose(), { uri: async () => String((await this.metadata()).jwks_uri), logger });
  }

  newAttempt(): UpstreamAttempt {
    return { state: random(), nonce: random(), codeVerifier: random(48) };
  }

  /** Where to send the browser to sign in. */
  async authorizationUrl(attempt: UpstreamAttempt): Promise<string> {
    const url = new URL(String((await this.metadata()).authorization_endpoint));
    const challenge = createHash('sha256').update(attempt.codeVerifier).digest('base64url');
    for (const [k, v] of Object.entries({
      response_type: 'code',
      client_id: this.config.clientId,
      redirect_uri: this.config.callbackUrl,
      scope: this.config.scopes.join(' '),
      state: attempt.state,
      nonce: attempt.nonce,
      code_challenge: challenge,
      code_challenge_method: 'S256',
    })) {
      url.searchParams.set(k, v);
    }
    return url.href;
  }

  /** Redeems the code and returns the verified ID token's claims. */
  async finish(code: string, attempt: UpstreamAttempt): Promise<UpstreamClaims> {
    const metadata = await this.metadata();
    const body = new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: this.config.callbackUrl,
      code_verifier: attempt.codeVerifier,
    });
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    };
    const { clientId, clientSecret } = this.config;
    const methods = metadata.token_endpoint_auth_methods_supported as string[] | undefined;
    if (clientSecret && (!methods || methods.includes('client_secret_basic'))) {
      // RFC 6749 §2.3.1: each part form-encoded before base64.
      const form = (v: string) => encodeURIComponent(v).replace(/%20/g, '+');
      headers.authorization = `Basic ${Buffer.from(`${form(clientId)}:${form(clientSecret)}`).toString('base64')}`;
    } else {
      body.set('client_id', clientId);
      if (clientSecret) body.set('client_secret', clientSecret);
    }
    let response: Response;
    try {
      response = await fetch(String(metadata.token_endpoint), {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (err) {
      throw new UpstreamError(`the provider's token endpoint did not answer: ${(err as Error).message}`);
    }
    const answer = (await response.json().catch(() => ({}))) as {
      id_token?: unknown;
      error?: unknown;
      error_description?: unknown;
    };
    if (!response.ok) {
      // The provider's error code only (its description may echo request values).
      throw new UpstreamError(`the provider refused the code: ${String(answer.error ?? response.status)}`);
    }
    if (typeof answer.id_token !== 'string')
      throw new UpstreamError('the provider returned no ID token (is "openid" among UPSTREAM_SCOPES?)');
    const jose = loadJose();
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jose.jwtVerify(answer.id_token, this.keys.getKey, {
        issuer: this.config.issuer,
        audience: clientId,
        algorithms: [...ALLOWED_JWT_ALGORITHMS],
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ['sub', 'exp', 'iat'],
      }));
    } catch (err) {
      throw new UpstreamError(`the provider's ID token is not valid: ${(err as Error).message}`);
    }
    if (payload.nonce !== attempt.nonce)
      throw new UpstreamError("the provider's ID token does not carry this sign-in's nonce");
    const aud = payload.aud;
    if (Array.isArray(aud) && aud.length > 1 && payload.azp !== clientId) {
      throw new UpstreamError("the provider's ID token was issued to another party (azp)");
    }
    this.logger.debug({ upstream: this.config.issuer }, 'upstream sign-in verified');
    return payload as UpstreamClaims;
  }
}

function random(bytes = 24): string {
  return randomBytes(bytes).toString('base64url');
}
