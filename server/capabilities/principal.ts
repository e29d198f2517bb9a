/** The authenticated caller as tool handlers see it (from the SDK's `AuthInfo`, filled by the auth layer). */
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';

export interface Principal {
  /** Subject (`sub`) of the token, or `anonymous` when authentication is off. */
  subject: string;
  /** OAuth client the token was issued to, when known. */
  clientId?: string;
  scopes: string[];
  /** Issuer of the token, when known. */
  issuer?: string;
}

export const ANONYMOUS: Principal = { subject: 'anonymous', scopes: [] };

export function principalOf(authInfo: AuthInfo | undefined): Principal {
  if (!authInfo) return ANONYMOUS;
  const extra = (authInfo.extra ?? {}) as { subject?: unknown; issuer?: unknown };
  return {
    subject: typeof extra.subject === 'string' ? extra.subject : authInfo.clientId || 'anonymous',
    clientId: authInfo.clientId || undefined,
    scopes: [...authInfo.scopes],
    issuer: typeof extra.issuer === 'string' ? extra.issuer : undefined,
  };
}

/** A stable key for binding sessions to the principal that created them. */
export function principalKey(authInfo: AuthInfo | undefined): string {
  const p = principalOf(authInfo);
  return `${p.issuer ?? ''}|${p.subject}`;
}
