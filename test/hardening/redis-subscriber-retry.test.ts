/**
 * A clustered instance started while the store is down: it reports not ready until its pub/sub subscription is
 * in place, then receives what other instances route to it (here a legacy `POST /messages` sent to another
 * instance and forwarded over pub/sub to the one holding the stream) — and again after the store restarts.
 */
import { startTestServer, type TestServer } from '../helpers/server';
import { redisProcess, waitUntil, type RedisProcess } from './redisProcess';

jest.setTimeout(60_000);

describe('an instance started while Redis is down', () => {
  let redis: RedisProcess;
  const instances: TestServer[] = [];

  beforeAll(async () => {
    redis = await redisProcess();
  });
  afterAll(async () => {
    for (const i of instances) await i.close();
    await redis?.stop();
  });

  test('is not ready until subscribed, then receives messages routed by another instance', async () => {
    const env = { MCP_SESSION_MODE: 'stateful', REDIS_URL: redis.url(), MCP_KEEPALIVE_SECONDS: '1' };
    const a = await startTestServer(env); // waits for the store a while, then starts without it
    instances.push(a);
    const readyz = async (server: TestServer) => {
      const res = await fetch(new URL('/readyz', server.baseUrl));
      return { status: res.status, body: (await res.json()) as { status: string; reason?: string } };
    };
    // The store stays down long enough for the subscriber's reconnect attempts to give up on queued commands
    // (what a one-retry policy does), and readiness says so all along.
    const downUntil = Date.now() + 6000;
    while (Date.now() < downUntil) {
      const down = await readyz(a);
      expect(down.status).toBe(503);
      expect(down.body).toEqual({
        status: 'unavailable',
        reason: expect.stringMatching(/session store unreachable|not subscribed/),
      });
      await new Promise((r) => setTimeout(r, 500));
    }

    await redis.start();
    await waitUntil(async () => (await readyz(a)).status === 200, 15_000, 'instance A ready after the store came back');
    const b = await startTestServer(env);
    instances.push(b);

    // A legacy stream on A; its messages are POSTed to B, which routes them to A over pub/sub.
    const abort = new AbortController();
    const stream = await fetch(new URL('/sse', a.baseUrl), {
      headers: { accept: 'text/event-stream' },
      signal: abort.signal,
    });
    expect(stream.status).toBe(200);
    const reader = stream.body!.getReader();
    let text = '';
    const readUntil = async (pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = text.match(pattern);
        if (found) return found;
        const left = deadline - Date.now();
        if (left <= 0)
          throw new Error(`no ${pattern} on the stream within ${timeoutMs} ms; got: ${text.slice(0, 500)}`);
        const chunk = await Promise.race([
          reader.read(),
          new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), left)),
        ]);
        if (chunk === 'timeout') continue;
        if (chunk.done) throw new Error(`the stream ended before ${pattern}; got: ${text.slice(0, 500)}`);
        text += new TextDecoder().decode(chunk.value);
      }
    };
    const endpoint = (await readUntil(/event: endpoint\ndata: (\S+)/, 5000))[1]!;
    const sessionId = new URL(endpoint, a.baseUrl).searchParams.get('sessionId')!;
    const postToB = (message: object) =>
      fetch(new URL(`/messages?sessionId=${sessionId}`, b.baseUrl), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(message),
      });
    const posted = await postToB({
      jsonrpc: '2.0',
      id: 'routed-through-b',
      method: 'initialize',
      params: { protocolVersion: '2024-11-05', capabilities: {}, clientInfo: { name: 'legacy', version: '1' } },
    });
    expect(posted.status).toBe(202);
    await readUntil(/"result":\{[^\n]*"id":"routed-through-b"|"id":"routed-through-b"[^\n]*"result"/, 5000);
    await postToB({ jsonrpc: '2.0', method: 'notifications/initialized' });

    // Redis restarts (no data kept): A re-subscribes on the new connection, and is not ready until it has.
    await redis.stop();
    await waitUntil(
      async () => (await readyz(a)).status === 503,
      10_000,
      'instance A not ready while the store is down',
    );
    await redis.start();
    await waitUntil(
      async () => (await readyz(a)).status === 200 && (await readyz(b)).status === 200,
      15_000,
      'both ready after the restart',
    );
    // The stream's record is renewed at its next keep-alive (1 s), then B routes to A again.
    await waitUntil(
      async () => (await postToB({ jsonrpc: '2.0', id: 'after-restart', method: 'ping' })).status === 202,
      10_000,
      'B locates the stream again',
    );
    await readUntil(/"id":"after-restart"/, 5000);
    abort.abort();
  });
});
