/**
 * Drain and `subscriptions/listen`: an open listen stream does not hold up the drain (it is not a call); it is
 * closed at once with a retry hint, and a new listen is refused (503) while draining.
 */
import { startTestServer } from '../helpers/server';
import { listenRequest, MODERN } from './helpers';

jest.setTimeout(60_000);

const { headers, body: listenBody } = listenRequest('listen-1');

test('drain closes an open listen stream with a retry hint, without waiting for the deadline', async () => {
  const server = await startTestServer({ MCP_DRAIN_SECONDS: '20', MCP_KEEPALIVE_SECONDS: '60' });
  const res = await fetch(server.mcpUrl, { method: 'POST', headers, body: listenBody });
  expect(res.status).toBe(200);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = decoder.decode((await reader.read()).value);
  expect(text).toContain('notifications/subscriptions/acknowledged');

  const started = Date.now();
  const drained = server.mcp.shutdown();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    text += decoder.decode(value);
  }
  expect(text).toMatch(/retry: 2000\n\n$/);
  expect(await drained).toBe(true);
  expect(Date.now() - started).toBeLessThan(10_000);
});

test('a new listen while draining is refused with 503 and Retry-After', async () => {
  const server = await startTestServer({ MCP_DRAIN_SECONDS: '3' });
  const blocker = fetch(server.mcpUrl, {
    method: 'POST',
    headers: { ...headers, 'mcp-method': 'tools/call', 'mcp-name': 'countdown' },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: {
        name: 'countdown',
        arguments: { seconds: 2 },
        _meta: { 'io.modelcontextprotocol/protocolVersion': MODERN, 'io.modelcontextprotocol/clientCapabilities': {} },
      },
    }),
  }).then((r) => r.text());
  await new Promise((r) => setTimeout(r, 300));
  const drained = server.mcp.shutdown();
  const refused = await fetch(server.mcpUrl, { method: 'POST', headers, body: listenBody });
  expect(refused.status).toBe(503);
  expect(refused.headers.get('retry-after')).toBeTruthy();
  await blocker;
  await drained;
});
