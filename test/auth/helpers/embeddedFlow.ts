/** Plain-HTTP steps against an embedded authorization server (dev or broker): registration, PKCE, the token endpoint. */
import { createHash, randomBytes } from 'node:crypto';
import { authorize, type SignIn } from './oauthClient';

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

/**
 * Registers a public client and signs in (`signIn`) for an authorization code; returns the client id and the token
 * request that redeems the code, unsent: the replay tests send it more than once.
 */
export async function codeExchangeFor(
  issuer: string,
  options: {
    redirectUri: string;
    resource: string;
    signIn: SignIn;
    metadata?: Record<string, unknown>;
    params?: Record<string, string>;
  },
) {
  const { redirectUri, resource } = options;
  const { body } = await registerClient(issuer, { redirect_uris: [redirectUri], ...options.metadata });
  const clientId = body.client_id!;
  const { verifier, challenge } = pkce();
  const url = authorizationUrl(issuer, {
    client_id: clientId,
    redirect_uri: redirectUri,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    resource,
    ...options.params,
  });
  const { code } = await authorize(url, redirectUri, options.signIn);
  const exchange = {
    grant_type: 'authorization_code',
    code,
    code_verifier: verifier,
    redirect_uri: redirectUri,
    client_id: clientId,
    resource,
  };
  return { clientId, exchange };
}
