/**
 * JWT access token validation (RFC 9068 profile) with `jose`:
 *
 * - signature with a key from the authorization server's key set, under an allow-list of asymmetric algorithms:
 *   never `none`, never HMAC (so a public key can never be used as an HMAC secret);
 * - `iss` equal to the configured issuer, exactly;
 * - `aud` containing this server's audience (RFC 8707: the token was issued for this resource);
 * - `exp` required, `exp`/`nbf` checked with a small clock tolerance;
 * - `typ`, when present, must name an access token (`at+jwt`) or a generic JWT — not, say, a logout token;
 * - no `cnf` (a DPoP- or certificate-bound token is useless without its proof, which bearer requests lack).
 *
 * Failures become `AuthFailure`s with fixed descriptions; a token or claim value is never echoed.
 */
import { AuthFailure, AuthUnavailable } from './challenge';
import type { Jose } from '../esm';
import type { KeySource } from './jwks';
import type { TokenValidator, VerifiedToken } from './tokenValidator';

export const ALLOWED_JWT_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
] as const;

/** Accepted clock skew between this server and the authorization server. */
export const CLOCK_TOLERANCE_SECONDS = 30;

const ACCEPTED_TYP = new Set(['at+jwt', 'jwt']);

export interface JwtVerifierOptions {
  keys: KeySource;
  issuer: string;
  audience: string;
  algorithms?: readonly string[];
  clockToleranceSeconds?: number;
  /** A claim naming the token's grant, copied to `grantId` (the embedded authorization servers' tokens). */
  grantIdClaim?: string;
}

/** A compact JWS whose header is JSON with an `alg`: what goes to the JWT path rather than to introspection. */
export function looksLikeJwt(token: string): boolean {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[0]) return false;
  try {
    const header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8')) as unknown;
    return typeof header === 'object' && header !== null && typeof (header as { alg?: unknown }).alg === 'string';
  } catch {
    return false;
  }
}

export function scopesOf(payload: object): string[] {
  const { scope, scp } = payload as { scope?: unknown; scp?: unknown };
  const out: string[] = [];
  const add = (value: unknown) => {
    if (typeof value === 'string') out.push(...value.split(/\s+/).filter(Boolean));
    else if (Array.isArray(value)) out.push(...value.filter((v): v is string => typeof v === 'string' && v.length > 0));
  };
  add(scope);
  add(scp);
  return [...new Set(out)];
}

/** `client_id` (RFC 9068), `azp` (OpenID), `cid` (Okta), `appid` (Entra v1). */
export function clientIdOf(payload: Record<string, unknown>): string | undefined {
  for (const claim of ['client_id', 'azp', 'cid', 'appid']) {
    const value = payload[claim];
    if (typeof value === 'string' && value) return value;
  }
  return undefined;
}

function describe(err: unknown): AuthFailure | AuthUnavailable {
  if (err instanceof AuthUnavailable || err instanceof AuthFailure) return err;
  const { code, claim } = err as { code?: unknown; claim?: unknown };
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return AuthFailure.invalidToken('The access token has expired');
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      switch (claim) {
        case 'iss':
          return AuthFailure.invalidToken('The access token was issued by another authorization server');
        case 'aud':
          return AuthFailure.invalidToken('The access token was not issued for this resource');
        case 'nbf':
          return AuthFailure.invalidToken('The access token is not valid yet');
        case 'exp':
          return AuthFailure.invalidToken('The access token has no valid expiry');
        default:
          return AuthFailure.invalidToken('The access token claims are invalid');
      }
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return AuthFailure.invalidToken('The access token signing algorithm is not allowed');
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return AuthFailure.invalidToken('The access token signature is invalid');
    case 'ERR_JWKS_NO_MATCHING_KEY':
      return AuthFailure.invalidToken('The access token was signed with an unknown key');
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
      return AuthFailure.invalidToken('The access token does not identify its signing key');
    case 'ERR_JOSE_NOT_SUPPORTED':
      return AuthFailure.invalidToken('The access token uses an unsupported algorithm or key');
    default:
      if (typeof code === 'string' && code.startsWith('ERR_J'))
        return AuthFailure.invalidToken('The access token is malformed or invalid');
      throw err;
  }
}

export class JwtVerifier implements TokenValidator {
  private readonly algorithms: string[];
  private readonly clockTolerance: number;

  constructor(
    private readonly jose: Jose,
    private readonly options: JwtVerifierOptions,
  ) {
    this.algorithms = [...(options.algorithms ?? ALLOWED_JWT_ALGORITHMS)];
    if (this.algorithms.some((alg) => alg === 'none' || /^HS/i.test(alg))) {
      throw new Error('JWT access tokens must use asymmetric signatures: none and HS* are never accepted');
    }
    this.clockTolerance = options.clockToleranceSeconds ?? CLOCK_TOLERANCE_SECONDS;
  }

  async validate(token: string): Promise<VerifiedToken> {
    let verified: Awaited<ReturnType<Jose['jwtVerify']>>;
    try {
      verified = await this.jose.jwtVerify(token, this.options.keys.getKey, {
        issuer: this.options.issuer,
        audience: this.options.audience,
        algorithms: this.algorithms,
        clockTolerance: this.clockTolerance,
        requiredClaims: ['exp'],
      });
    } catch (err) {
      throw describe(err);
    }
    const { payload, protectedHeader } = verified;
    const typ = protectedHeader.typ?.toLowerCase().replace(/^application\//, '');
    if (typ !== undefined && !ACCEPTED_TYP.has(typ)) {
      throw AuthFailure.invalidToken('The token is not an access token');
    }
    if (payload.cnf !== undefined) {
      // Bound to a key (DPoP, mTLS) the caller would have to prove; presented as a plain bearer token it is refused.
      throw AuthFailure.invalidToken('Sender-constrained (DPoP or mTLS) tokens are not accepted as bearer tokens');
    }
    const clientId = clientIdOf(payload as Record<string, unknown>);
    const subject = typeof payload.sub === 'string' && payload.sub ? payload.sub : clientId;
    if (!subject) throw AuthFailure.invalidToken('The access token names no subject');
    const grantId = this.options.grantIdClaim ? payload[this.options.grantIdClaim] : undefined;
    return {
      subject,
      clientId,
      scopes: scopesOf(payload),
      expiresAt: payload.exp,
      issuer: this.options.issuer,
      resource: this.options.audience,
      ...(typeof grantId === 'string' && grantId ? { grantId } : {}),
    };
  }
}
