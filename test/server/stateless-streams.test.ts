/** The shared stateless path: live streams for slow calls, keep-alives, and clients whose request ids collide. */
import { MCP_HEADERS, parseSse, startTestServer, type TestServer } from '../helpers/server';
import { waitFor } from '../helpers/wait';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ MCP_SESSION_MODE: 'stateless', MCP_KEEPALIVE_SECONDS: '1' });
});
afterAll(() => server.close());

const call = (id: number | string, name: string, args: object) =>
  JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } });

test('a slow call shows a live stream at once and keeps it alive while silent', async () => {
  const started = Date.now();
  const res = await fetch(server.mcpUrl, {
    method: 'POST',
    headers: MCP_HEADERS,
    body: call(1, 'countdown', { seconds: 3 }),
  });
  // Headers arrive long before the answer.
  expect(Date.now() - started).toBeLessThan(1000);
  expect(res.headers.get('content-type')).toBe('text/event-stream');
  const text = await res.text();
  expect(Date.now() - started).toBeGreaterThanOrEqual(2900);
  expect((text.match(/^: keepalive$/gm) ?? []).length).toBeGreaterThanOrEqual(2);
  const events = parseSse(text).map((e) => JSON.parse(e.data));
  expect(events).toEqual([
    { jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text: 'Countdown of 3 s finished.' }] } },
  ]);
});

test('concurrent clients using the same request id each get their own answer', async () => {
  const answers = await Promise.all(
    Array.from({ length: 30 }, async (_, i) => {
      const res = await fetch(server.mcpUrl, {
        method: 'POST',
        headers: MCP_HEADERS,
        body: call(1, 'echo', { text: `client ${i}` }),
      });
      return parseSse(await res.text()).map((e) => JSON.parse(e.data));
    }),
  );
  answers.forEach((events, i) => {
    expect(events).toEqual([{ jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text: `client ${i}` }] } }]);
  });
});

test('a batch is answered in one stream, each response under its own id', async () => {
  const body = JSON.stringify([
    { jsonrpc: '2.0', id: 'a', method: 'tools/call', params: { name: 'echo', arguments: { text: 'first' } } },
    { jsonrpc: '2.0', id: 'b', method: 'tools/list' },
    { jsonrpc: '2.0', method: 'notifications/initialized' },
  ]);
  const res = await fetch(server.mcpUrl, {
    method: 'POST',
    headers: { ...MCP_HEADERS, 'mcp-protocol-version': '2025-06-18' },
    body,
  });
  const events = parseSse(await res.text()).map((e) => JSON.parse(e.data));
  expect(events.map((e) => e.id).sort()).toEqual(['a', 'b']);
  expect(events.find((e) => e.id === 'a').result.content[0].text).toBe('first');
  expect(events.find((e) => e.id === 'b').result.tools.length).toBe(4); // echo, whoami, countdown, confirm
});

test('notifications alone are accepted with 202 and no body', async () => {
  const res = await fetch(server.mcpUrl, {
    method: 'POST',
    headers: MCP_HEADERS,
    body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
  });
  expect(res.status).toBe(202);
  expect(await res.text()).toBe('');
});

test('a client that leaves mid-call no longer counts as in flight', async () => {
  const controller = new AbortController();
  const res = await fetch(server.mcpUrl, {
    method: 'POST',
    headers: MCP_HEADERS,
    body: call(5, 'countdown', { seconds: 30 }),
    signal: controller.signal,
  });
  expect(res.status).toBe(200);
  await waitFor(() => server.mcp.drain.inFlightCount === 1, 2000, 'the call in flight');
  controller.abort();
  await waitFor(() => server.mcp.drain.inFlightCount === 0, 2000, 'the abandoned call left the drain count');
});
