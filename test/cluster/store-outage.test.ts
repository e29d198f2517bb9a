/**
 * The shared store goes away and comes back: readiness says so, stateful requests get a clear 503 with
 * Retry-After (never a hang, never a 500), liveness stays up, and the instance heals without a restart.
 * Stateless instances never depend on the store.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ConfigError, loadConfig } from '../../server/config/env';
import { startRedis, type RedisServer } from '../helpers/redis';
import { MCP_HEADERS, freePort, startTestServer, type TestServer } from '../helpers/server';
import { waitFor } from '../helpers/wait';

jest.setTimeout(40_000);

const initialize = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
});

describe('stateful instance, store outage', () => {
  let redis: RedisServer;
  let server: TestServer;

  beforeAll(async () => {
    redis = await startRedis();
    server = await startTestServer({ MCP_SESSION_MODE: 'stateful', REDIS_URL: redis.url });
  });
  afterAll(async () => {
    await server?.close();
    await redis?.stop();
  });

  test('503 + Retry-After while the store is down; healed without a restart when it is back', async () => {
    const client = new Client({ name: 'before', version: '1' });
    const transport = new StreamableHTTPClientTransport(server.mcpUrl);
    await client.connect(transport);
    expect((await fetch(new URL('/readyz', server.baseUrl))).status).toBe(200);

    await redis.stop();
    await waitFor(
      async () => (await fetch(new URL('/readyz', server.baseUrl))).status === 503,
      5000,
      'readiness 503',
      100,
    );
    const ready = await fetch(new URL('/readyz', server.baseUrl));
    expect(await ready.json()).toEqual({ status: 'unavailable', reason: 'session store unreachable' });
    // Liveness is not readiness: a restart would not bring the store back.
    expect((await fetch(new URL('/healthz', server.baseUrl))).status).toBe(200);

    const started = Date.now();
    const fresh = await fetch(server.mcpUrl, { method: 'POST', headers: MCP_HEADERS, body: initialize });
    expect(fresh.status).toBe(503);
    expect(fresh.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await fresh.json()).toMatchObject({
      jsonrpc: '2.0',
      error: { code: -32000, message: expect.stringMatching(/session store unavailable/i) },
    });
    const existing = await fetch(server.mcpUrl, {
      method: 'POST',
      headers: { ...MCP_HEADERS, 'mcp-session-id': transport.sessionId!, 'mcp-protocol-version': '2025-11-25' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
    });
    expect(existing.status).toBe(503);
    // Answered at once, not after a client-side or store timeout (both requests: well under a second even on a
    // loaded machine).
    const answeredIn = Date.now() - started;
    console.log(`store outage: two requests answered 503 in ${answeredIn} ms`);
    expect(answeredIn).toBeLessThan(1000);

    await redis.restart();
    const healedIn = await waitFor(
      async () => (await fetch(new URL('/readyz', server.baseUrl))).status === 200,
      10_000,
      'readiness 200',
      100,
    );
    console.log(`store outage: readiness back ${healedIn} ms after the store restarted`);
    // The store restarted empty (no persistence here): old sessions are gone (404), new ones work.
    const old = await fetch(server.mcpUrl, {
      method: 'POST',
      headers: { ...MCP_HEADERS, 'mcp-session-id': transport.sessionId!, 'mcp-protocol-version': '2025-11-25' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'tools/list' }),
    });
    expect(old.status).toBe(404);
    expect(await old.json()).toMatchObject({ jsonrpc: '2.0', error: { code: expect.any(Number) } });
    const again = new Client({ name: 'after', version: '1' });
    await again.connect(new StreamableHTTPClientTransport(server.mcpUrl));
    expect((await again.callTool({ name: 'echo', arguments: { text: 'back' } })).isError).toBeFalsy();
    await again.close();
    await client.close().catch(() => undefined);
    // Nothing but the access log (503 lines) at error level: an outage is expected operations, not a crash.
    expect(server.logs.filter((l) => (l.level as number) >= 50 && !('res' in l))).toEqual([]);
  });
});

test('a stateless instance needs no store for its sessions: an unreachable REDIS_URL leaves it ready and serving, and it says once what Redis is for', async () => {
  const server = await startTestServer({
    MCP_SESSION_MODE: 'stateless',
    REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
  });
  try {
    expect((await fetch(new URL('/readyz', server.baseUrl))).status).toBe(200);
    const client = new Client({ name: 'stateless', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(server.mcpUrl));
    expect((await client.callTool({ name: 'echo', arguments: { text: 'x' } })).isError).toBeFalsy();
    await client.close();
    const said = server.logs.filter((l) => String(l.message).startsWith('REDIS_URL with MCP_SESSION_MODE stateless'));
    expect(said).toHaveLength(1);
    expect(String(said[0]!.message)).toContain('sessions are not stored');
  } finally {
    await server.close();
  }
});

test('a stateful instance starts without its store (not ready), instead of crashing', async () => {
  const started = Date.now();
  const server = await startTestServer({
    MCP_SESSION_MODE: 'stateful',
    REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
  });
  try {
    expect(Date.now() - started).toBeLessThan(8000);
    const ready = await fetch(new URL('/readyz', server.baseUrl));
    expect(ready.status).toBe(503);
    const res = await fetch(server.mcpUrl, { method: 'POST', headers: MCP_HEADERS, body: initialize });
    expect(res.status).toBe(503);
  } finally {
    await server.close();
  }
});

test.each([
  ['http://cache:6379', /must be a redis:\/\/ or rediss:\/\//],
  ['not a url', /must be a redis:\/\/ or rediss:\/\//],
])('REDIS_URL=%s is refused in one line that never shows the value', (value, message) => {
  const secretValue = `rediss://:hunter2-password@${value}`;
  for (const v of [value, secretValue.replace('rediss', 'https')]) {
    let error: unknown;
    try {
      loadConfig({ REDIS_URL: v });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toContain('REDIS_URL=(secret)');
    expect((error as Error).message).not.toContain('hunter2');
  }
});
