/**
 * Issue 17, point 9: the access log redacts credentials in the query string by their decoded name, and bounds
 * every client-supplied string it writes — a 4 MB method name (refused with 401) must not make a 4 MB log line.
 */
import { mcpMethodOf, safeUrl } from '../../server/http/requestLog';
import { MCP_HEADERS, startTestServer, type TestServer } from '../helpers/server';

const TOKEN = 'a-valid-static-token-0123456789';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({
    MCP_AUTH_MODE: 'token',
    MCP_BEARER_TOKENS: TOKEN,
    MCP_MAX_BODY_BYTES: String(8 * 1024 * 1024),
  });
});
afterAll(() => server?.close());

/** Query strings that carry a credential under a spelling the server's parsers read as the sensitive name. */
const SPELLINGS = [
  'access%5Ftoken',
  'ACCESS_TOKEN',
  'Access%5fToken',
  '%61ccess_token',
  'access_token',
  'token',
  'client%5Fsecret',
  'refresh_token',
  'id%5ftoken',
  'code',
  'code_verifier',
  'password',
  'api%5Fkey',
  'x+token',
];

test.each(SPELLINGS)('?%s=<secret> is redacted in the access log', async (name) => {
  const secret = `s3cret-${name.replace(/\W/g, '')}-${Math.random().toString(36).slice(2)}`;
  const res = await fetch(new URL(`/mcp?keep=1&${name}=${secret}&after=2`, server.baseUrl), {
    method: 'POST',
    headers: MCP_HEADERS,
    body: '{}',
  });
  await res.arrayBuffer();
  await waitFor(() => server.rawLogs().includes('keep=1'));
  const logs = server.rawLogs();
  expect(logs).not.toContain(secret);
  expect(logs).toContain(`${name}=[redacted]&after=2`);
});

test('safeUrl keeps ordinary parameters and bounds the URL', () => {
  expect(safeUrl('/messages?sessionId=abc&code=123&cursor=x')).toBe('/messages?sessionId=abc&code=[redacted]&cursor=x');
  expect(safeUrl('/mcp')).toBe('/mcp');
  expect(safeUrl(`/mcp?q=${'x'.repeat(20_000)}`)!.length).toBeLessThan(1100);
  // A malformed escape neither throws nor hides a credential behind it.
  expect(safeUrl('/mcp?%E0%A4%A=1&token=abc')).toBe('/mcp?%E0%A4%A=1&token=[redacted]');
});

test('a 4 MB method name refused with 401 makes a short log line', async () => {
  const method = 'm'.repeat(4 * 1024 * 1024);
  const res = await fetch(server.mcpUrl, {
    method: 'POST',
    headers: MCP_HEADERS,
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method }),
  });
  expect(res.status).toBe(401);
  await res.arrayBuffer();
  const logged = () => server.logs.find((l) => String(l.mcpMethod).startsWith('mmm'));
  await waitFor(() => logged() !== undefined);
  expect(logged()).toMatchObject({ res: { status: 401 }, mcpMethod: `${'m'.repeat(100)}…[4194204 more]` });
  const longest = Math.max(
    ...server
      .rawLogs()
      .split('\n')
      .map((l) => l.length),
  );
  expect(longest).toBeLessThan(4096);
});

test('a batch lists its first methods and counts the rest; a long session id is bounded', () => {
  const batch = Array.from({ length: 100 }, (_, i) => ({ jsonrpc: '2.0', id: i, method: `${'x'.repeat(500)}${i}` }));
  const logged = mcpMethodOf(batch)!;
  expect(logged.length).toBeLessThan(1500);
  expect(logged).toMatch(/…\(90 more\)$/);
  expect(mcpMethodOf({ method: 'tools/call' })).toBe('tools/call');
});

test('a long Mcp-Session-Id header is bounded in the access log', async () => {
  const res = await fetch(server.mcpUrl, {
    method: 'POST',
    headers: { ...MCP_HEADERS, authorization: `Bearer ${TOKEN}`, 'mcp-session-id': 's'.repeat(8000) },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
  });
  await res.arrayBuffer();
  await waitFor(() => server.logs.some((l) => typeof l.session === 'string' && l.session.startsWith('sss')));
  const line = server.logs.find((l) => typeof l.session === 'string' && l.session.startsWith('sss'))!;
  expect((line.session as string).length).toBeLessThan(200);
});

async function waitFor(check: () => boolean, timeoutMs = 3000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
}
