/**
 * Issue 17, points 2, 7 and 8, against the real app in every mode: a message the SDK would drop gets a prompt
 * 400 naming the field (not a 200 stream that never ends), and holds no drain slot; batches are capped and may
 * not use a request id twice — on /mcp in each session mode and on the legacy POST /messages.
 */
import { startRedis, type RedisServer } from '../helpers/redis';
import { MCP_HEADERS, initializeBody, startTestServer, type TestServer } from '../helpers/server';

jest.setTimeout(60_000);

const TASK = 'io.modelcontextprotocol/related-task';
const call = (id: unknown, extra: Record<string, unknown> = {}) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name: 'echo', arguments: { text: 'hi' }, ...extra },
});

/** Shapes the fast path used to accept and the SDK then dropped, with the field the refusal must name. */
const DROPPED: [string, unknown, string][] = [
  ['object progress token', call(11, { _meta: { progressToken: { a: 1 } } }), 'params._meta.progressToken'],
  ['null progress token', call(12, { _meta: { progressToken: null } }), 'params._meta.progressToken'],
  ['boolean progress token', call(13, { _meta: { progressToken: false } }), 'params._meta.progressToken'],
  ['id 1e308', call(1e308), 'id'],
  ['id beyond 2^53', call(2 ** 53 + 2), 'id'],
  ['unknown top-level member', { ...call(14), trace: 'x' }, 'trace'],
  ['related task without its id', call(15, { _meta: { [TASK]: { taskId: 5 } } }), `params._meta.${TASK}.taskId`],
  ['a batch with one bad member', [call(16), call(17, { _meta: { progressToken: [] } })], 'params._meta.progressToken'],
];

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(() => redis?.stop());

const MODES = [
  ['stateless', () => ({ MCP_SESSION_MODE: 'stateless' })],
  ['stateful (in memory)', () => ({ MCP_SESSION_MODE: 'stateful' })],
  ['stateful (clustered on Redis)', () => ({ MCP_SESSION_MODE: 'stateful', REDIS_URL: redis.url })],
] as const;

describe.each(MODES)('%s mode', (mode, env) => {
  let server: TestServer;
  let headers: Record<string, string>;
  beforeAll(async () => {
    server = await startTestServer(env());
    headers = { ...MCP_HEADERS, 'mcp-protocol-version': '2025-11-25' };
    if (mode !== 'stateless') headers['mcp-session-id'] = await openSession(server);
  });
  afterAll(() => server?.close());

  const post = (body: unknown) =>
    fetch(server.mcpUrl, { method: 'POST', headers, body: JSON.stringify(body), signal: AbortSignal.timeout(5000) });

  test.each(DROPPED)('%s: prompt 400 naming the field, no drain slot held', async (_name, body, field) => {
    const res = await post(body);
    expect(res.status).toBe(400);
    const answer = (await res.json()) as { error: { code: number; message: string } };
    expect(answer.error.message).toMatch(/Invalid JSON-RPC message/);
    expect(answer.error.message).toContain(`"${field}"`);
    await waitFor(() => server.mcp.drain.inFlightCount === 0);
    expect(server.mcp.drain.inFlightCount).toBe(0);
  });

  test('a request id used twice in one batch is refused, and the id stays usable', async () => {
    const res = await post([call(21), call(22), call(21)]);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/request id 21 appears twice/);
    // Nothing of the refused batch ran or holds the id: the same ids work right after.
    const again = await post([call(21), call(22)]);
    expect(again.status).toBe(200);
    const answers = sseMessages(await again.text()).filter((m) => 'result' in m);
    expect(answers.map((m) => m.id).sort()).toEqual([21, 22]);
    await waitFor(() => server.mcp.drain.inFlightCount === 0);
    expect(server.mcp.drain.inFlightCount).toBe(0);
  });

  test('a batch of 101 is refused, a batch of 100 is answered', async () => {
    const over = await post(Array.from({ length: 101 }, (_, i) => call(1000 + i)));
    expect(over.status).toBe(400);
    expect(((await over.json()) as { error: { message: string } }).error.message).toMatch(/100/);
    const full = await post(Array.from({ length: 100 }, (_, i) => call(2000 + i)));
    expect(full.status).toBe(200);
    expect(sseMessages(await full.text()).filter((m) => 'result' in m)).toHaveLength(100);
  });
});

describe('legacy POST /messages', () => {
  let server: TestServer;
  let messagesUrl: URL;
  let stream: ReadableStreamDefaultReader<Uint8Array>;
  const received: string[] = [];
  beforeAll(async () => {
    server = await startTestServer({ MCP_SESSION_MODE: 'stateful' });
    const res = await fetch(new URL('/sse', server.baseUrl), { headers: { accept: 'text/event-stream' } });
    stream = res.body!.getReader();
    void (async () => {
      for (;;) {
        const { value, done } = await stream.read();
        if (done) return;
        received.push(new TextDecoder().decode(value));
      }
    })().catch(() => undefined);
    await waitFor(() => received.join('').includes('sessionId='));
    messagesUrl = new URL(/data: (\S+)/.exec(received.join(''))![1]!, server.baseUrl);
    await send(initializeBody(0));
    await send({ jsonrpc: '2.0', method: 'notifications/initialized' });
  });
  afterAll(async () => {
    await stream?.cancel().catch(() => undefined);
    await server?.close();
  });

  const send = (body: unknown) =>
    fetch(messagesUrl, {
      method: 'POST',
      headers: MCP_HEADERS,
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(5000),
    });

  test('a batch over 100 messages is refused before any call starts', async () => {
    const res = await send(Array.from({ length: 101 }, (_, i) => call(100 + i)));
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe(
      'Invalid Request: Batch must not exceed 100 messages',
    );
    expect(server.mcp.drain.inFlightCount).toBe(0);
    const ok = await send(Array.from({ length: 100 }, (_, i) => call(300 + i)));
    expect(ok.status).toBe(202);
  });

  test('a request id used twice in one batch is refused', async () => {
    const res = await send([call(7), call(7)]);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/request id 7 appears twice/);
  });

  test('a malformed message is refused naming the field', async () => {
    const res = await send(call(8, { _meta: { progressToken: {} } }));
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain(
      '"params._meta.progressToken"',
    );
  });
});

async function openSession(server: TestServer): Promise<string> {
  const res = await fetch(server.mcpUrl, {
    method: 'POST',
    headers: MCP_HEADERS,
    body: JSON.stringify(initializeBody()),
  });
  expect(res.status).toBe(200);
  await res.text();
  const id = res.headers.get('mcp-session-id')!;
  const headers = { ...MCP_HEADERS, 'mcp-session-id': id, 'mcp-protocol-version': '2025-11-25' };
  const done = await fetch(server.mcpUrl, {
    method: 'POST',
    headers,
    body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
  });
  expect(done.status).toBe(202);
  return id;
}

function sseMessages(text: string): { id?: unknown; result?: unknown; error?: unknown }[] {
  return text
    .split('\n')
    .filter((l) => l.startsWith('data: '))
    .map((l) => l.slice(6))
    .filter((d) => d.startsWith('{'))
    .map((d) => JSON.parse(d));
}

async function waitFor(check: () => boolean, timeoutMs = 3000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
}
