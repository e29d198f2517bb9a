/**
 * The building blocks on their own: JWKS caching and rotation, discovery, introspection, the failure limiter,
 * challenges, the static-token comparison and the auth settings of the configuration.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import express from 'express';
import type { JWK } from 'jose';
import { bearerTokenOf } from '../../server/auth/resourceServer/bearerToken';
import { bearerAuthenticator } from '../../server/auth/resourceServer/bearerAuthenticator';
import { AuthFailure, AuthUnavailable, buildChallenge } from '../../server/auth/resourceServer/challenge';
import { discoverAuthorizationServer, discoveryUrls } from '../../server/auth/resourceServer/discovery';
import { loadJose } from '../../server/auth/esm';
import { FailureLimiter } from '../../server/auth/resourceServer/failureLimiter';
import { IntrospectionValidator } from '../../server/auth/resourceServer/introspection';
import { RemoteKeySet } from '../../server/auth/resourceServer/jwks';
import { JwtVerifier, looksLikeJwt } from '../../server/auth/resourceServer/jwtVerifier';
import { resourceInfo } from '../../server/auth/resourceServer/resourceInfo';
import { parseStaticTokens, StaticTokenValidator } from '../../server/auth/resourceServer/staticTokenValidator';
import { scopesNeededFor } from '../../server/auth/resourceServer/toolScopes';
import { loadConfig } from '../../server/config/env';
import { createLogger } from '../../server/logging/logger';
import { challengeOf, initialize, MCP_HEADERS, startMcpServer } from './helpers/mcpServer';

const jose = loadJose();
const logger = createLogger({ level: 'silent', destination: new Writable({ write: (_c, _e, cb) => cb() }) });
const now = () => Math.floor(Date.now() / 1000);

/** A tiny HTTP server whose answer the test changes. */
async function fakeEndpoint(
  handler: (req: { url: string; headers: Record<string, unknown>; body: string }) => { status: number; json?: unknown },
) {
  let hits = 0;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      hits++;
      const out = handler({ url: req.url ?? '/', headers: req.headers, body });
      res.writeHead(out.status, { 'content-type': 'application/json' });
      res.end(out.json === undefined ? '' : JSON.stringify(out.json));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, hits: () => hits, close: () => new Promise<void>((r) => server.close(() => r())) };
}

async function keyPair(kid: string) {
  const { privateKey, publicKey } = await jose.generateKeyPair('ES256', { extractable: true });
  const jwk: JWK = { ...(await jose.exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
  const sign = (claims: Record<string, unknown>) =>
    new jose.SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid }).sign(privateKey);
  return { jwk, sign };
}

describe('RemoteKeySet', () => {
  test('an unknown kid (rotation) refetches the JWKS once the cooldown allows, then the new key works', async () => {
    const k1 = await keyPair('k1');
    const k2 = await keyPair('k2');
    let keys = [k1.jwk];
    const jwks = await fakeEndpoint(() => ({ status: 200, json: { keys } }));
    try {
      const set = new RemoteKeySet(jose, { uri: `${jwks.url}/jwks`, logger, cooldownMs: 0 });
      const verifier = new JwtVerifier(jose, {
        keys: set,
        issuer: 'https://as.example',
        audience: 'https://mcp.example/mcp',
      });
      const claims = { iss: 'https://as.example', aud: 'https://mcp.example/mcp', sub: 'u', exp: now() + 60 };
      await expect(verifier.validate(await k1.sign(claims))).resolves.toMatchObject({ subject: 'u' });
      expect(jwks.hits()).toBe(1);
      await expect(verifier.validate(await k1.sign(claims))).resolves.toBeDefined();
      expect(jwks.hits()).toBe(1); // cached
      keys = [k1.jwk, k2.jwk];
      await expect(verifier.validate(await k2.sign(claims))).resolves.toMatchObject({ subject: 'u' });
      expect(jwks.hits()).toBe(2);
    } finally {
      await jwks.close();
    }
  });

  test('stale keys with the endpoint down keep working; no keys at all → AuthUnavailable', async () => {
    const k1 = await keyPair('k1');
    let up = true;
    const jwks = await fakeEndpoint(() => (up ? { status: 200, json: { keys: [k1.jwk] } } : { status: 503 }));
    try {
      const set = new RemoteKeySet(jose, { uri: `${jwks.url}/jwks`, logger, cacheMaxAgeMs: 1, cooldownMs: 0 });
      const verifier = new JwtVerifier(jose, {
        keys: set,
        issuer: 'https://as.example',
        audience: 'https://mcp.example/mcp',
      });
      const token = await k1.sign({
        iss: 'https://as.example',
        aud: 'https://mcp.example/mcp',
        sub: 'u',
        exp: now() + 60,
      });
      await verifier.validate(token);
      up = false;
      await new Promise((r) => setTimeout(r, 5));
      for (let i = 0; i < 3; i++) await expect(verifier.validate(token)).resolves.toMatchObject({ subject: 'u' });

      const cold = new RemoteKeySet(jose, { uri: `${jwks.url}/jwks`, logger });
      const coldVerifier = new JwtVerifier(jose, {
        keys: cold,
        issuer: 'https://as.example',
        audience: 'https://mcp.example/mcp',
      });
      await expect(coldVerifier.validate(token)).rejects.toBeInstanceOf(AuthUnavailable);
      const hits = jwks.hits();
      await expect(coldVerifier.validate(token)).rejects.toBeInstanceOf(AuthUnavailable);
      expect(jwks.hits()).toBe(hits); // retried no more often than initialRetryMs
    } finally {
      await jwks.close();
    }
  });

  test('a server whose JWKS cannot be reached answers 503 with Retry-After, not 401', async () => {
    const k1 = await keyPair('k1');
    const server = await startMcpServer({
      MCP_AUTH_MODE: 'oauth',
      OAUTH_ISSUER: 'http://127.0.0.1:1/issuer',
      OAUTH_JWKS_URI: 'http://127.0.0.1:1/jwks',
    });
    try {
      const token = await k1.sign({
        iss: 'http://127.0.0.1:1/issuer',
        aud: server.mcpUrl.href,
        sub: 'u',
        exp: now() + 60,
      });
      const res = await fetch(server.mcpUrl, {
        method: 'POST',
        headers: { ...MCP_HEADERS, authorization: `Bearer ${token}` },
        body: initialize(),
      });
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
      expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/cannot be validated/);
    } finally {
      await server.close();
    }
  });
});

describe('discovery', () => {
  test('URLs in the order clients try them (path inserted, then OpenID forms)', () => {
    expect(discoveryUrls('https://id.example/tenant/v2.0')).toEqual([
      'https://id.example/.well-known/oauth-authorization-server/tenant/v2.0',
      'https://id.example/.well-known/openid-configuration/tenant/v2.0',
      'https://id.example/tenant/v2.0/.well-known/openid-configuration',
    ]);
    expect(discoveryUrls('https://id.example/')).toEqual([
      'https://id.example/.well-known/oauth-authorization-server',
      'https://id.example/.well-known/openid-configuration',
    ]);
  });

  test('the metadata must name the configured issuer exactly', async () => {
    const endpoint = await fakeEndpoint(({ url }) =>
      url.startsWith('/.well-known/openid-configuration')
        ? { status: 200, json: { issuer: 'https://other.example/', jwks_uri: 'x' } }
        : { status: 404 },
    );
    try {
      await expect(discoverAuthorizationServer(`${endpoint.url}/t`)).rejects.toThrow(
        /set OAUTH_ISSUER to the exact issuer value/,
      );
    } finally {
      await endpoint.close();
    }
  });
});

describe('IntrospectionValidator', () => {
  const AUD = 'https://mcp.example/mcp';
  const ISS = 'https://as.example';
  let answer: { status: number; json?: unknown };
  let seenAuth: unknown;
  let endpoint: Awaited<ReturnType<typeof fakeEndpoint>>;
  beforeAll(async () => {
    endpoint = await fakeEndpoint(({ headers }) => {
      seenAuth = headers.authorization;
      return answer;
    });
  });
  afterAll(() => endpoint.close());
  const validator = (opts: Partial<ConstructorParameters<typeof IntrospectionValidator>[0]> = {}) =>
    new IntrospectionValidator({
      url: `${endpoint.url}/introspect`,
      clientId: 'rs:1',
      clientSecret: 's3cret/+',
      issuer: ISS,
      audience: AUD,
      logger,
      ...opts,
    });

  test('an active token for this resource; client_secret_basic with form-encoded credentials; cached', async () => {
    answer = {
      status: 200,
      json: {
        active: true,
        iss: ISS,
        aud: [AUD, 'other'],
        sub: 'alice',
        client_id: 'c1',
        scope: 'a b',
        exp: now() + 60,
        token_type: 'Bearer',
      },
    };
    const v = validator();
    await expect(v.validate('tok-1')).resolves.toEqual({
      subject: 'alice',
      clientId: 'c1',
      scopes: ['a', 'b'],
      expiresAt: expect.any(Number),
      issuer: ISS,
      resource: AUD,
    });
    expect(seenAuth).toBe(`Basic ${Buffer.from('rs%3A1:s3cret%2F%2B').toString('base64')}`);
    await v.validate('tok-1');
    expect(v.requests).toBe(1);
  });

  test.each([
    [{ active: false }, /not active/],
    [{ active: true, iss: ISS, aud: AUD, sub: 'a', token_type: 'refresh_token' }, /not an access token/],
    [{ active: true, iss: 'https://evil.example', aud: AUD, sub: 'a' }, /another authorization server/],
    [{ active: true, iss: ISS, sub: 'a' }, /not issued for this resource/],
    [{ active: true, iss: ISS, aud: 'https://other.example/mcp', sub: 'a' }, /not issued for this resource/],
    [{ active: true, iss: ISS, aud: AUD, sub: 'a', exp: now() - 120 }, /expired/],
    [{ active: true, iss: ISS, aud: AUD, sub: 'a', nbf: now() + 600 }, /not valid yet/],
    [{ active: true, iss: ISS, aud: AUD }, /no subject/],
    [{ active: true, iss: ISS, aud: AUD, sub: 'a', cnf: { jkt: 'x' } }, /Sender-constrained/],
  ])('%j is refused', async (json, message) => {
    answer = { status: 200, json };
    const v = validator();
    await expect(v.validate('tok')).rejects.toThrow(message);
    await expect(v.validate('tok')).rejects.toBeInstanceOf(AuthFailure);
    expect(v.requests).toBe(1); // refusals are cached briefly too
  });

  test('endpoint errors → AuthUnavailable (503), not a refusal', async () => {
    answer = { status: 500 };
    await expect(validator().validate('tok')).rejects.toBeInstanceOf(AuthUnavailable);
    await expect(validator({ url: 'http://127.0.0.1:1/introspect' }).validate('tok')).rejects.toBeInstanceOf(
      AuthUnavailable,
    );
  });

  test('the cache is bounded and keyed by the token hash', async () => {
    answer = { status: 200, json: { active: true, iss: ISS, aud: AUD, sub: 'a', exp: now() + 60 } };
    const v = validator({ maxEntries: 2 });
    for (const t of ['t1', 't2', 't3', 't1']) await v.validate(t);
    expect(v.requests).toBe(4); // t1 was evicted by t3
    const cache = (v as unknown as { cache: Map<string, unknown> }).cache;
    expect(cache.size).toBe(2);
    expect([...cache.keys()]).not.toContain('t1');
  });
});

describe('static tokens', () => {
  test('raw and sha256 entries are both accepted; every other token is refused', async () => {
    const digest = createHash('sha256').update('second-token-abcdefgh').digest('hex');
    const v = new StaticTokenValidator(parseStaticTokens(['first-token-abcdefgh', `SHA256:${digest.toUpperCase()}`]));
    await expect(v.validate('first-token-abcdefgh')).resolves.toMatchObject({ clientId: 'static-token' });
    await expect(v.validate('second-token-abcdefgh')).resolves.toMatchObject({
      subject: `token-${digest.slice(0, 12)}`,
    });
    await expect(v.validate('first-token-abcdefg')).rejects.toBeInstanceOf(AuthFailure);
    await expect(v.validate(digest)).rejects.toBeInstanceOf(AuthFailure);
    expect(() => parseStaticTokens(['too-short'])).toThrow(/at least 16/);
  });
});

describe('failure limiter', () => {
  test('after `limit` failures from one address every request gets 429 (even a right token), until the window ends', async () => {
    const limiter = new FailureLimiter({ limit: 3, windowMs: 300 });
    const app = express();
    app.use(
      bearerAuthenticator({
        validator: new StaticTokenValidator(parseStaticTokens(['the-right-token-123456'])),
        challenge: {},
        requiredScopes: [],
        limiter,
        logger,
      }),
      (_req, res) => void res.json({ ok: true }),
    );
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const call = (token?: string) => fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    try {
      expect((await call()).status).toBe(401); // no token: not counted
      for (let i = 0; i < 3; i++) expect((await call('wrong-token-xxxxxxxx')).status).toBe(401);
      const blocked = await call('the-right-token-123456');
      expect(blocked.status).toBe(429);
      expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      await new Promise((r) => setTimeout(r, 350));
      expect((await call('the-right-token-123456')).status).toBe(200);
    } finally {
      server.close();
    }
  });

  test('memory is bounded', () => {
    const limiter = new FailureLimiter({ limit: 1, maxKeys: 3 });
    for (let i = 0; i < 10; i++) limiter.recordFailure(`10.0.0.${i}`);
    expect((limiter as unknown as { windows: Map<string, unknown> }).windows.size).toBe(3);
    expect(limiter.blockedFor('10.0.0.9')).toBeGreaterThan(0);
    expect(limiter.blockedFor('10.0.0.0')).toBe(0);
  });
});

describe('challenges and parsing', () => {
  test('WWW-Authenticate values are quoted safely and carry scope and metadata', () => {
    expect(
      buildChallenge({
        resourceMetadataUrl: 'https://m.example/.well-known/oauth-protected-resource/mcp',
        scope: ['a', 'b'],
      }),
    ).toBe('Bearer scope="a b", resource_metadata="https://m.example/.well-known/oauth-protected-resource/mcp"');
    expect(buildChallenge({}, AuthFailure.invalidToken('bad "quote" \\ \n here'))).toBe(
      'Bearer error="invalid_token", error_description="bad \'quote\' \'   here"',
    );
    expect(buildChallenge({ scope: ['a'] }, AuthFailure.insufficientScope('x', ['a', 'b']))).toBe(
      'Bearer error="insufficient_scope", error_description="x", scope="a b"',
    );
    expect(buildChallenge({})).toBe('Bearer');
  });

  test('JWT detection and tool scopes of single and batched calls', () => {
    expect(looksLikeJwt('eyJhbGciOiJSUzI1NiJ9.e30.sig')).toBe(true);
    expect(looksLikeJwt('opaque')).toBe(false);
    expect(looksLikeJwt('a.b.c')).toBe(false);
    const scopes = { countdown: ['mcp:long-running'], admin: ['mcp:admin', 'mcp:long-running'] };
    const call = (name: string) => ({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name } });
    expect(scopesNeededFor(call('countdown'), scopes)).toEqual(['mcp:long-running']);
    expect(scopesNeededFor([call('echo'), call('admin'), call('countdown')], scopes)).toEqual([
      'mcp:admin',
      'mcp:long-running',
    ]);
    expect(scopesNeededFor({ method: 'tools/list' }, scopes)).toEqual([]);
    expect(scopesNeededFor(call('toString'), scopes)).toEqual([]);
  });
});

/** A request-state key (≥ 32 bytes): required off loopback. */
const STATE_KEY = 'k'.repeat(48);

describe('auth configuration', () => {
  test('oauth needs an issuer; https off loopback; introspection needs credentials', () => {
    expect(() => loadConfig({ MCP_AUTH_MODE: 'oauth' })).toThrow(/needs OAUTH_ISSUER/);
    expect(() => loadConfig({ MCP_AUTH_MODE: 'oauth', OAUTH_ISSUER: 'http://id.example' })).toThrow(
      /must be an https:\/\/ URL/,
    );
    expect(() =>
      loadConfig({
        MCP_AUTH_MODE: 'oauth',
        OAUTH_ISSUER: 'https://id.example',
        OAUTH_JWKS_URI: 'http://id.example/jwks',
      }),
    ).toThrow(/OAUTH_JWKS_URI/);
    expect(() =>
      loadConfig({
        MCP_AUTH_MODE: 'oauth',
        OAUTH_ISSUER: 'https://id.example',
        OAUTH_INTROSPECTION_URL: 'https://id.example/i',
      }),
    ).toThrow(/needs OAUTH_CLIENT_ID and OAUTH_CLIENT_SECRET/);
    expect(loadConfig({ MCP_AUTH_MODE: 'oauth', OAUTH_ISSUER: 'http://127.0.0.1:8080/realms/dev' }).auth.issuer).toBe(
      'http://127.0.0.1:8080/realms/dev',
    );
  });

  test('the resource is MCP_PUBLIC_URL as written (a bare origin in the form clients send, with its /); the audience defaults to it', () => {
    const root = loadConfig({
      HOST: '0.0.0.0',
      MCP_REQUEST_STATE_KEYS: STATE_KEY,
      MCP_AUTH_MODE: 'oauth',
      OAUTH_ISSUER: 'https://id.example',
      MCP_PUBLIC_URL: 'https://mcp.example.com',
    });
    expect(root.auth.resource).toBe('https://mcp.example.com/');
    expect(root.auth.audience).toBe('https://mcp.example.com/');
    expect(resourceInfo(root)).toEqual({
      resource: 'https://mcp.example.com/',
      audience: 'https://mcp.example.com/',
      metadataUrl: 'https://mcp.example.com/.well-known/oauth-protected-resource',
      metadataPaths: ['/.well-known/oauth-protected-resource'],
    });
    const nested = loadConfig({
      HOST: '0.0.0.0',
      MCP_REQUEST_STATE_KEYS: STATE_KEY,
      MCP_AUTH_MODE: 'oauth',
      OAUTH_ISSUER: 'https://id.example',
      MCP_PUBLIC_URL: 'https://x.example/team/mcp',
      OAUTH_AUDIENCE: 'api://mcp',
    });
    expect(resourceInfo(nested)).toMatchObject({
      resource: 'https://x.example/team/mcp',
      audience: 'api://mcp',
      metadataUrl: 'https://x.example/.well-known/oauth-protected-resource/team/mcp',
    });
  });

  test('the challenge of a running server points to its path-inserted metadata', async () => {
    const server = await startMcpServer({
      MCP_AUTH_MODE: 'oauth',
      OAUTH_ISSUER: 'http://127.0.0.1:1/i',
      OAUTH_JWKS_URI: 'http://127.0.0.1:1/j',
    });
    try {
      const res = await fetch(server.mcpUrl, { method: 'POST', headers: MCP_HEADERS, body: initialize() });
      expect(challengeOf(res).params.resource_metadata).toBe(
        new URL('/.well-known/oauth-protected-resource/mcp', server.baseUrl).href,
      );
    } finally {
      await server.close();
    }
  });
});

describe('Authorization header parsing', () => {
  const parse = (authorization: string) =>
    bearerTokenOf({ headers: { authorization }, url: '/mcp', body: undefined } as never);

  test('accepts "Bearer <token>" whatever the scheme case and spacing', () => {
    expect(parse('Bearer abc.def-ghi')).toBe('abc.def-ghi');
    expect(parse('  bearer    abc  ')).toBe('abc');
  });

  test('a huge, hostile header is refused at once (no backtracking blow-up)', () => {
    const started = process.hrtime.bigint();
    for (let i = 0; i < 20; i++) expect(() => parse(`Bearer a${' '.repeat(16_000)}x`)).toThrow(AuthFailure);
    expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(200);
  });
});
