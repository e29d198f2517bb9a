/**
 * The stream guard in-process, at its smallest bound (MCP_STREAM_BUFFER_BYTES=16384): an unread stream is ended and
 * counted (`McpApp.streams.endedUnread`) with the principal in the log; a slow reader still receives a single answer
 * larger than the bound, whole. Legacy `/messages` bounds echoed values like `/mcp`.
 */
import { connect } from 'node:net';
import { MCP_HEADERS, startTestServer, type TestServer } from '../helpers/server';
import { MAX_ECHOED_STRING_BYTES } from '../../server/mcp/echoedValues';
import { floodCapabilities } from './fixtures/floodServer';

const BOUND = 16 * 1024;

/** A POST on a raw socket that reads nothing until resumed. */
function rawPost(server: TestServer, extraHeaders: Record<string, string>, body: string) {
  const socket = connect(Number(new URL(server.baseUrl).port), '127.0.0.1');
  socket.pause();
  socket.on('error', () => undefined);
  const headers = {
    ...MCP_HEADERS,
    ...extraHeaders,
    host: new URL(server.baseUrl).host,
    'content-length': String(Buffer.byteLength(body)),
  };
  socket.write(
    `POST /mcp HTTP/1.1\r\n${Object.entries(headers)
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('')}\r\n${body}`,
  );
  return socket;
}

const call = (id: number, name: string, args: Record<string, unknown>) =>
  JSON.stringify({
    jsonrpc: '2.0',
    id,
    method: 'tools/call',
    params: { name, arguments: args, _meta: { progressToken: `t${id}` } },
  });

async function waitFor(condition: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.each(['stateless', 'stateful'] as const)('stream guard (%s)', (mode) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(
      { MCP_SESSION_MODE: mode, MCP_STREAM_BUFFER_BYTES: String(BOUND), MCP_DRAIN_SECONDS: '1' },
      floodCapabilities,
    );
  });
  afterAll(() => server.close());

  async function sessionHeaders(): Promise<Record<string, string>> {
    if (mode === 'stateless') return {};
    const init = await fetch(server.mcpUrl, {
      method: 'POST',
      headers: MCP_HEADERS,
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } },
      }),
    });
    await init.text();
    return { 'mcp-session-id': init.headers.get('mcp-session-id')!, 'mcp-protocol-version': '2025-11-25' };
  }

  test('an unread stream is ended once its unsent bytes pass the bound: counted, logged with the principal', async () => {
    const extra = await sessionHeaders();
    const before = server.mcp.streams.endedUnread;
    const socket = rawPost(server, extra, call(7, 'flood', { chunks: 2000 }));
    await waitFor(() => server.mcp.streams.endedUnread === before + 1, 20_000, 'the stream to be ended');
    const line = server.logs.find((l) => l.message === 'stream ended: the client is not reading')!;
    expect(line).toMatchObject({ principal: { subject: 'anonymous' }, path: '/mcp', limit: BOUND });
    expect(line.unsentBytes as number).toBeGreaterThan(BOUND);
    socket.destroy();
  });

  test('a slow reader still receives one answer larger than the bound, whole', async () => {
    const extra = await sessionHeaders();
    const before = server.mcp.streams.endedUnread;
    const text = 'y'.repeat(100_000);
    const socket = rawPost(server, extra, call(8, 'echo', { text }));
    // Nothing read for a while: the answer (6 × the bound) waits unsent.
    await new Promise((r) => setTimeout(r, 1000));
    let received = '';
    socket.on('data', (d) => (received += d));
    socket.resume();
    await waitFor(() => received.includes('"id":8'), 10_000, `the answer; received ${received.length} bytes`);
    expect(received).toContain(text);
    expect(received).toContain('"id":8');
    expect(server.mcp.streams.endedUnread).toBe(before);
    socket.destroy();
  });
});

test('legacy POST /messages refuses oversized echoed values too (400 naming the field)', async () => {
  const server = await startTestServer({ MCP_SESSION_MODE: 'stateless' });
  try {
    const res = await fetch(new URL('/messages?sessionId=any', server.baseUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: {
          name: 'countdown',
          arguments: { seconds: 5 },
          _meta: { progressToken: 'p'.repeat(MAX_ECHOED_STRING_BYTES + 1) },
        },
      }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe(
      `Invalid Request: params._meta.progressToken is longer than ${MAX_ECHOED_STRING_BYTES} bytes`,
    );
  } finally {
    await server.close();
  }
});
