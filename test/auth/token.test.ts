/**
 * `MCP_AUTH_MODE=token`: static bearer tokens as Claude Desktop / VS Code `headers` configure them; the raw and
 * the `sha256:` forms; the token never reaching tools; a stateful session bound to the principal that made it.
 */
import { createHash } from 'node:crypto';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CapabilitySet } from '../../server/capabilities/types';
import { referenceCapabilities } from '../../server/capabilities/reference';
import { ConfigError, loadConfig } from '../../server/config/env';
import {
  challengeOf,
  initialize,
  MCP_HEADERS,
  startMcpServer,
  toolCall,
  type AuthTestServer,
} from './helpers/mcpServer';

const RAW = 'raw-token-0123456789-abcdefghij';
const HASHED = 'hashed-token-9876543210-zyxwvut';
const HASHED_DIGEST = createHash('sha256').update(HASHED).digest('hex');

/** The reference tools plus one that reports what a tool could see of the caller's credentials. */
const probe: CapabilitySet = (() => {
  const reference = referenceCapabilities('test');
  return {
    ...reference,
    registerLegacy(server) {
      server.registerTool('credentials', { description: 'What a tool sees of the credentials' }, async (extra) => {
        const headers = (extra.requestInfo?.headers ?? {}) as Record<string, unknown>;
        const seen = {
          contentType: headers['content-type'] ?? null,
          authorizationHeader: headers.authorization ?? headers.Authorization ?? null,
          token: extra.authInfo?.token ?? null,
        };
        return { content: [{ type: 'text', text: JSON.stringify(seen) }] };
      });
    },
  };
})();

let server: AuthTestServer;

beforeAll(async () => {
  server = await startMcpServer(
    { MCP_AUTH_MODE: 'token', MCP_BEARER_TOKENS: `${RAW}, sha256:${HASHED_DIGEST}`, MCP_SESSION_MODE: 'stateful' },
    probe,
  );
});
afterAll(async () => {
  await server?.close();
});

/** The Claude Desktop / mcp-remote `headers` form: a fixed Authorization header on every request. */
async function connect(token: string): Promise<Client> {
  const client = new Client({ name: 'jest', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(server.mcpUrl, {
      requestInit: { headers: { Authorization: `Bearer ${token}` } },
    }),
  );
  return client;
}

test('a client configured with the Authorization header connects; whoami shows a token principal', async () => {
  const client = await connect(RAW);
  const who = await client.callTool({ name: 'whoami', arguments: {} });
  const fingerprint = createHash('sha256').update(RAW).digest('hex').slice(0, 12);
  expect(who.structuredContent).toEqual({ subject: `token-${fingerprint}`, clientId: 'static-token', scopes: [] });
  await client.close();
});

test('the sha256: form works, and names a different principal', async () => {
  const client = await connect(HASHED);
  const who = await client.callTool({ name: 'whoami', arguments: {} });
  expect(who.structuredContent).toMatchObject({ subject: `token-${HASHED_DIGEST.slice(0, 12)}` });
  // Token mode carries no scopes: per-tool scopes are not enforced.
  const countdown = await client.callTool({ name: 'countdown', arguments: { seconds: 1 } });
  expect(JSON.stringify(countdown.content)).toContain('finished');
  await client.close();
});

test('a wrong token → 401 with a plain Bearer challenge (no metadata in token mode)', async () => {
  await expect(connect('wrong-token-0123456789-abcdefghij')).rejects.toThrow(StreamableHTTPError);
  const res = await fetch(server.mcpUrl, {
    method: 'POST',
    headers: { ...MCP_HEADERS, authorization: 'Bearer wrong-token-0123456789' },
    body: initialize(),
  });
  expect(res.status).toBe(401);
  expect(challengeOf(res)).toEqual({
    scheme: 'Bearer',
    params: { error: 'invalid_token', error_description: 'The bearer token is not valid' },
  });
  const none = await fetch(server.mcpUrl, { method: 'POST', headers: MCP_HEADERS, body: initialize() });
  expect(none.status).toBe(401);
  expect(none.headers.get('www-authenticate')).toBe('Bearer');
  // The digest itself is not a token.
  const digest = await fetch(server.mcpUrl, {
    method: 'POST',
    headers: { ...MCP_HEADERS, authorization: `Bearer ${HASHED_DIGEST}` },
    body: initialize(),
  });
  expect(digest.status).toBe(401);
  const prm = await fetch(new URL('/.well-known/oauth-protected-resource/mcp', server.baseUrl));
  expect(prm.status).toBe(404);
});

test.each(['stateful', 'stateless'])(
  'no token passthrough (%s): tools see neither the Authorization header nor the token',
  async (mode) => {
    const target =
      mode === 'stateful'
        ? server
        : await startMcpServer(
            { MCP_AUTH_MODE: 'token', MCP_BEARER_TOKENS: RAW, MCP_SESSION_MODE: 'stateless' },
            probe,
          );
    try {
      const client = new Client({ name: 'jest', version: '1.0.0' });
      await client.connect(
        new StreamableHTTPClientTransport(target.mcpUrl, {
          requestInit: { headers: { Authorization: `Bearer ${RAW}` } },
        }),
      );
      const result = await client.callTool({ name: 'credentials', arguments: {} });
      expect(JSON.parse((result.content as { text: string }[])[0]!.text)).toEqual({
        contentType: 'application/json',
        authorizationHeader: null,
        token: '[redacted]',
      });
      await client.close();
    } finally {
      if (target !== server) await target.close();
    }
  },
);

test('a stateful session is bound to its principal: another token presenting its id gets 404', async () => {
  const headersFor = (token: string, session?: string) => ({
    ...MCP_HEADERS,
    authorization: `Bearer ${token}`,
    'mcp-protocol-version': '2025-11-25',
    ...(session ? { 'mcp-session-id': session } : {}),
  });
  const init = await fetch(server.mcpUrl, { method: 'POST', headers: headersFor(RAW), body: initialize() });
  expect(init.status).toBe(200);
  const session = init.headers.get('mcp-session-id')!;
  expect(session).toBeTruthy();
  await init.body?.cancel();
  await (
    await fetch(server.mcpUrl, {
      method: 'POST',
      headers: headersFor(RAW, session),
      body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
    })
  ).body?.cancel();

  const stolen = await fetch(server.mcpUrl, {
    method: 'POST',
    headers: headersFor(HASHED, session),
    body: toolCall('whoami'),
  });
  expect(stolen.status).toBe(404);
  await stolen.body?.cancel();
  const stolenStream = await fetch(server.mcpUrl, {
    method: 'GET',
    headers: { ...headersFor(HASHED, session), accept: 'text/event-stream' },
  });
  expect(stolenStream.status).toBe(404);
  await stolenStream.body?.cancel();
  const stolenDelete = await fetch(server.mcpUrl, { method: 'DELETE', headers: headersFor(HASHED, session) });
  expect(stolenDelete.status).toBe(404);

  const owner = await fetch(server.mcpUrl, {
    method: 'POST',
    headers: headersFor(RAW, session),
    body: toolCall('whoami'),
  });
  expect(owner.status).toBe(200);
  await owner.body?.cancel();
});

test('configuration: tokens are required, at least 16 characters, sha256: needs 64 hex digits', () => {
  expect(() => loadConfig({ MCP_AUTH_MODE: 'token' })).toThrow(/MCP_AUTH_MODE=token needs MCP_BEARER_TOKENS/);
  expect(() => loadConfig({ MCP_AUTH_MODE: 'token', MCP_BEARER_TOKENS: 'short' })).toThrow(ConfigError);
  expect(() => loadConfig({ MCP_AUTH_MODE: 'token', MCP_BEARER_TOKENS: 'short' })).toThrow(
    /at least 16 characters long \(got 5\)/,
  );
  expect(() => loadConfig({ MCP_AUTH_MODE: 'token', MCP_BEARER_TOKENS: 'sha256:abc' })).toThrow(/64 hex digits/);
  let message = '';
  try {
    loadConfig({ MCP_AUTH_MODE: 'token', MCP_BEARER_TOKENS: `${RAW},tiny` });
  } catch (e) {
    message = (e as Error).message;
  }
  // The bad entry is named by position; neither token is echoed.
  expect(message).toMatch(/entry 2/);
  expect(message).not.toContain('tiny');
  expect(message).not.toContain(RAW);
  // Off loopback too (the production form).
  expect(
    loadConfig({
      HOST: '0.0.0.0',
      MCP_AUTH_MODE: 'token',
      MCP_BEARER_TOKENS: `sha256:${HASHED_DIGEST}`,
      MCP_REQUEST_STATE_KEYS: 'k'.repeat(32),
    }).auth.mode,
  ).toBe('token');
});

test('logs never contain a token', () => {
  const logs = server.logs();
  expect(logs).toContain('authentication refused');
  for (const secret of [RAW, HASHED, 'wrong-token-0123456789']) expect(logs).not.toContain(secret);
});
