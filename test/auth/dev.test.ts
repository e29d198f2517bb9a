/**
 * `MCP_AUTH_MODE=dev`, reached through `npm start`'s own defaults (no auth variable set, loopback host): the
 * embedded authorization server and the real OAuth flow with the SDK client, the way a newcomer's MCP client runs it.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { loadJose } from '../../server/auth/esm';
import { createAuthLayer } from '../../server/auth';
import { referenceCapabilities } from '../../server/capabilities/reference';
import { ConfigError, loadConfig } from '../../server/config/env';
import { createLogger } from '../../server/logging/logger';
import { Writable } from 'node:stream';
import { Browser, authorize, clickDevSignIn, connectWithOAuth, InMemoryOAuthClient } from './helpers/oauthClient';
import {
  challengeOf,
  freePort,
  MCP_HEADERS,
  initialize,
  startMcpServer,
  type AuthTestServer,
} from './helpers/mcpServer';

let server: AuthTestServer;
let origin: string;
const secrets: string[] = [];

beforeAll(async () => {
  const port = await freePort();
  // Exactly what `npm start` sees on a laptop: no MCP_AUTH_MODE, loopback host.
  server = await startMcpServer({ PORT: String(port) });
  origin = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  await server?.close();
});

test('npm start defaults to dev mode on loopback', () => {
  expect(loadConfig({ HOST: '127.0.0.1' }).auth.mode).toBe('dev');
  expect(server.mcp.config.auth.mode).toBe('dev');
});

test('401 points to Protected Resource Metadata naming the embedded issuer', async () => {
  const res = await fetch(server.mcpUrl, { method: 'POST', headers: MCP_HEADERS, body: initialize() });
  expect(res.status).toBe(401);
  const { scheme, params } = challengeOf(res);
  expect(scheme).toBe('Bearer');
  expect(params.resource_metadata).toBe(`${origin}/.well-known/oauth-protected-resource/mcp`);
  const prm = await (await fetch(params.resource_metadata!)).json();
  expect(prm).toEqual({
    resource: `${origin}/mcp`,
    authorization_servers: [`${origin}/oauth`],
    scopes_supported: ['mcp:long-running'],
    bearer_methods_supported: ['header'],
    resource_name: 'remote-mcp-stacks',
  });
});

test('discovery: RFC 8414 path-inserted, OpenID, PKCE S256, registration', async () => {
  for (const path of [
    '/.well-known/oauth-authorization-server/oauth',
    '/.well-known/openid-configuration/oauth',
    '/oauth/.well-known/openid-configuration',
  ]) {
    const res = await fetch(`${origin}${path}`, { headers: { origin: 'http://localhost:6274' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBeTruthy();
    const meta = (await res.json()) as Record<string, unknown>;
    expect(meta.issuer).toBe(`${origin}/oauth`);
    expect(meta.code_challenge_methods_supported).toEqual(['S256']);
    expect(meta.registration_endpoint).toBe(`${origin}/oauth/reg`);
    expect(meta.authorization_endpoint).toBe(`${origin}/oauth/auth`);
    expect(meta.token_endpoint).toBe(`${origin}/oauth/token`);
    expect(meta.jwks_uri).toBe(`${origin}/oauth/jwks`);
    // OAuth 2.1: authorization code only, no implicit or hybrid flows.
    expect(meta.response_types_supported).toEqual(['code']);
    expect(meta.grant_types_supported).not.toContain('implicit');
  }
  // A browser-based client (MCP Inspector) may register from its own origin.
  const preflight = await fetch(`${origin}/oauth/reg`, {
    method: 'OPTIONS',
    headers: {
      origin: 'http://localhost:6274',
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'content-type',
    },
  });
  expect(preflight.status).toBe(204);
  expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
});

describe('the full flow with the SDK client', () => {
  const provider = new InMemoryOAuthClient();
  let client: Client;

  beforeAll(async () => {
    client = await connectWithOAuth(server.mcpUrl, provider, clickDevSignIn);
  });
  afterAll(async () => {
    await client?.close();
  });

  test('the authorization request used PKCE S256 and the resource indicator', () => {
    const url = provider.authorizationUrl!;
    expect(url.origin + url.pathname).toBe(`${origin}/oauth/auth`);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('code_challenge')).toBeTruthy();
    expect(url.searchParams.get('resource')).toBe(`${origin}/mcp`);
    expect(url.searchParams.get('scope')).toBe('mcp:long-running');
    expect(provider.registrations).toBe(1);
  });

  test('the access token is a JWT for this MCP server', () => {
    const jose = loadJose();
    const token = provider.tokens()!.access_token;
    secrets.push(token, provider.tokens()!.refresh_token!);
    const header = jose.decodeProtectedHeader(token);
    const claims = jose.decodeJwt(token);
    expect(header.typ).toBe('at+jwt');
    expect(header.alg).toBe('ES256');
    expect(claims.aud).toBe(`${origin}/mcp`);
    expect(claims.iss).toBe(`${origin}/oauth`);
    expect(claims.sub).toBe('developer');
    expect(claims.scope).toBe('mcp:long-running');
    expect(provider.tokens()!.refresh_token).toBeTruthy();
  });

  test('whoami shows the developer principal; countdown (needs mcp:long-running) runs', async () => {
    const who = await client.callTool({ name: 'whoami', arguments: {} });
    expect(who.structuredContent).toEqual({
      subject: 'developer',
      clientId: provider.clientInformation()!.client_id,
      scopes: ['mcp:long-running'],
      issuer: `${origin}/oauth`,
    });
    const done = await client.callTool({ name: 'countdown', arguments: { seconds: 1 } });
    expect(JSON.stringify(done.content)).toContain('finished');
  });

  test('refresh: a rejected access token is replaced with the refresh token, transparently', async () => {
    const before = provider.tokens()!;
    provider.saveTokens({ ...before, access_token: 'not.a-valid.token' });
    const echo = await client.callTool({ name: 'echo', arguments: { text: 'after refresh' } });
    expect(JSON.stringify(echo.content)).toContain('after refresh');
    const after = provider.tokens()!;
    expect(after.access_token).not.toBe('not.a-valid.token');
    expect(after.access_token).not.toBe(before.access_token);
    secrets.push(after.access_token, after.refresh_token!);
  });
});

describe('the authorization server refuses', () => {
  async function register(): Promise<string> {
    const res = await fetch(`${origin}/oauth/reg`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        redirect_uris: ['http://127.0.0.1:9/cb'],
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code'],
      }),
    });
    expect(res.status).toBe(201);
    return ((await res.json()) as { client_id: string }).client_id;
  }
  const pkce = () => {
    const verifier = randomBytes(32).toString('base64url');
    return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
  };

  test('an authorization request without PKCE', async () => {
    const clientId = await register();
    const url = new URL(`${origin}/oauth/auth`);
    url.search = new URLSearchParams({
      client_id: clientId,
      response_type: 'code',
      redirect_uri: 'http://127.0.0.1:9/cb',
      scope: 'mcp:long-running',
      resource: `${origin}/mcp`,
    }).toString();
    const res = await new Browser().fetch(url);
    const location = new URL(res.headers.get('location')!);
    expect(location.searchParams.get('error')).toBe('invalid_request');
    expect(location.searchParams.get('error_description')).toMatch(/PKCE/);
  });

  test('a token for another resource', async () => {
    const clientId = await register();
    const url = new URL(`${origin}/oauth/auth`);
    url.search = new URLSearchParams({
      client_id: clientId,
      response_type: 'code',
      redirect_uri: 'http://127.0.0.1:9/cb',
      code_challenge: pkce().challenge,
      code_challenge_method: 'S256',
      resource: 'https://other.example/mcp',
    }).toString();
    const res = await new Browser().fetch(url);
    const location = new URL(res.headers.get('location')!);
    expect(location.searchParams.get('error')).toBe('invalid_target');
  });

  test('a token request without the PKCE verifier', async () => {
    const clientId = await register();
    const { challenge } = pkce();
    const url = new URL(`${origin}/oauth/auth`);
    url.search = new URLSearchParams({
      client_id: clientId,
      response_type: 'code',
      redirect_uri: 'http://127.0.0.1:9/cb',
      code_challenge: challenge,
      code_challenge_method: 'S256',
      scope: 'mcp:long-running',
      resource: `${origin}/mcp`,
    }).toString();
    const { code } = await authorize(url, 'http://127.0.0.1:9/cb', clickDevSignIn);
    secrets.push(code);
    const res = await fetch(`${origin}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        client_id: clientId,
        redirect_uri: 'http://127.0.0.1:9/cb',
        code_verifier: pkce().verifier,
      }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_grant');
  });
});

describe('loopback only', () => {
  const quiet = () => {
    let raw = '';
    const logger = createLogger({
      level: 'warn',
      destination: new Writable({ write: (c, _e, cb) => ((raw += c.toString()), cb()) }),
    });
    return { logger, logs: () => raw };
  };

  test('dev mode refuses a non-loopback host, naming every mode that works there', () => {
    expect(() => loadConfig({ HOST: '0.0.0.0', MCP_AUTH_MODE: 'dev' })).toThrow(ConfigError);
    expect(() => loadConfig({ HOST: '0.0.0.0', MCP_AUTH_MODE: 'dev' })).toThrow(
      /only when HOST is a loopback address \(got 0\.0\.0\.0\); use oauth, broker or token \(/,
    );
  });

  test('none mode refuses a non-loopback host, naming every mode that works there', () => {
    expect(() => loadConfig({ HOST: '0.0.0.0', MCP_AUTH_MODE: 'none' })).toThrow(
      new ConfigError(
        'Invalid MCP_AUTH_MODE=none: no authentication is allowed only when HOST is a loopback address (got 0.0.0.0); use oauth, broker or token',
      ),
    );
  });

  test('no auth mode on a non-loopback host: one line asking for oauth, broker or token', () => {
    let error: unknown;
    try {
      loadConfig({ HOST: '0.0.0.0' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toBe(
      'MCP_AUTH_MODE is not set and HOST=0.0.0.0 is not a loopback address: set MCP_AUTH_MODE=oauth (with OAUTH_ISSUER), MCP_AUTH_MODE=broker (with UPSTREAM_ISSUER and UPSTREAM_CLIENT_ID) or MCP_AUTH_MODE=token (with MCP_BEARER_TOKENS)',
    );
  });

  test('the layer itself refuses a non-loopback config (defence in depth), unless explicitly allowed, loudly', async () => {
    const config = loadConfig({ HOST: '127.0.0.1', PORT: '3999' });
    const { logger, logs } = quiet();
    const deps = { logger, capabilities: referenceCapabilities('test') };
    await expect(createAuthLayer({ ...config, host: '0.0.0.0' }, deps)).rejects.toThrow(ConfigError);
    await expect(createAuthLayer({ ...config, host: '0.0.0.0' }, deps)).rejects.toThrow(/use oauth, broker or token$/);
    const allowed = loadConfig({
      HOST: '0.0.0.0',
      MCP_AUTH_MODE: 'dev',
      MCP_DEV_AUTH_ALLOW_NON_LOOPBACK: 'true',
      MCP_PUBLIC_URL: 'http://10.0.0.5:3000/mcp',
      MCP_REQUEST_STATE_KEYS: 'k'.repeat(32),
    });
    const layer = await createAuthLayer(allowed, deps);
    expect(layer.routes).toBeDefined();
    expect(logs()).toMatch(/"severity":"WARNING".*DEVELOPMENT authorization server/);
  });
});

test('logs never contain a token, code or refresh token', () => {
  expect(secrets.length).toBeGreaterThanOrEqual(5);
  const logs = server.logs();
  expect(logs.length).toBeGreaterThan(1000);
  for (const secret of secrets) expect(logs).not.toContain(secret);
});
