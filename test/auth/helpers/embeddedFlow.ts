/** Plain-HTTP steps against an embedded authorization server (dev or broker): registration, PKCE, the token endpoint. */
import { createHash, randomBytes } from 'node:crypto';

export function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export interface Registration {
  status: number;
  body: { client_id?: string; application_type?: string; error?: string; error_description?: string };
}

export async function registerClient(issuer: string, metadata: Record<string, unknown>): Promise<Registration> {
  const res = await fetch(`${issuer}/reg`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      ...metadata,
    }),
  });
  return { status: res.status, body: (await res.json()) as Registration['body'] };
}

export function authorizationUrl(issuer: string, params: Record<string, string>): URL {
  const url = new URL(`${issuer}/auth`);
  for (const [k, v] of Object.entries({ response_type: 'code', scope: 'openid offline_access', ...params }))
    url.searchParams.set(k, v);
  return url;
}

export async function tokenRequest(issuer: string, body: Record<string, string>) {
  const res = await fetch(`${issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(body),
  });
  return {
    status: res.status,
    body: (await res.json()) as {
      access_token?: string;
      refresh_token?: string;
      error?: string;
      error_description?: string;
    },
  };
}
