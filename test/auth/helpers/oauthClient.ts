/**
 * The client side of the OAuth tests: an in-memory `OAuthClientProvider` for the SDK's own OAuth support, and a
 * "browser" that follows the authorization redirects with fetch (keeping cookies) and signs in automatically.
 */
import { randomBytes } from 'node:crypto';
import {
  discoverAuthorizationServerMetadata,
  exchangeAuthorization,
  registerClient,
  startAuthorization,
  type OAuthClientProvider,
} from '@modelcontextprotocol/sdk/client/auth.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type {
  OAuthClientInformationMixed,
  OAuthClientMetadata,
  OAuthTokens,
} from '@modelcontextprotocol/sdk/shared/auth.js';

export class InMemoryOAuthClient implements OAuthClientProvider {
  readonly redirectUrl = 'http://127.0.0.1:9/callback';
  /** A Client ID Metadata Document URL: used as the client id where the server supports it (no registration). */
  constructor(readonly clientMetadataUrl?: string) {}
  authorizationUrl?: URL;
  registrations = 0;
  private info?: OAuthClientInformationMixed;
  private saved?: OAuthTokens;
  private verifier?: string;
  private lastState?: string;

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: 'jest MCP client',
      redirect_uris: [this.redirectUrl],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  }
  state(): string {
    this.lastState = randomBytes(12).toString('base64url');
    return this.lastState;
  }
  expectedState(): string | undefined {
    return this.lastState;
  }
  clientInformation() {
    return this.info;
  }
  saveClientInformation(info: OAuthClientInformationMixed): void {
    this.registrations++;
    this.info = info;
  }
  tokens() {
    return this.saved;
  }
  saveTokens(tokens: OAuthTokens): void {
    this.saved = tokens;
  }
  redirectToAuthorization(url: URL): void {
    this.authorizationUrl = url;
  }
  saveCodeVerifier(verifier: string): void {
    this.verifier = verifier;
  }
  codeVerifier(): string {
    if (!this.verifier) throw new Error('no code verifier saved');
    return this.verifier;
  }
  invalidateCredentials(scope: 'all' | 'client' | 'tokens' | 'verifier' | 'discovery'): void {
    if (scope === 'all' || scope === 'client') this.info = undefined;
    if (scope === 'all' || scope === 'tokens') this.saved = undefined;
    if (scope === 'all' || scope === 'verifier') this.verifier = undefined;
  }
}

/**
 * Cookie-keeping fetch that never follows redirects (the caller walks them). Cookies are kept per origin, so two
 * authorization servers on one host (a broker and its upstream provider) do not overwrite each other's.
 */
export class Browser {
  private jars = new Map<string, Map<string, string>>();
  readonly visited: string[] = [];

  async fetch(url: string | URL, init: RequestInit = {}): Promise<Response> {
    const origin = new URL(url).origin;
    let cookies = this.jars.get(origin);
    if (!cookies) this.jars.set(origin, (cookies = new Map()));
    const headers = new Headers(init.headers);
    if (cookies.size) headers.set('cookie', [...cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    this.visited.push(String(url));
    const res = await fetch(url, { ...init, headers, redirect: 'manual' });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (/expires=Thu, 01 Jan 1970/i.test(line) || value === '') cookies.delete(name);
      else cookies.set(name, value);
    }
    return res;
  }
}

export type SignIn = (browser: Browser, interactionUrl: URL, page: Response) => Promise<Response>;

/** Signs in at the test authorization server's interaction endpoint as `account`. */
export const signInAs =
  (account: string): SignIn =>
  async (browser, interactionUrl, page) => {
    await page.body?.cancel();
    return browser.fetch(new URL(`${interactionUrl.pathname}/login`, interactionUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ account }),
    });
  };

/** Clicks the first button of the development server's sign-in page (its form's action, taken from the HTML). */
export const clickDevSignIn: SignIn = async (browser, interactionUrl, page) => {
  const html = await page.text();
  if (!html.includes('Sign in as developer')) throw new Error(`not the sign-in page: ${html.slice(0, 200)}`);
  const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
  if (!action) throw new Error('no form on the sign-in page');
  return browser.fetch(new URL(action.replace(/&amp;/g, '&'), interactionUrl), { method: 'POST' });
};

/** Walks the authorization request to the client's redirect URI and returns the authorization code. */
export async function authorize(authorizationUrl: URL, redirectUrl: string, signIn: SignIn, browser = new Browser()) {
  let res = await browser.fetch(authorizationUrl);
  for (let hop = 0; hop < 20; hop++) {
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      await res.body?.cancel();
      const next = new URL(location, res.url || authorizationUrl);
      if (next.href.startsWith(redirectUrl)) {
        const error = next.searchParams.get('error');
        if (error)
          throw new Error(`authorization failed: ${error} ${next.searchParams.get('error_description') ?? ''}`);
        return {
          code: next.searchParams.get('code')!,
          state: next.searchParams.get('state'),
          iss: next.searchParams.get('iss'),
          browser,
        };
      }
      res = await browser.fetch(next);
      if (next.pathname.includes('/interaction/') && res.status === 200) res = await signIn(browser, next, res);
      continue;
    }
    throw new Error(`unexpected ${res.status} at ${res.url}: ${(await res.text()).slice(0, 300)}`);
  }
  throw new Error('too many redirects');
}

/**
 * The whole flow with the SDK's own OAuth support: connect (401 → discovery → registration → authorization
 * redirect), sign in, `finishAuth(code)`, connect again. Returns the connected client.
 */
export async function connectWithOAuth(mcpUrl: URL, provider: InMemoryOAuthClient, signIn: SignIn): Promise<Client> {
  const first = new StreamableHTTPClientTransport(mcpUrl, { authProvider: provider });
  const probe = new Client({ name: 'jest', version: '1.0.0' });
  await expect(probe.connect(first)).rejects.toThrow(/Unauthorized/);
  expect(provider.authorizationUrl).toBeDefined();
  const { code, state } = await authorize(provider.authorizationUrl!, provider.redirectUrl, signIn);
  expect(state).toBe(provider.expectedState());
  await first.finishAuth(code);
  await first.close();
  const client = new Client({ name: 'jest', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(mcpUrl, { authProvider: provider }));
  return client;
}

/** A token for `resource` straight from the authorization server (the SDK's low-level functions, no MCP server). */
export async function obtainToken(
  issuer: string,
  resource: string,
  scope: string,
  signIn: SignIn,
): Promise<OAuthTokens> {
  const metadata = await discoverAuthorizationServerMetadata(issuer);
  const redirectUrl = 'http://127.0.0.1:9/direct';
  const clientInformation = await registerClient(issuer, {
    metadata,
    clientMetadata: {
      client_name: 'direct',
      redirect_uris: [redirectUrl],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code'],
      response_types: ['code'],
    },
  });
  const { authorizationUrl, codeVerifier } = await startAuthorization(issuer, {
    metadata,
    clientInformation,
    redirectUrl,
    scope,
    resource: new URL(resource),
  });
  const { code } = await authorize(authorizationUrl, redirectUrl, signIn);
  return exchangeAuthorization(issuer, {
    metadata,
    clientInformation,
    authorizationCode: code,
    codeVerifier,
    redirectUri: redirectUrl,
    resource: new URL(resource),
  });
}
