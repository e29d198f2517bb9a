/**
 * 2026-07-28 error answers on the shared MCP endpoint, and the endpoint's guards applying to modern requests too
 * (Origin, 415, 413, auth). Every revision served is listed in -32022; the trace id reaches the request's log line.
 */
import { SERVED_PROTOCOL_VERSIONS } from '../../server/modern/versions';
import { startTestServer, type TestServer } from '../helpers/server';
import { MODERN, modernPost } from './helpers';

jest.setTimeout(60_000);

const TOKEN = 'errors-token-0123456789abcdef';
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ MCP_AUTH_MODE: 'token', MCP_BEARER_TOKENS: TOKEN, MCP_MAX_BODY_BYTES: '4096' });
});
afterAll(async () => server?.close());

test('header and body disagree → 400 / -32020', async () => {
  const answer = await modernPost(server.mcpUrl, {
    method: 'tools/call',
    token: TOKEN,
    params: { name: 'echo', arguments: { text: 'x' } },
    headers: { 'mcp-name': 'whoami' },
  });
  expect(answer.status).toBe(400);
  expect(answer.body.error?.code).toBe(-32020);
});

test('unsupported version → 400 / -32022 listing every revision this server serves', async () => {
  const answer = await modernPost(server.mcpUrl, {
    method: 'tools/list',
    token: TOKEN,
    meta: { 'io.modelcontextprotocol/protocolVersion': '2099-01-01' },
    headers: { 'mcp-protocol-version': '2099-01-01' },
  });
  expect(answer.status).toBe(400);
  expect(answer.body.error?.code).toBe(-32022);
  expect(answer.body.error?.data).toEqual({ supported: [...SERVED_PROTOCOL_VERSIONS], requested: '2099-01-01' });
  expect(answer.body.error?.data?.supported).toEqual(
    expect.arrayContaining([MODERN, '2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05']),
  );
});

test.each(['ping', 'logging/setLevel'])('removed method %s sent with the envelope → 404 / -32601', async (method) => {
  const answer = await modernPost(server.mcpUrl, {
    method,
    token: TOKEN,
    params: method === 'ping' ? {} : { level: 'debug' },
  });
  expect(answer.status).toBe(404);
  expect(answer.body.error?.code).toBe(-32601);
});

test('unknown resource → -32602 with data.uri', async () => {
  const answer = await modernPost(server.mcpUrl, {
    method: 'resources/read',
    token: TOKEN,
    params: { uri: 'server://nope' },
  });
  expect(answer.body.error).toMatchObject({ code: -32602, data: { uri: 'server://nope' } });
});

test('a traceparent (from _meta, else the HTTP header) is the trace id of the request log line', async () => {
  const fromMeta = '0af7651916cd43dd8448eb211c80319c';
  const fromHeader = '4bf92f3577b34da6a3ce929d0e0e4736';
  const before = server.logs.length;
  await modernPost(server.mcpUrl, {
    method: 'tools/list',
    token: TOKEN,
    meta: { traceparent: `00-${fromMeta}-b7ad6b7169203331-01` },
  });
  await modernPost(server.mcpUrl, {
    method: 'tools/list',
    token: TOKEN,
    headers: { traceparent: `00-${fromHeader}-00f067aa0ba902b7-01` },
  });
  await modernPost(server.mcpUrl, {
    method: 'tools/list',
    token: TOKEN,
    headers: { traceparent: 'not-a-traceparent' },
  });
  const lines = server.logs.slice(before).filter((l) => l.mcpMethod === 'tools/list');
  expect(lines.map((l) => l.traceId)).toEqual([fromMeta, fromHeader, undefined]);
});

describe('the endpoint guards apply to 2026-07-28 requests too', () => {
  const body = JSON.stringify({
    jsonrpc: '2.0',
    id: 1,
    method: 'tools/list',
    params: {
      _meta: { 'io.modelcontextprotocol/protocolVersion': MODERN, 'io.modelcontextprotocol/clientCapabilities': {} },
    },
  });
  const headers = {
    accept: 'application/json, text/event-stream',
    'mcp-protocol-version': MODERN,
    'mcp-method': 'tools/list',
  };

  test('no token → 401 with a challenge', async () => {
    const res = await fetch(server.mcpUrl, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body,
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });

  test('foreign Origin → 403', async () => {
    const res = await fetch(server.mcpUrl, {
      method: 'POST',
      headers: {
        ...headers,
        'content-type': 'application/json',
        authorization: `Bearer ${TOKEN}`,
        origin: 'https://evil.example',
      },
      body,
    });
    expect(res.status).toBe(403);
  });

  test('non-JSON body → 415; too large → 413', async () => {
    const auth = { authorization: `Bearer ${TOKEN}` };
    const plain = await fetch(server.mcpUrl, {
      method: 'POST',
      headers: { ...headers, ...auth, 'content-type': 'text/plain' },
      body,
    });
    expect(plain.status).toBe(415);
    const big = body.replace('"params":{', `"params":{"padding":"${'x'.repeat(5000)}",`);
    const large = await fetch(server.mcpUrl, {
      method: 'POST',
      headers: { ...headers, ...auth, 'content-type': 'application/json' },
      body: big,
    });
    expect(large.status).toBe(413);
  });
});
