/**
 * Redis stalls (the process frozen with SIGSTOP: connections stay open, nothing is answered) for longer than the
 * command timeout while a call runs: new requests are refused at once (503 + Retry-After), readiness goes 503, and
 * the call in flight is not turned into an error — its result arrives once the store answers again.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { MCP_HEADERS, initializeBody, startTestServer, type TestServer } from '../helpers/server';
import { redisProcess, waitUntil, type RedisProcess } from './redisProcess';

jest.setTimeout(60_000);

/** Longer than the store's command timeout (2 s), which used to fail the call's progress messages. */
const STALL_MS = 4000;

describe('a Redis stall during a call', () => {
  let redis: RedisProcess;
  let server: TestServer;

  beforeAll(async () => {
    redis = await redisProcess();
    await redis.start();
    server = await startTestServer({
      MCP_SESSION_MODE: 'stateful',
      REDIS_URL: redis.url(),
      MCP_KEEPALIVE_SECONDS: '1',
    });
  });
  afterAll(async () => {
    redis?.resume();
    await server?.close();
    await redis?.stop();
  });

  test('fails new requests fast, turns readiness 503, and the call in flight still gets its result', async () => {
    const client = new Client({ name: 'stall', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(server.mcpUrl));
    const progress: number[] = [];
    const call = client.callTool({ name: 'countdown', arguments: { seconds: 4 } }, undefined, {
      onprogress: (p) => void progress.push(p.progress),
      timeout: 30_000,
    });
    await waitUntil(() => progress.length >= 1, 5000, 'the first progress notification');

    redis.pause();
    const stalledAt = Date.now();
    try {
      // Readiness notices within the stall bound (2 s) plus a probe period; generous for a loaded machine.
      await waitUntil(
        async () => (await fetch(new URL('/readyz', server.baseUrl))).status === 503,
        3500,
        'readiness 503 during the stall',
      );
      const ready = await fetch(new URL('/readyz', server.baseUrl));
      expect(await ready.json()).toEqual({ status: 'unavailable', reason: 'session store not answering' });

      const started = Date.now();
      const fresh = await fetch(server.mcpUrl, {
        method: 'POST',
        headers: MCP_HEADERS,
        body: JSON.stringify(initializeBody()),
      });
      const took = Date.now() - started;
      expect(fresh.status).toBe(503);
      expect(fresh.headers.get('retry-after')).toMatch(/^\d+$/);
      // At once, not after a store command timed out (2 s).
      expect(took).toBeLessThan(1000);
      await new Promise((r) => setTimeout(r, Math.max(0, STALL_MS - (Date.now() - stalledAt))));
    } finally {
      redis.resume();
    }

    const result = (await call) as { isError?: boolean; content: { type: string; text: string }[] };
    expect(result.isError).toBeFalsy();
    expect(result.content).toEqual([{ type: 'text', text: 'Countdown of 4 s finished.' }]);
    // Every progress message of the call reached the client, in order, once.
    expect(progress).toEqual([1, 2, 3, 4]);
    await waitUntil(
      async () => (await fetch(new URL('/readyz', server.baseUrl))).status === 200,
      5000,
      'ready again after the stall',
    );
    await client.close();
  });
});
