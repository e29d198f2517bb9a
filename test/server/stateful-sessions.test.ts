/** Stateful mode over raw HTTP: sessions, resumability with Last-Event-ID, DELETE, expiry and the session cap. */
import { MCP_HEADERS, initializeBody, parseSse, startTestServer, type TestServer } from '../helpers/server';
import { readUntil } from '../helpers/sse';
import { waitFor } from '../helpers/wait';

async function initialize(server: TestServer): Promise<string> {
  const res = await fetch(server.mcpUrl, {
    method: 'POST',
    headers: MCP_HEADERS,
    body: JSON.stringify(initializeBody()),
  });
  expect(res.status).toBe(200);
  const id = res.headers.get('mcp-session-id');
  expect(id).toMatch(/^[0-9a-f-]{36}$/);
  await res.text();
  await fetch(server.mcpUrl, {
    method: 'POST',
    headers: { ...MCP_HEADERS, 'mcp-session-id': id!, 'mcp-protocol-version': '2025-11-25' },
    body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
  });
  return id!;
}

const sessionHeaders = (id: string) => ({ ...MCP_HEADERS, 'mcp-session-id': id, 'mcp-protocol-version': '2025-11-25' });

/**
 * Starts a countdown in the session, reads its stream until `progressEvents` progress notifications arrived, then
 * drops the connection as a client cut off by a load balancer would. Returns what was read.
 */
async function countdownThenDrop(
  server: TestServer,
  session: string,
  requestId: number,
  seconds: number,
  progressEvents: number,
) {
  const controller = new AbortController();
  const res = await fetch(server.mcpUrl, {
    method: 'POST',
    headers: sessionHeaders(session),
    signal: controller.signal,
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: requestId,
      method: 'tools/call',
      params: { name: 'countdown', arguments: { seconds }, _meta: { progressToken: `p${requestId}` } },
    }),
  });
  const reader = res.body!.getReader();
  const text = await readUntil(reader, (t) => (t.match(/notifications\/progress/g) ?? []).length >= progressEvents, {
    what: `${progressEvents} progress events`,
  });
  controller.abort();
  const events = parseSse(text);
  return { res, events, lastId: events.filter((e) => e.data).pop()!.id!, retry: events[0]!.retry! };
}

describe('stateful sessions', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ MCP_SESSION_MODE: 'stateful' });
  });
  afterAll(() => server.close());

  test('a dropped stream resumes with Last-Event-ID and loses no event', async () => {
    const id = await initialize(server);
    const { res, events, lastId, retry } = await countdownThenDrop(server, id, 7, 4, 2);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    expect(res.headers.get('x-accel-buffering')).toBe('no');
    const before = events.filter((e) => e.data);
    expect(lastId).toBeTruthy();
    // The priming event told the client how soon to reconnect; a client waits that long, as this one does.
    expect(retry).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, retry));

    const again = new AbortController();
    const resumed = await fetch(server.mcpUrl, {
      method: 'GET',
      headers: { ...sessionHeaders(id), 'last-event-id': lastId },
      signal: again.signal,
    });
    expect(resumed.status).toBe(200);
    // Like a client, read until the call's response arrives, then let the stream go.
    const resumedReader = resumed.body!.getReader();
    const resumedText = await readUntil(resumedReader, (t) => /"id":7/.test(t), {
      what: "the resumed call's response",
    });
    again.abort();
    const after = parseSse(resumedText).filter((e) => e.data);
    const all = [...before, ...after].map((e) => JSON.parse(e.data));
    const progress = all.filter((m) => m.method === 'notifications/progress').map((m) => m.params.progress);
    expect(progress).toEqual([1, 2, 3, 4]);
    expect(all[all.length - 1]).toMatchObject({ id: 7, result: { content: [{ text: 'Countdown of 4 s finished.' }] } });
  });

  test('a resumed call stream counts as in flight (the drain waits for it)', async () => {
    const id = await initialize(server);
    const { lastId, retry } = await countdownThenDrop(server, id, 8, 10, 1);
    await new Promise((r) => setTimeout(r, retry));
    expect(server.mcp.drain.inFlightCount).toBe(0);
    const again = new AbortController();
    const resumed = await fetch(server.mcpUrl, {
      method: 'GET',
      headers: { ...sessionHeaders(id), 'last-event-id': lastId },
      signal: again.signal,
    });
    expect(resumed.status).toBe(200);
    expect(server.mcp.drain.inFlightCount).toBe(1);
    again.abort();
    await waitFor(() => server.mcp.drain.inFlightCount === 0, 2000, 'the resumed stream left the drain count');
  });

  test('DELETE ends a session; then the session id gets 404', async () => {
    const id = await initialize(server);
    const del = await fetch(server.mcpUrl, { method: 'DELETE', headers: sessionHeaders(id) });
    expect(del.status).toBe(200);
    const after = await fetch(server.mcpUrl, {
      method: 'POST',
      headers: sessionHeaders(id),
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
    });
    expect(after.status).toBe(404);
    expect((await after.json()) as any).toMatchObject({
      jsonrpc: '2.0',
      error: { code: -32001, message: 'Session not found' },
    });
  });

  test('an unknown session id gets 404, a missing one 400', async () => {
    const unknown = await fetch(server.mcpUrl, {
      method: 'POST',
      headers: sessionHeaders('00000000-0000-0000-0000-000000000000'),
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
    });
    expect(unknown.status).toBe(404);
    const missing = await fetch(server.mcpUrl, {
      method: 'POST',
      headers: MCP_HEADERS,
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
    });
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as any).error.message).toMatch(/Mcp-Session-Id/);
  });

  test('a GET stream receives keep-alive comments', async () => {
    const keepAliveServer = await startTestServer({ MCP_SESSION_MODE: 'stateful', MCP_KEEPALIVE_SECONDS: '1' });
    try {
      const id = await initialize(keepAliveServer);
      const controller = new AbortController();
      const res = await fetch(keepAliveServer.mcpUrl, {
        method: 'GET',
        headers: sessionHeaders(id),
        signal: controller.signal,
      });
      expect(res.status).toBe(200);
      const reader = res.body!.getReader();
      let text = '';
      const started = Date.now();
      while (!text.includes(': keepalive') && Date.now() - started < 5000) {
        text += new TextDecoder().decode((await reader.read()).value);
      }
      controller.abort();
      expect(text).toMatch(/^: keepalive/m);
    } finally {
      await keepAliveServer.close();
    }
  });
});

test('sessions past the cap get 503 with Retry-After', async () => {
  const server = await startTestServer({ MCP_SESSION_MODE: 'stateful', MCP_MAX_SESSIONS: '2' });
  try {
    await initialize(server);
    await initialize(server);
    const third = await fetch(server.mcpUrl, {
      method: 'POST',
      headers: MCP_HEADERS,
      body: JSON.stringify(initializeBody()),
    });
    expect(third.status).toBe(503);
    expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await third.json()) as any).error.message).toMatch(/Too many sessions/);
  } finally {
    await server.close();
  }
});

test('idle sessions expire', async () => {
  const server = await startTestServer({ MCP_SESSION_MODE: 'stateful', MCP_SESSION_IDLE_SECONDS: '1' });
  try {
    const id = await initialize(server);
    expect(server.mcp.sessions.size).toBe(1);
    // Idle 1 s, swept every second: gone within ~2 s; the bound leaves room for a loaded machine.
    await waitFor(() => server.mcp.sessions.size === 0, 5000, 'the idle session expired', 50);
    const res = await fetch(server.mcpUrl, {
      method: 'POST',
      headers: sessionHeaders(id),
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
    });
    expect(res.status).toBe(404);
    expect(server.mcp.sessions.size).toBe(0);
  } finally {
    await server.close();
  }
});

test('one caller cannot take every session: a per-principal cap, others still served', async () => {
  const tokens = ['alice-token-0123456789abcdef', 'bob-token-0123456789abcdefgh'];
  const server = await startTestServer({
    MCP_SESSION_MODE: 'stateful',
    MCP_AUTH_MODE: 'token',
    MCP_BEARER_TOKENS: tokens.join(','),
    MCP_MAX_SESSIONS_PER_PRINCIPAL: '2',
  });
  const open = (token: string) =>
    fetch(server.mcpUrl, {
      method: 'POST',
      headers: { ...MCP_HEADERS, authorization: `Bearer ${token}` },
      body: JSON.stringify(initializeBody()),
    });
  try {
    for (let i = 0; i < 2; i++) {
      const ok = await open(tokens[0]!);
      expect(ok.status).toBe(200);
      await ok.text();
    }
    const refused = await open(tokens[0]!);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBeTruthy();
    expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(/this caller/);
    const other = await open(tokens[1]!);
    expect(other.status).toBe(200);
    await other.text();
    expect(server.mcp.sessions.size).toBe(3);
  } finally {
    await server.close();
  }
});

describe('request ids in flight', () => {
  test('a request id still in flight in the session is refused (400) instead of hanging one of the two calls', async () => {
    const server = await startTestServer({ MCP_SESSION_MODE: 'stateful' });
    try {
      const init = await fetch(server.mcpUrl, {
        method: 'POST',
        headers: MCP_HEADERS,
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 0,
          method: 'initialize',
          params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } },
        }),
      });
      await init.text();
      const headers = {
        ...MCP_HEADERS,
        'mcp-session-id': init.headers.get('mcp-session-id')!,
        'mcp-protocol-version': '2025-11-25',
      };
      const call = JSON.stringify({
        jsonrpc: '2.0',
        id: 7,
        method: 'tools/call',
        params: { name: 'countdown', arguments: { seconds: 1 } },
      });
      const first = fetch(server.mcpUrl, { method: 'POST', headers, body: call });
      await waitFor(() => server.mcp.drain.inFlightCount === 1, 2000, 'the first call in flight');
      const second = await fetch(server.mcpUrl, { method: 'POST', headers, body: call });
      expect(second.status).toBe(400);
      expect(((await second.json()) as { error: { message: string } }).error.message).toMatch(
        /request id 7 is already in use/,
      );
      expect(await (await first).text()).toContain('"id":7');
      // Answered: the id is free again.
      const again = await fetch(server.mcpUrl, {
        method: 'POST',
        headers,
        body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/list' }),
      });
      expect(again.status).toBe(200);
      expect(await again.text()).toContain('"id":7');
    } finally {
      await server.close();
    }
  });
});
