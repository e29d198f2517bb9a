/**
 * Stateful sessions on two instances sharing Redis, behind a round-robin proxy with no stickiness: every request
 * of a session may land on either instance, and the session works as on one.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { conformanceCapabilities } from '../conformance/fixture';
import { startRedis, startRedisCluster, type RedisServer } from '../helpers/redis';
import { startRoundRobinProxy, type RoundRobinProxy } from '../helpers/roundRobinProxy';
import { MCP_HEADERS, freePort, startTestServer, type TestServer } from '../helpers/server';
import { readUntil } from '../helpers/sse';

jest.setTimeout(30_000);

// Every test runs against a single Redis and against a Redis Cluster (the protocol of ElastiCache Serverless).
describe.each(['standalone', 'cluster'] as const)('store: %s', (kind) => {
  let redis: RedisServer;
  let instances: TestServer[];
  let proxy: RoundRobinProxy;
  let mcpUrl: URL;
  let env: Record<string, string>;

  beforeAll(async () => {
    redis = kind === 'cluster' ? await startRedisCluster() : await startRedis();
    const port = await freePort();
    mcpUrl = new URL(`http://127.0.0.1:${port}/mcp`);
    env = {
      MCP_SESSION_MODE: 'stateful',
      REDIS_URL: redis.url,
      REDIS_CLUSTER_MODE: String(kind === 'cluster'),
      MCP_PUBLIC_URL: mcpUrl.href,
      MCP_KEEPALIVE_SECONDS: '1',
    };
    // The conformance fixture: it has tools that send requests to the client (elicitation) mid-call.
    instances = [
      await startTestServer(env, conformanceCapabilities()),
      await startTestServer(env, conformanceCapabilities()),
    ];
    proxy = await startRoundRobinProxy(
      instances.map((i) => i.baseUrl),
      port,
    );
  });

  afterAll(async () => {
    await proxy?.close();
    for (const i of instances ?? []) await i.close();
    await redis?.stop();
  });

  function connectClient(capabilities = {}): Promise<Client> {
    const client = new Client({ name: 'jest', version: '1.0.0' }, { capabilities });
    return client.connect(new StreamableHTTPClientTransport(mcpUrl)).then(() => client);
  }

  const served = () => [...proxy.counts.values()];

  test("a session's requests are spread over both instances and all succeed", async () => {
    const before = served();
    const client = await connectClient();
    for (let i = 0; i < 20; i++) {
      const result = await client.callTool({ name: 'test_simple_text', arguments: {} });
      expect(result.isError).toBeFalsy();
    }
    const resources = await client.readResource({ uri: 'test://static-text' });
    expect(resources.contents).toHaveLength(1);
    await client.close();
    const after = served();
    // Each instance took a fair share (round-robin) and every answer came back.
    for (const [i, n] of after.entries()) expect(n - before[i]!).toBeGreaterThanOrEqual(10);
  });

  test('a request the server sends mid-call (elicitation) is answered through the other instance', async () => {
    const client = await connectClient({ elicitation: {} });
    const asked: string[] = [];
    client.setRequestHandler(ElicitRequestSchema, async (request) => {
      asked.push(request.params.message);
      return { action: 'accept', content: { username: 'ada', email: 'ada@example.com' } };
    });
    // The call runs on one instance; the client's answer is POSTed next, so it lands on the other one and must be
    // routed back to the instance that asked.
    const result = await client.callTool({ name: 'test_elicitation', arguments: { message: 'Who are you?' } });
    expect(asked).toEqual(['Who are you?']);
    expect(JSON.stringify(result.content)).toContain('accept');
    expect(result.isError).toBeFalsy();
    await client.close();
    // Observed in the proxy's record, not assumed from its parity: the call and the answer to the server's
    // request went to different instances.
    const [call] = proxy.carrying(
      (m) => m.method === 'tools/call' && (m.params as { name?: string })?.name === 'test_elicitation',
    );
    const [answer] = proxy.carrying(
      (m) => m.method === undefined && JSON.stringify(m.result ?? null).includes('ada@example.com'),
    );
    expect(call).toBeDefined();
    expect(answer).toBeDefined();
    expect(answer!.target).not.toBe(call!.target);
  });

  test('the log level a client sets holds on every instance, including one that rebuilds the session later', async () => {
    const client = await connectClient();
    const messages: string[] = [];
    client.fallbackNotificationHandler = async (n) =>
      void (n.method === 'notifications/message' && messages.push(String(n.params?.data)));
    // Both instances host the session before the level is set (so the broadcast, not only the record, is needed).
    for (let i = 0; i < 2; i++) await client.callTool({ name: 'test_tool_with_logging', arguments: {} });
    expect(messages.length).toBe(6);
    await client.setLoggingLevel('error');
    // The level reaches the other hosting instance over pub/sub, after the answer (eventually consistent: a known limit).
    await new Promise((r) => setTimeout(r, 300));
    for (let i = 0; i < 4; i++) await client.callTool({ name: 'test_tool_with_logging', arguments: {} });
    expect(messages.length).toBe(6); // no info message from either instance after the level was set
    // A third instance that has never seen the session rebuilds it from the record, level included.
    const sessionId = (client as unknown as { _transport: StreamableHTTPClientTransport })._transport.sessionId!;
    const third = await startTestServer(env, conformanceCapabilities());
    try {
      const res = await fetch(new URL('/mcp', third.baseUrl), {
        method: 'POST',
        headers: { ...MCP_HEADERS, 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 'lvl',
          method: 'tools/call',
          params: { name: 'test_tool_with_logging', arguments: {} },
        }),
      });
      const text = await res.text();
      expect(text).toContain('"id":"lvl"');
      expect(text).not.toContain('notifications/message');
    } finally {
      await third.close();
    }
    await client.close();
  });

  test('progress of a call reaches the client in order, whichever instance runs it', async () => {
    const client = await connectClient();
    const progress: number[] = [];
    const result = await client.callTool({ name: 'test_tool_with_progress', arguments: {} }, undefined, {
      onprogress: (p) => void progress.push(p.progress),
    });
    expect(result.isError).toBeFalsy();
    expect(progress.length).toBeGreaterThanOrEqual(3);
    expect([...progress].sort((a, b) => a - b)).toEqual(progress);
    await client.close();
  });

  test('a stream cut mid-call is resumed on the other instance with Last-Event-ID, nothing missed', async () => {
    const client = await connectClient();
    const sessionId = (client as unknown as { _transport: StreamableHTTPClientTransport })._transport.sessionId!;
    const headers = { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' };
    // Start a call by hand, read until its first progress event, then cut the connection.
    const res = await fetch(mcpUrl, {
      method: 'POST',
      headers: { ...MCP_HEADERS, ...headers },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 77,
        method: 'tools/call',
        params: { name: 'test_tool_with_progress', arguments: {}, _meta: { progressToken: 'p' } },
      }),
    });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const before = await readUntil(reader, (t) => t.includes('notifications/progress'), {
      what: 'the first progress event',
    });
    await reader.cancel();
    const ids = [...before.matchAll(/^id: (.+)$/gm)].map((m) => m[1]!);
    const seen = events(before);
    expect(seen.length).toBeGreaterThanOrEqual(1);

    // Resume from the last id received; the round-robin sends it to whichever instance is next.
    const resumed = await fetch(mcpUrl, {
      headers: { accept: 'text/event-stream', 'last-event-id': ids.at(-1)!, ...headers },
    });
    expect(resumed.status).toBe(200);
    const rest = events(await resumed.text()); // the stream ends after the answer
    const all = [...seen, ...rest];
    expect(all.filter((m) => m.method === 'notifications/progress').map((m) => m.params!.progress)).toEqual([
      0, 50, 100,
    ]);
    expect(all.filter((m) => m.id === 77)).toHaveLength(1);
    await client.close();
    // Observed in the proxy's record: the resuming GET was served by another instance than the call's POST.
    const [call] = proxy.carrying((m) => m.id === 77 && m.method === 'tools/call');
    const resumes = proxy.requests.filter((r) => r.method === 'GET' && r.headers['last-event-id'] === ids.at(-1));
    expect(resumes).toHaveLength(1);
    expect(resumes[0]!.target).not.toBe(call!.target);
  });

  function events(text: string) {
    return [...text.matchAll(/^data: (\{.+)$/gm)].map(
      (m) => JSON.parse(m[1]!) as { method?: string; id?: number; params?: { progress?: number }; result?: unknown },
    );
  }

  test('DELETE on one instance ends the session on both', async () => {
    const client = await connectClient();
    const transport = (client as unknown as { _transport: StreamableHTTPClientTransport })._transport;
    const sessionId = transport.sessionId!;
    await transport.terminateSession();
    for (let i = 0; i < 2; i++) {
      const res = await fetch(mcpUrl, {
        method: 'POST',
        headers: { ...MCP_HEADERS, 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
      });
      expect(res.status).toBe(404);
    }
    await client.close();
  });

  test('a request id already in flight in the session is refused (400), not left to steal the other answer', async () => {
    const client = await connectClient({ elicitation: {} });
    const sessionId = (client as unknown as { _transport: StreamableHTTPClientTransport })._transport.sessionId!;
    const headers = { ...MCP_HEADERS, 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' };
    // Both POSTs go to the same instance directly (not through the round-robin, whose order other requests can
    // shift), and the first call waits for the client's answer to its elicitation: certainly in flight.
    const instanceUrl = new URL('/mcp', instances[0]!.baseUrl);
    const call = JSON.stringify({
      jsonrpc: '2.0',
      id: 'dup',
      method: 'tools/call',
      params: { name: 'test_elicitation', arguments: { message: 'Who?' } },
    });
    const first = await fetch(instanceUrl, { method: 'POST', headers, body: call });
    expect(first.status).toBe(200);
    const reader = first.body!.getReader();
    const asked = await readUntil(reader, (t) => t.includes('elicitation/create'), { what: 'the elicitation request' });
    const elicitation = events(asked).find((m) => m.method === 'elicitation/create') as unknown as {
      id: string | number;
    };
    const second = await fetch(instanceUrl, { method: 'POST', headers, body: call });
    expect(second.status).toBe(400);
    expect(((await second.json()) as { error: { message: string } }).error.message).toMatch(
      /request id "dup" is already in use/,
    );
    // Answered, the first call completes on its own stream.
    const answer = {
      jsonrpc: '2.0',
      id: elicitation.id,
      result: { action: 'accept', content: { username: 'ada', email: 'ada@example.com' } },
    };
    expect((await fetch(instanceUrl, { method: 'POST', headers, body: JSON.stringify(answer) })).status).toBe(202);
    const rest = await readUntil(reader, (t) => t.includes('"id":"dup"'), {
      soFar: asked,
      what: "the first call's result",
    });
    await reader.cancel();
    expect(events(rest).find((m) => (m.id as unknown) === 'dup')).toMatchObject({
      result: { content: [{ type: 'text' }] },
    });
    await client.close();
  });

  test('an unknown session id is 404 on every instance', async () => {
    for (let i = 0; i < 2; i++) {
      const res = await fetch(mcpUrl, {
        method: 'POST',
        headers: { ...MCP_HEADERS, 'mcp-session-id': 'not-a-session', 'mcp-protocol-version': '2025-11-25' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
      });
      expect(res.status).toBe(404);
    }
  });

  test('legacy HTTP+SSE: POST /messages reaching the other instance is forwarded to the stream', async () => {
    const client = new Client({ name: 'legacy', version: '1.0.0' });
    await client.connect(new SSEClientTransport(new URL('/sse', mcpUrl)));
    for (let i = 0; i < 6; i++) {
      const result = await client.callTool({ name: 'test_simple_text', arguments: {} });
      expect(result.isError).toBeFalsy();
    }
    await client.close();
    // The messages went to both instances (round-robin), the stream to one.
    const posts = proxy.log.filter((l) => l.startsWith('POST /messages'));
    expect(new Set(posts.map((l) => l.split('→ ')[1])).size).toBe(2);
  });

  describe('sessions stay bound to their principal on every instance', () => {
    const alice = 'alice-token-0123456789';
    const mallory = 'mallory-token-0123456789';
    const carol = 'carol-token-0123456789ab';
    let secured: TestServer[] = [];
    let front: RoundRobinProxy;

    beforeAll(async () => {
      const port = await freePort();
      const env = {
        MCP_SESSION_MODE: 'stateful',
        REDIS_URL: redis.url,
        MCP_PUBLIC_URL: `http://127.0.0.1:${port}/mcp`,
        REDIS_CLUSTER_MODE: String(kind === 'cluster'),
        MCP_AUTH_MODE: 'token',
        MCP_BEARER_TOKENS: `${alice},${mallory},${carol}`,
        MCP_MAX_SESSIONS_PER_PRINCIPAL: '2',
      };
      secured = [await startTestServer(env), await startTestServer(env)];
      front = await startRoundRobinProxy(
        secured.map((i) => i.baseUrl),
        port,
      );
    });
    afterAll(async () => {
      await front?.close();
      for (const i of secured) await i.close();
    });

    test('another caller presenting the session id gets 404 wherever it lands; the owner is served', async () => {
      const url = new URL('/mcp', front.url);
      const client = new Client({ name: 'alice', version: '1.0.0' });
      const transport = new StreamableHTTPClientTransport(url, {
        requestInit: { headers: { authorization: `Bearer ${alice}` } },
      });
      await client.connect(transport);
      const call = (token: string) =>
        fetch(url, {
          method: 'POST',
          headers: {
            ...MCP_HEADERS,
            authorization: `Bearer ${token}`,
            'mcp-session-id': transport.sessionId!,
            'mcp-protocol-version': '2025-11-25',
          },
          body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
        });
      for (let i = 0; i < 2; i++) expect((await call(mallory)).status).toBe(404);
      for (let i = 0; i < 2; i++) expect((await call(alice)).status).toBe(200);
      await client.close();
    });

    test('the per-caller session cap holds across instances; ending a session frees a place', async () => {
      const url = new URL('/mcp', front.url);
      const open = (token: string) =>
        fetch(url, {
          method: 'POST',
          headers: { ...MCP_HEADERS, authorization: `Bearer ${token}` },
          body: JSON.stringify({
            jsonrpc: '2.0',
            id: 1,
            method: 'initialize',
            params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'c', version: '1' } },
          }),
        });
      const first = await open(carol); // instance A
      const second = await open(carol); // instance B
      expect([first.status, second.status]).toEqual([200, 200]);
      await Promise.all([first.body?.cancel(), second.body?.cancel()]);
      for (let i = 0; i < 2; i++) {
        const refused = await open(carol); // either instance: the count is shared
        expect(refused.status).toBe(503);
        expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
        expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(
          /Too many sessions for this caller/,
        );
      }
      const other = await open(mallory);
      expect(other.status).toBe(200);
      await other.body?.cancel();
      const ended = await fetch(url, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${carol}`, 'mcp-session-id': first.headers.get('mcp-session-id')! },
      });
      expect(ended.status).toBe(200);
      const again = await open(carol);
      expect(again.status).toBe(200);
      await again.body?.cancel();
    });
  });
});
