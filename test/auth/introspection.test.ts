/**
 * `oauth` mode with opaque access tokens: RFC 7662 introspection at the external authorization server with this
 * server's own client credentials, results cached, audience (resource) checked.
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { startAuthorizationServer, type TestAuthorizationServer } from './helpers/authorizationServer';
import {
  freePort,
  initialize,
  MCP_HEADERS,
  startMcpServer,
  challengeOf,
  type AuthTestServer,
} from './helpers/mcpServer';
import { connectWithOAuth, InMemoryOAuthClient, obtainToken, signInAs } from './helpers/oauthClient';

let as: TestAuthorizationServer;
let server: AuthTestServer;
let mcpUrl: string;
let otherResource: string;

beforeAll(async () => {
  const port = await freePort();
  mcpUrl = `http://127.0.0.1:${port}/mcp`;
  otherResource = `http://127.0.0.1:${port + 1}/mcp`;
  as = await startAuthorizationServer({
    resources: [mcpUrl, otherResource],
    scopes: ['mcp:tools', 'mcp:long-running'],
    accessTokenFormat: 'opaque',
  });
  server = await startMcpServer({
    PORT: String(port),
    MCP_AUTH_MODE: 'oauth',
    OAUTH_ISSUER: as.issuer,
    OAUTH_INTROSPECTION_URL: as.introspection.url,
    OAUTH_CLIENT_ID: as.introspection.clientId,
    OAUTH_CLIENT_SECRET: as.introspection.clientSecret,
  });
});

afterAll(async () => {
  await server?.close();
  await as?.close();
});

describe('the SDK flow with opaque tokens', () => {
  const provider = new InMemoryOAuthClient();
  let client: Client;
  beforeAll(async () => {
    client = await connectWithOAuth(new URL(mcpUrl), provider, signInAs('bob'));
  });
  afterAll(async () => {
    await client?.close();
  });

  test('the token is opaque; whoami shows the introspected principal; results are cached', async () => {
    expect(provider.tokens()!.access_token.split('.')).toHaveLength(1);
    const before = as.introspectionRequests();
    const who = await client.callTool({ name: 'whoami', arguments: {} });
    expect(who.structuredContent).toMatchObject({
      subject: 'bob',
      clientId: provider.clientInformation()!.client_id,
      issuer: as.issuer,
    });
    expect((who.structuredContent as { scopes: string[] }).scopes).toEqual(['mcp:long-running']);
    await client.callTool({ name: 'echo', arguments: { text: 'cached' } });
    await client.listTools();
    expect(as.introspectionRequests() - before).toBeLessThanOrEqual(1);
  });
});

test('an opaque token issued for another resource → 401 invalid_token', async () => {
  const other = await obtainToken(as.issuer, otherResource, 'mcp:tools', signInAs('bob'));
  const res = await fetch(mcpUrl, {
    method: 'POST',
    headers: { ...MCP_HEADERS, authorization: `Bearer ${other.access_token}` },
    body: initialize(),
  });
  expect(res.status).toBe(401);
  expect(challengeOf(res).params).toMatchObject({
    error: 'invalid_token',
    error_description: 'The access token was not issued for this resource',
  });
  expect(server.logs()).not.toContain(other.access_token);
});

test('an unknown opaque token → 401 invalid_token (inactive)', async () => {
  const res = await fetch(mcpUrl, {
    method: 'POST',
    headers: { ...MCP_HEADERS, authorization: 'Bearer made-up-opaque-token-123456' },
    body: initialize(),
  });
  expect(res.status).toBe(401);
  expect(challengeOf(res).params.error_description).toBe('The access token is not active');
  expect(server.logs()).not.toContain(as.introspection.clientSecret);
});
