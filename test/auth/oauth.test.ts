/**
 * `MCP_AUTH_MODE=oauth` against an external authorization server (oidc-provider on its own port, issuer with a
 * path): the SDK client's own OAuth support goes 401 → Protected Resource Metadata → authorization server
 * metadata → Dynamic Client Registration → authorize with PKCE and `resource` → sign-in → token → MCP calls,
 * and refreshes. The server finds the JWKS through discovery (no OAUTH_JWKS_URI).
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { loadJose } from '../../server/auth/esm';
import { startAuthorizationServer, type TestAuthorizationServer } from './helpers/authorizationServer';
import {
  challengeOf,
  freePort,
  initialize,
  MCP_HEADERS,
  startMcpServer,
  type AuthTestServer,
} from './helpers/mcpServer';
import { connectWithOAuth, InMemoryOAuthClient, signInAs } from './helpers/oauthClient';

let as: TestAuthorizationServer;
let server: AuthTestServer;
let mcpUrl: string;
const secrets: string[] = [];

beforeAll(async () => {
  const port = await freePort();
  mcpUrl = `http://127.0.0.1:${port}/mcp`;
  as = await startAuthorizationServer({ resources: [mcpUrl], scopes: ['mcp:tools', 'mcp:long-running'] });
  server = await startMcpServer({
    PORT: String(port),
    MCP_AUTH_MODE: 'oauth',
    OAUTH_ISSUER: as.issuer,
    OAUTH_SCOPES: 'mcp:tools',
  });
});

afterAll(async () => {
  await server?.close();
  await as?.close();
});

test('Protected Resource Metadata at the path-inserted and root URLs, readable from any origin', async () => {
  const origin = new URL(mcpUrl).origin;
  for (const path of ['/.well-known/oauth-protected-resource/mcp', '/.well-known/oauth-protected-resource']) {
    const res = await fetch(`${origin}${path}`, { headers: { origin: 'https://inspector.example' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(await res.json()).toEqual({
      resource: mcpUrl,
      authorization_servers: [as.issuer],
      scopes_supported: ['mcp:tools', 'mcp:long-running'],
      bearer_methods_supported: ['header'],
      resource_name: 'remote-mcp-stacks',
    });
  }
  const preflight = await fetch(`${origin}/.well-known/oauth-protected-resource/mcp`, {
    method: 'OPTIONS',
    headers: {
      origin: 'https://inspector.example',
      'access-control-request-method': 'GET',
      'access-control-request-headers': 'mcp-protocol-version',
    },
  });
  expect(preflight.status).toBe(204);
  expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
  expect(preflight.headers.get('access-control-allow-headers')).toBe('mcp-protocol-version');
});

test('401 challenge names the metadata and the scopes every call needs', async () => {
  const res = await fetch(mcpUrl, { method: 'POST', headers: MCP_HEADERS, body: initialize() });
  expect(res.status).toBe(401);
  expect(challengeOf(res).params).toEqual({
    scope: 'mcp:tools',
    resource_metadata: `${new URL(mcpUrl).origin}/.well-known/oauth-protected-resource/mcp`,
  });
});

describe('the full flow with the SDK client', () => {
  const provider = new InMemoryOAuthClient();
  let client: Client;

  beforeAll(async () => {
    client = await connectWithOAuth(new URL(mcpUrl), provider, signInAs('alice'));
  });
  afterAll(async () => {
    await client?.close();
  });

  test('registration, PKCE S256, resource indicator and the challenged scope were used', () => {
    const url = provider.authorizationUrl!;
    expect(url.href.startsWith(`${as.issuer}/auth?`)).toBe(true);
    expect(provider.registrations).toBe(1);
    expect(url.searchParams.get('client_id')).toBe(provider.clientInformation()!.client_id);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('resource')).toBe(mcpUrl);
    expect(url.searchParams.get('scope')).toBe('mcp:tools');
    const claims = loadJose().decodeJwt(provider.tokens()!.access_token);
    expect(claims).toMatchObject({ iss: as.issuer, aud: mcpUrl, sub: 'alice', scope: 'mcp:tools' });
    secrets.push(provider.tokens()!.access_token, provider.tokens()!.refresh_token!);
  });

  test('MCP calls succeed and whoami shows the principal', async () => {
    const tools = await client.listTools();
    expect(tools.tools.map((t) => t.name).sort()).toEqual(['confirm', 'countdown', 'echo', 'whoami']);
    const who = await client.callTool({ name: 'whoami', arguments: {} });
    expect(who.structuredContent).toEqual({
      subject: 'alice',
      clientId: provider.clientInformation()!.client_id,
      scopes: ['mcp:tools'],
      issuer: as.issuer,
    });
  });

  test('a tool needing another scope is refused with 403 insufficient_scope (not a tool error)', async () => {
    const res = await fetch(mcpUrl, {
      method: 'POST',
      headers: {
        ...MCP_HEADERS,
        authorization: `Bearer ${provider.tokens()!.access_token}`,
        'mcp-protocol-version': '2025-11-25',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 9,
        method: 'tools/call',
        params: { name: 'countdown', arguments: { seconds: 1 } },
      }),
    });
    expect(res.status).toBe(403);
    expect(challengeOf(res).params).toMatchObject({ error: 'insufficient_scope', scope: 'mcp:tools mcp:long-running' });
  });

  test('refresh: an expired access token is replaced through the refresh token, transparently', async () => {
    const before = provider.tokens()!;
    const now = Math.floor(Date.now() / 1000);
    const expired = await as.sign({
      iss: as.issuer,
      aud: mcpUrl,
      sub: 'alice',
      scope: 'mcp:tools',
      iat: now - 600,
      exp: now - 300,
    });
    provider.saveTokens({ ...before, access_token: expired });
    const echo = await client.callTool({ name: 'echo', arguments: { text: 'refreshed' } });
    expect(JSON.stringify(echo.content)).toContain('refreshed');
    const after = provider.tokens()!;
    expect(after.access_token).not.toBe(expired);
    expect(after.access_token).not.toBe(before.access_token);
    expect(provider.registrations).toBe(1);
    secrets.push(expired, after.access_token, after.refresh_token!);
  });
});

test('logs never contain a token', () => {
  expect(secrets.length).toBeGreaterThanOrEqual(5);
  const logs = server.logs();
  expect(logs).toContain('authentication refused');
  for (const secret of secrets) expect(logs).not.toContain(secret);
});
