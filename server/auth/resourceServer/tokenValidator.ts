/** What every token validator (JWT, introspection, static tokens) produces, and how it becomes `req.auth`. */
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';

export interface VerifiedToken {
  /** `sub`, or the client id for tokens without a user (client credentials). */
  subject: string;
  clientId?: string;
  scopes: string[];
  /** Seconds since the epoch. */
  expiresAt?: number;
  issuer?: string;
  /** The resource (audience) the token was issued for. */
  resource?: string;
  /** The authorization server's grant the token belongs to (embedded servers only: checked for revocation). */
  grantId?: string;
}

export interface TokenValidator {
  /** Resolves with the token's principal; throws `AuthFailure` (invalid) or `AuthUnavailable` (cannot check now). */
  validate(token: string): Promise<VerifiedToken>;
}

/** Stands in for the token in `AuthInfo`: tools must never see (and so never forward) the caller's credentials. */
export const REDACTED_TOKEN = '[redacted]';

export function toAuthInfo(verified: VerifiedToken): AuthInfo {
  let resource: URL | undefined;
  try {
    resource = verified.resource ? new URL(verified.resource) : undefined;
  } catch {
    resource = undefined;
  }
  return {
    token: REDACTED_TOKEN,
    clientId: verified.clientId ?? '',
    scopes: [...verified.scopes],
    ...(verified.expiresAt !== undefined ? { expiresAt: verified.expiresAt } : {}),
    ...(resource ? { resource } : {}),
    extra: { subject: verified.subject, ...(verified.issuer ? { issuer: verified.issuer } : {}) },
  };
}
