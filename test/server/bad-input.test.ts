/** Every client mistake gets the right status and a JSON-RPC error body — never a 500 or a stack trace. */
import { MCP_HEADERS, initializeBody, startTestServer, type TestServer } from '../helpers/server';

const listTools = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' });

describe.each(['stateless', 'stateful'] as const)('bad input, %s mode', (mode) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ MCP_SESSION_MODE: mode, MCP_MAX_BODY_BYTES: '65536' });
  });
  afterAll(() => server.close());

  async function expectRpcError(res: Response, status: number, code?: number, message?: RegExp) {
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    const body = (await res.json()) as any;
    expect(body).toMatchObject({
      jsonrpc: '2.0',
      id: null,
      error: { code: expect.any(Number), message: expect.any(String) },
    });
    if (code !== undefined) expect(body.error.code).toBe(code);
    if (message) expect(body.error.message).toMatch(message);
    expect(JSON.stringify(body)).not.toMatch(/\bat \S+ \(|node_modules/);
  }

  test('malformed JSON → 400 / -32700', async () => {
    const res = await fetch(server.mcpUrl, {
      method: 'POST',
      headers: MCP_HEADERS,
      body: '{"jsonrpc": "2.0", "id": 1, "method": ',
    });
    await expectRpcError(res, 400, -32700, /Parse error/);
  });

  test('wrong Content-Type → 415', async () => {
    const res = await fetch(server.mcpUrl, {
      method: 'POST',
      headers: { ...MCP_HEADERS, 'content-type': 'text/plain' },
      body: JSON.stringify(initializeBody()),
    });
    await expectRpcError(res, 415, undefined, /Content-Type/);
  });

  test('Accept without text/event-stream → 406', async () => {
    const res = await fetch(server.mcpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(initializeBody()),
    });
    await expectRpcError(res, 406, undefined, /Not Acceptable/);
  });

  test('body over the limit → 413 naming MCP_MAX_BODY_BYTES', async () => {
    const huge = JSON.stringify({ ...initializeBody(), padding: 'x'.repeat(70_000) });
    const res = await fetch(server.mcpUrl, { method: 'POST', headers: MCP_HEADERS, body: huge });
    await expectRpcError(
      res,
      413,
      undefined,
      /^Payload too large: the request body exceeds 65536 bytes, the server's MCP_MAX_BODY_BYTES$/,
    );
  });

  test('Origin not allowed → 403, allowed Origin passes', async () => {
    const res = await fetch(server.mcpUrl, {
      method: 'POST',
      headers: { ...MCP_HEADERS, origin: 'https://evil.example' },
      body: JSON.stringify(initializeBody()),
    });
    await expectRpcError(res, 403, undefined, /Origin/);
    const ok = await fetch(server.mcpUrl, {
      method: 'POST',
      headers: { ...MCP_HEADERS, origin: server.mcpUrl.origin },
      body: JSON.stringify(initializeBody()),
    });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('access-control-allow-origin')).toBe(server.mcpUrl.origin);
    await ok.text();
  });

  test('a foreign Host on a loopback server → 403 (DNS rebinding)', async () => {
    // fetch cannot forge Host; node:http can.
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        server.mcpUrl,
        { method: 'POST', headers: { ...MCP_HEADERS, host: 'evil.example:80' } },
        (res) => {
          res.resume();
          resolve(res.statusCode!);
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify(initializeBody()));
    });
    expect(status).toBe(403);
  });

  test('unsupported MCP-Protocol-Version → 400', async () => {
    const headers: Record<string, string> = { ...MCP_HEADERS, 'mcp-protocol-version': '1999-01-01' };
    if (mode === 'stateful') {
      const init = await fetch(server.mcpUrl, {
        method: 'POST',
        headers: MCP_HEADERS,
        body: JSON.stringify(initializeBody()),
      });
      headers['mcp-session-id'] = init.headers.get('mcp-session-id')!;
      await init.text();
    }
    const res = await fetch(server.mcpUrl, { method: 'POST', headers, body: listTools });
    await expectRpcError(res, 400, undefined, /protocol version/i);
  });

  test('not a JSON-RPC message → 400', async () => {
    const res = await fetch(server.mcpUrl, {
      method: 'POST',
      headers: MCP_HEADERS,
      body: JSON.stringify({ hello: 'world' }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).jsonrpc).toBe('2.0');
  });

  test('CORS preflight allows the MCP headers and exposes the session id', async () => {
    const res = await fetch(server.mcpUrl, {
      method: 'OPTIONS',
      headers: {
        origin: server.mcpUrl.origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers':
          'content-type, authorization, mcp-protocol-version, mcp-session-id, last-event-id',
      },
    });
    expect(res.status).toBeLessThan(300);
    const allowed = res.headers.get('access-control-allow-headers')!.toLowerCase();
    for (const h of ['authorization', 'mcp-protocol-version', 'mcp-session-id', 'last-event-id'])
      expect(allowed).toContain(h);
    const post = await fetch(server.mcpUrl, {
      method: 'POST',
      headers: { ...MCP_HEADERS, origin: server.mcpUrl.origin },
      body: JSON.stringify(initializeBody()),
    });
    const exposed = post.headers.get('access-control-expose-headers')!.toLowerCase();
    expect(exposed).toContain('mcp-session-id');
    expect(exposed).toContain('www-authenticate');
    await post.text();
  });

  test('unknown path → 404 JSON', async () => {
    await expectRpcError(await fetch(new URL('/nope', server.baseUrl)), 404);
  });
});

test('stateless mode answers GET and DELETE with 405', async () => {
  const server = await startTestServer({ MCP_SESSION_MODE: 'stateless' });
  try {
    for (const method of ['GET', 'DELETE']) {
      const res = await fetch(server.mcpUrl, { method, headers: MCP_HEADERS });
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe('POST');
      expect(((await res.json()) as any).jsonrpc).toBe('2.0');
    }
  } finally {
    await server.close();
  }
});

test('request logs carry the MCP method and never a credential', async () => {
  const server = await startTestServer();
  try {
    const secret = 'sk-live-do-not-log-0123456789';
    const res = await fetch(server.mcpUrl, {
      method: 'POST',
      headers: { ...MCP_HEADERS, authorization: `Bearer ${secret}` },
      body: JSON.stringify(initializeBody()),
    });
    await res.text();
    await fetch(new URL(`/mcp?access_token=${secret}`, server.baseUrl), {
      method: 'POST',
      headers: MCP_HEADERS,
      body: '{',
    });
    await new Promise((r) => setTimeout(r, 100));
    const line = server.logs.find((l) => l.mcpMethod === 'initialize');
    expect(line).toMatchObject({ severity: 'INFO', req: { method: 'POST', path: '/mcp' }, res: { status: 200 } });
    expect(typeof line!.responseTime).toBe('number');
    expect(server.rawLogs()).not.toContain(secret);
  } finally {
    await server.close();
  }
});
