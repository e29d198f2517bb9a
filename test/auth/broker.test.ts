/**
 * Broker mode end to end: the SDK's client registers (DCR, or a Client ID Metadata Document), signs in at an
 * upstream OpenID Connect provider (a second oidc-provider), and gets the broker's own token for the MCP URL —
 * then the attacks: redirect URIs, PKCE, code and refresh-token replay, SSRF through metadata documents, a document
 * naming another client, an account the admission policy refuses.
 */
import { discoverAuthorizationServerMetadata, registerClient } from '@modelcontextprotocol/sdk/client/auth.js';
import { loadJose } from '../../server/auth/esm';
import { newSigningKey } from '../../server/auth/authorizationServer/broker/signingKeys';
import { Browser, InMemoryOAuthClient, authorize, connectWithOAuth, signInAs } from './helpers/oauthClient';
import { startUpstreamIdp, type UpstreamIdp } from './helpers/upstreamIdp';
import { plainFetch, serveMetadataDocument } from './helpers/metadataDocument';
import {
  authorizationUrl as embeddedAuthorizationUrl,
  codeExchangeFor,
  pkce,
  registerClient as registerEmbeddedClient,
  tokenRequest,
} from './helpers/embeddedFlow';
import { MCP_HEADERS, freePort, initializeBody, startTestServer, type TestServer } from '../helpers/server';
import { startRedis, type RedisServer } from '../helpers/redis';
import { startRoundRobinProxy, type RoundRobinProxy } from '../helpers/roundRobinProxy';

jest.setTimeout(60_000);

const REDIRECT = 'http://127.0.0.1:9/callback';

interface Broker {
  server: TestServer;
  mcpUrl: URL;
  issuer: string;
}

async function startBroker(
  idpFor: (callback: string) => Promise<UpstreamIdp>,
  env: Record<string, string> = {},
  fetchHook?: typeof fetch,
) {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const idp = await idpFor(`${origin}/oauth/callback`);
  const server = await startTestServer(
    {
      PORT: String(port),
      MCP_AUTH_MODE: 'broker',
      UPSTREAM_ISSUER: idp.issuer,
      UPSTREAM_CLIENT_ID: idp.clientId,
      UPSTREAM_CLIENT_SECRET: idp.clientSecret,
      ...env,
    },
    undefined,
    { clientMetadataFetch: fetchHook },
  );
  return { idp, broker: { server, mcpUrl: server.mcpUrl, issuer: `${origin}/oauth` } as Broker };
}

/** A public client registered by DCR (only what the grant and redirect tests vary is a parameter). */
function register(issuer: string, redirectUris = [REDIRECT], grantTypes = ['authorization_code', 'refresh_token']) {
  return registerEmbeddedClient(issuer, { redirect_uris: redirectUris, grant_types: grantTypes, client_name: 'test' });
}

/** The shared authorization URL, redirecting to this file's REDIRECT unless `params` says otherwise. */
function authorizationUrl(issuer: string, params: Record<string, string>) {
  return embeddedAuthorizationUrl(issuer, { redirect_uri: REDIRECT, ...params });
}

/**
 * Runs `check` against a fresh broker that fetches Client ID Metadata Documents with `plainFetch` (the documents
 * are served from 127.0.0.1), then closes the broker, its IdP and `doc`.
 */
async function withDocumentBroker(doc: { close(): Promise<void> }, check: (broker: Broker) => Promise<void>) {
  const { idp, broker } = await startBroker(startUpstreamIdp, {}, plainFetch);
  try {
    await check(broker);
  } finally {
    await broker.server.close();
    await idp.close();
    await doc.close();
  }
}

/** The broker's answer to an authorization request (PKCE S256) by the client whose id is `clientId`. */
function requestAuthorization(broker: Broker, clientId: string, params: Record<string, string> = {}) {
  const { challenge } = pkce();
  return new Browser().fetch(
    authorizationUrl(broker.issuer, {
      client_id: clientId,
      code_challenge: challenge,
      code_challenge_method: 'S256',
      ...params,
    }),
  );
}

/** How this file's clients get a code: its redirect URI, the broker's MCP URL, the upstream sign-in as `account`. */
function signedInAs(account: string, broker: Broker) {
  return {
    redirectUri: REDIRECT,
    resource: broker.mcpUrl.href,
    signIn: signInAs(account),
    metadata: { grant_types: ['authorization_code', 'refresh_token'], client_name: 'test' },
    params: { state: 's1' },
  };
}

describe('broker mode with one instance', () => {
  let idp: UpstreamIdp;
  let broker: Broker;

  beforeAll(async () => {
    ({ idp, broker } = await startBroker(startUpstreamIdp, { BROKER_ALLOWED_EMAIL_DOMAINS: 'example.com' }));
  });
  afterAll(async () => {
    await broker?.server.close();
    await idp?.close();
  });

  test('metadata: DCR, Client ID Metadata Documents, PKCE S256 only, code flow only', async () => {
    const metadata = await discoverAuthorizationServerMetadata(broker.issuer);
    expect(metadata).toMatchObject({
      issuer: broker.issuer,
      registration_endpoint: `${broker.issuer}/reg`,
      code_challenge_methods_supported: ['S256'],
      response_types_supported: ['code'],
      client_id_metadata_document_supported: true,
    });
  });

  test("the SDK client's full flow through DCR: our token, bound to the MCP URL, never the upstream's; refresh rotates", async () => {
    const provider = new InMemoryOAuthClient();
    const before = idp.tokenRequests();
    const client = await connectWithOAuth(broker.mcpUrl, provider, signInAs('alice'));
    const who = await client.callTool({ name: 'whoami', arguments: {} });
    expect(JSON.stringify(who.content)).toContain('alice');
    await client.close();
    expect(idp.tokenRequests() - before).toBe(1); // the upstream code was redeemed once, by the broker
    const tokens = provider.tokens()!;
    const claims = loadJose().decodeJwt(tokens.access_token);
    expect(claims).toMatchObject({ iss: broker.issuer, aud: broker.mcpUrl.href, sub: 'alice' });
    expect(loadJose().decodeProtectedHeader(tokens.access_token).kid).not.toBe('idp-1');
    // Refresh: a new access token and a new refresh token (rotation).
    const refreshed = await tokenRequest(broker.issuer, {
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token!,
      client_id: provider.clientInformation()!.client_id,
    });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.refresh_token).toBeDefined();
    expect(refreshed.body.refresh_token).not.toBe(tokens.refresh_token);
  });

  test('the SDK client through a Client ID Metadata Document (no registration)', async () => {
    // Served over HTTPS from 127.0.0.1: only the test's fetch hook may reach it (see the SSRF test below).
    const doc = await serveMetadataDocument((url) => ({
      client_id: url,
      client_name: 'CIMD test client',
      redirect_uris: [REDIRECT],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    }));
    await withDocumentBroker(doc, async (cimdBroker) => {
      const provider = new InMemoryOAuthClient(doc.url);
      const client = await connectWithOAuth(cimdBroker.mcpUrl, provider, signInAs('bob'));
      expect((await client.callTool({ name: 'echo', arguments: { text: 'cimd' } })).isError).toBeFalsy();
      await client.close();
      // The document's URL is the client id: nothing was registered (a registration would have issued a random id).
      expect(provider.clientInformation()!.client_id).toBe(doc.url);
      expect(doc.requests()).toBeGreaterThanOrEqual(1);
    });
  });

  test('registration refuses redirect URIs no MCP client uses', async () => {
    for (const uri of [
      'https://evil.example/cb',
      'http://192.168.1.10/cb',
      'http://mcp.example.com/cb',
      'javascript:alert(1)',
      'http://127.0.0.1:9/cb#frag',
    ]) {
      const { status, body } = await register(broker.issuer, [uri]);
      expect({ uri, status, error: body.error }).toEqual({ uri, status: 400, error: 'invalid_redirect_uri' });
    }
    for (const uri of [
      'http://127.0.0.1:33418/',
      'http://localhost:6274/oauth/callback',
      'https://claude.ai/api/mcp/auth_callback',
      'cursor://anysphere.cursor-retrieval/oauth/callback',
    ]) {
      const { status, body } = await register(broker.issuer, [uri]);
      expect({ uri, status, body: status === 201 ? undefined : body }).toEqual({ uri, status: 201, body: undefined });
    }
  });

  test('an authorization request with a redirect URI the client did not register is refused without redirecting', async () => {
    const { body } = await register(broker.issuer);
    const res = await requestAuthorization(broker, body.client_id!, { redirect_uri: 'http://127.0.0.1:9/other' });
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(await res.text()).toContain('redirect_uri');
  });

  test('PKCE is required, and only S256', async () => {
    const { body } = await register(broker.issuer);
    for (const params of [
      {} as Record<string, string>,
      { code_challenge: 'x'.repeat(43), code_challenge_method: 'plain' },
    ]) {
      const res = await new Browser().fetch(authorizationUrl(broker.issuer, { client_id: body.client_id!, ...params }));
      const location = new URL(res.headers.get('location')!);
      expect(location.href.startsWith(REDIRECT)).toBe(true);
      expect(location.searchParams.get('error')).toBe('invalid_request');
      expect(location.searchParams.get('code')).toBeNull();
    }
  });

  test('a code works once: a replay is refused', async () => {
    const { exchange } = await codeExchangeFor(broker.issuer, signedInAs('alice', broker));
    expect((await tokenRequest(broker.issuer, exchange)).status).toBe(200);
    const replay = await tokenRequest(broker.issuer, exchange);
    expect(replay.status).toBe(400);
    expect(replay.body.error).toBe('invalid_grant');
  });

  test('a rotated refresh token presented again revokes the whole family', async () => {
    const { clientId, exchange } = await codeExchangeFor(broker.issuer, signedInAs('alice', broker));
    const first = await tokenRequest(broker.issuer, exchange);
    const old = first.body.refresh_token!;
    const rotated = await tokenRequest(broker.issuer, {
      grant_type: 'refresh_token',
      refresh_token: old,
      client_id: clientId,
    });
    expect(rotated.status).toBe(200);
    const replay = await tokenRequest(broker.issuer, {
      grant_type: 'refresh_token',
      refresh_token: old,
      client_id: clientId,
    });
    expect(replay.body.error).toBe('invalid_grant');
    // The stolen-token scenario: the legitimate holder's newer token dies with the family.
    const after = await tokenRequest(broker.issuer, {
      grant_type: 'refresh_token',
      refresh_token: rotated.body.refresh_token!,
      client_id: clientId,
    });
    expect(after.body.error).toBe('invalid_grant');
  });

  test('an account the admission policy refuses gets access_denied and no code', async () => {
    const { body } = await register(broker.issuer);
    for (const account of ['bob', 'mallory']) {
      // bob: another e-mail domain; mallory: the right domain, but the address is not verified.
      const { challenge } = pkce();
      const url = authorizationUrl(broker.issuer, {
        client_id: body.client_id!,
        code_challenge: challenge,
        code_challenge_method: 'S256',
        resource: broker.mcpUrl.href,
      });
      await expect(authorize(url, REDIRECT, signInAs(account))).rejects.toThrow(
        /authorization failed: access_denied .*not admitted/,
      );
    }
  });

  test('a callback with a made-up or replayed state gets nowhere', async () => {
    const res = await fetch(new URL('/oauth/callback?state=forged&code=abc', broker.issuer), { redirect: 'manual' });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('expired');
  });

  test('a Client ID Metadata Document on a private or loopback address is never fetched (SSRF)', async () => {
    const doc = await serveMetadataDocument((url) => ({
      client_id: url,
      redirect_uris: [REDIRECT],
      token_endpoint_auth_method: 'none',
    }));
    try {
      const res = await requestAuthorization(broker, doc.url);
      expect(res.status).toBe(400);
      expect(await res.text()).toMatch(/invalid_client/);
      expect(doc.requests()).toBe(0);
    } finally {
      await doc.close();
    }
  });
});

describe('Client ID Metadata Documents that lie', () => {
  test('a document whose client_id is not its own URL is refused', async () => {
    const doc = await serveMetadataDocument(() => ({
      client_id: 'https://someone-else.example/client.json',
      redirect_uris: [REDIRECT],
      token_endpoint_auth_method: 'none',
    }));
    await withDocumentBroker(doc, async (broker) => {
      const res = await requestAuthorization(broker, doc.url);
      expect(res.status).toBe(400);
      expect(await res.text()).toMatch(/invalid_client/);
      expect(doc.requests()).toBeGreaterThanOrEqual(1);
    });
  });

  test.each([
    ['larger than 5 KiB', { name: 'x'.repeat(6 * 1024) }, {}],
    ['slower than 2.5 s', { name: 'slow' }, { delayMs: 4000 }],
  ])('a document %s is refused', async (_label, extra, serveOptions) => {
    const doc = await serveMetadataDocument(
      (url) => ({
        client_id: url,
        client_name: extra.name,
        redirect_uris: [REDIRECT],
        token_endpoint_auth_method: 'none',
      }),
      serveOptions,
    );
    await withDocumentBroker(doc, async (broker) => {
      const started = Date.now();
      const res = await requestAuthorization(broker, doc.url);
      expect(res.status).toBe(400);
      expect(await res.text()).toMatch(/invalid_client/);
      // The library fetches a document up to twice per request; each fetch is cut at 2.5 s (the server takes 4 s).
      expect(Date.now() - started).toBeLessThan(2 * 2500 + 1500);
      expect(doc.requests()).toBeGreaterThanOrEqual(1);
    });
  });

  test('a document with a redirect URI outside the policy is refused', async () => {
    const doc = await serveMetadataDocument((url) => ({
      client_id: url,
      redirect_uris: ['https://evil.example/cb'],
      token_endpoint_auth_method: 'none',
    }));
    await withDocumentBroker(doc, async (broker) => {
      const res = await requestAuthorization(broker, doc.url, { redirect_uri: 'https://evil.example/cb' });
      expect(res.status).toBe(400);
      expect(res.headers.get('location')).toBeNull();
    });
  });
});

describe('broker state in Redis: two instances behind a round-robin proxy, shared keys', () => {
  let redis: RedisServer;
  let idp: UpstreamIdp;
  let instances: TestServer[] = [];
  let proxy: RoundRobinProxy;
  let liveAccessToken = '';

  afterAll(async () => {
    await proxy?.close();
    for (const i of instances) await i.close();
    await idp?.close();
    await redis?.stop();
  });

  test('every step may land on either instance; tokens of one are accepted by the other', async () => {
    redis = await startRedis();
    const port = await freePort();
    const origin = `http://127.0.0.1:${port}`;
    idp = await startUpstreamIdp(`${origin}/oauth/callback`);
    const keys = JSON.stringify({ keys: [await newSigningKey()] });
    const env = {
      MCP_AUTH_MODE: 'broker',
      MCP_PUBLIC_URL: `${origin}/mcp`,
      REDIS_URL: redis.url,
      BROKER_SIGNING_KEYS: keys,
      UPSTREAM_ISSUER: idp.issuer,
      UPSTREAM_CLIENT_ID: idp.clientId,
      UPSTREAM_CLIENT_SECRET: idp.clientSecret,
    };
    instances = [await startTestServer(env), await startTestServer(env)];
    proxy = await startRoundRobinProxy(
      instances.map((i) => i.baseUrl),
      port,
    );
    const provider = new InMemoryOAuthClient();
    const client = await connectWithOAuth(new URL(`${origin}/mcp`), provider, signInAs('alice'));
    for (let i = 0; i < 4; i++) expect((await client.callTool({ name: 'whoami', arguments: {} })).isError).toBeFalsy();
    await client.close();
    liveAccessToken = provider.tokens()!.access_token;
    const oauthRequests = proxy.log.filter((l) => l.includes(' /oauth/'));
    expect(new Set(oauthRequests.map((l) => l.split('→ ')[1])).size).toBe(2);
  });

  test('a code replayed on one instance revokes the grant: its access token is refused on the other', async () => {
    const origin = new URL(instances[0]!.mcpUrl).origin;
    const shared: Broker = { server: instances[0]!, mcpUrl: new URL(`${origin}/mcp`), issuer: `${origin}/oauth` };
    const { exchange } = await codeExchangeFor(shared.issuer, signedInAs('alice', shared));
    const [a, b] = instances.map((i) => i.baseUrl);
    const first = await tokenRequest(`${a}/oauth`, exchange);
    expect(first.status).toBe(200);
    const call = () =>
      fetch(`${b}/mcp`, {
        method: 'POST',
        headers: { ...MCP_HEADERS, authorization: `Bearer ${first.body.access_token}` },
        body: JSON.stringify(initializeBody(1)),
      });
    const before = await call();
    expect(before.status).toBe(200);
    await before.body?.cancel();
    expect((await tokenRequest(`${a}/oauth`, exchange)).body.error).toBe('invalid_grant');
    const after = await call();
    expect(after.status).toBe(401);
    expect(after.headers.get('www-authenticate')).toContain('The access token was revoked');
  });

  test('its store unreachable: not ready, and the authorization server answers 503 + Retry-After', async () => {
    await redis.stop();
    const base = instances[0]!.baseUrl;
    const end = Date.now() + 5000;
    while ((await fetch(`${base}/readyz`)).status !== 503 && Date.now() < end)
      await new Promise((r) => setTimeout(r, 100));
    expect(await (await fetch(`${base}/readyz`)).json()).toEqual({
      status: 'unavailable',
      reason: 'authorization server store unreachable',
    });
    const res = await fetch(`${base}/oauth/reg`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ redirect_uris: [REDIRECT] }),
    });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(((await res.json()) as { error: string }).error).toBe('temporarily_unavailable');
    // Whether its grant was revoked cannot be checked: 503 at once, never a token let through unchecked.
    const started = Date.now();
    const mcp = await fetch(`${base}/mcp`, {
      method: 'POST',
      headers: { ...MCP_HEADERS, authorization: `Bearer ${liveAccessToken}` },
      body: JSON.stringify(initializeBody(1)),
    });
    expect(mcp.status).toBe(503);
    expect(mcp.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(await mcp.text()).toContain('access tokens cannot be validated');
  });
});

describe('signing-key rotation', () => {
  test('a new key signs; tokens of the old one stay valid while it is published, and not after', async () => {
    const oldKey = await newSigningKey();
    const newKey = await newSigningKey();
    const port = await freePort();
    const origin = `http://127.0.0.1:${port}`;
    const idp = await startUpstreamIdp(`${origin}/oauth/callback`);
    const env = (keys: object[]) => ({
      PORT: String(port),
      MCP_AUTH_MODE: 'broker',
      BROKER_SIGNING_KEYS: JSON.stringify({ keys }),
      UPSTREAM_ISSUER: idp.issuer,
      UPSTREAM_CLIENT_ID: idp.clientId,
      UPSTREAM_CLIENT_SECRET: idp.clientSecret,
    });
    const call = (server: TestServer, accessToken: string) =>
      fetch(server.mcpUrl, {
        method: 'POST',
        headers: { ...MCP_HEADERS, authorization: `Bearer ${accessToken}` },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
      });
    try {
      let server = await startTestServer(env([oldKey]));
      const provider = new InMemoryOAuthClient();
      (await connectWithOAuth(server.mcpUrl, provider, signInAs('alice'))).close();
      const oldToken = provider.tokens()!.access_token;
      expect(loadJose().decodeProtectedHeader(oldToken).kid).toBe(oldKey.kid);
      await restartGap(server);

      server = await startTestServer(env([newKey, oldKey]));
      expect((await call(server, oldToken)).status).toBe(200);
      const jwks = (await (await fetch(`${origin}/oauth/jwks`)).json()) as { keys: { kid: string; d?: string }[] };
      expect(jwks.keys.map((k) => k.kid)).toEqual([newKey.kid, oldKey.kid]);
      expect(jwks.keys.every((k) => k.d === undefined)).toBe(true);
      const provider2 = new InMemoryOAuthClient();
      (await connectWithOAuth(server.mcpUrl, provider2, signInAs('alice'))).close();
      expect(loadJose().decodeProtectedHeader(provider2.tokens()!.access_token).kid).toBe(newKey.kid);
      await restartGap(server);

      server = await startTestServer(env([newKey]));
      expect((await call(server, oldToken)).status).toBe(401);
      expect((await call(server, provider2.tokens()!.access_token)).status).toBe(200);
      await server.close();
    } finally {
      await idp.close();
    }
  });
});

/** Stops a server and lets pooled client connections to its port notice before the next one listens there. */
async function restartGap(server: TestServer): Promise<void> {
  await server.close();
  await new Promise((r) => setTimeout(r, 300));
}
