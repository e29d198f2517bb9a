/** Old clients: the SDK's SSEClientTransport (protocol 2024-11-05) against GET /sse + POST /messages. */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { CallToolResultSchema, type Progress } from '@modelcontextprotocol/sdk/types.js';
import { MCP_HEADERS, startTestServer, type TestServer } from '../helpers/server';
import { readUntil } from '../helpers/sse';
import { waitFor } from '../helpers/wait';

describe.each(['stateless', 'stateful'] as const)('legacy HTTP+SSE, %s mode', (mode) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ MCP_SESSION_MODE: mode });
  });
  afterAll(() => server.close());

  test('lists and calls tools, with progress', async () => {
    const client = new Client({ name: 'legacy', version: '1.0.0' });
    await client.connect(new SSEClientTransport(new URL('/sse', server.baseUrl)));
    const tools = await client.listTools();
    expect(tools.tools.map((t) => t.name)).toContain('countdown');
    const echo = await client.callTool({ name: 'echo', arguments: { text: 'old but gold' } });
    expect(echo.content).toEqual([{ type: 'text', text: 'old but gold' }]);
    const progress: Progress[] = [];
    const done = await client.callTool({ name: 'countdown', arguments: { seconds: 2 } }, CallToolResultSchema, {
      onprogress: (p) => progress.push(p),
    });
    expect(done.content).toEqual([{ type: 'text', text: 'Countdown of 2 s finished.' }]);
    // The server writes both progress events before the result (checked on the raw stream below); the SDK's SSE
    // client may resolve the call before dispatching the last notification, so only the first is asserted here.
    expect(progress[0]).toMatchObject({ progress: 1, total: 2 });
    expect(server.mcp.sessions.size).toBe(1);
    await client.close();
    await waitFor(() => server.mcp.sessions.size === 0, 2000, 'the session ended after the client closed');
  });

  test('POST /messages: unknown session 404, missing session 400, bad body 400', async () => {
    const unknown = await fetch(new URL('/messages?sessionId=nope', server.baseUrl), {
      method: 'POST',
      headers: MCP_HEADERS,
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as any).error.code).toBe(-32001);
    const missing = await fetch(new URL('/messages', server.baseUrl), {
      method: 'POST',
      headers: MCP_HEADERS,
      body: '{}',
    });
    expect(missing.status).toBe(400);

    // Open a real stream to get a session id, then send garbage to it.
    const controller = new AbortController();
    const stream = await fetch(new URL('/sse', server.baseUrl), {
      headers: { accept: 'text/event-stream' },
      signal: controller.signal,
    });
    expect(stream.headers.get('x-accel-buffering')).toBe('no');
    const reader = stream.body!.getReader();
    let text = await readUntil(reader, (t) => t.includes('sessionId='), { what: 'the endpoint event' });
    const endpoint = /data: (\S+)/.exec(text)![1]!;
    const bad = await fetch(new URL(endpoint, server.baseUrl), {
      method: 'POST',
      headers: MCP_HEADERS,
      body: JSON.stringify({ hi: 1 }),
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as any).jsonrpc).toBe('2.0');
    const malformed = await fetch(new URL(endpoint, server.baseUrl), {
      method: 'POST',
      headers: MCP_HEADERS,
      body: '{"x":',
    });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as any).error.code).toBe(-32700);

    // On the raw stream, a countdown's progress events arrive in order and before its result.
    const send = (body: object) =>
      fetch(new URL(endpoint, server.baseUrl), { method: 'POST', headers: MCP_HEADERS, body: JSON.stringify(body) });
    await send({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2024-11-05', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
    });
    await send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    const accepted = await send({
      jsonrpc: '2.0',
      id: 2,
      method: 'tools/call',
      params: { name: 'countdown', arguments: { seconds: 2 }, _meta: { progressToken: 't' } },
    });
    expect(accepted.status).toBe(202);
    text = await readUntil(reader, (t) => t.includes('"id":2'), { soFar: text, what: "the countdown's result" });
    const order = [...text.matchAll(/"progress":(\d)|"id":2/g)].map((m) => m[1] ?? 'result');
    expect(order).toEqual(['1', '2', 'result']);
    controller.abort();
  });
});
