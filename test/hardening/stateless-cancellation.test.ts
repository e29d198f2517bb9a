/**
 * Issue 17, point 11: in stateless mode a `notifications/cancelled` reaches only calls of the same principal from
 * the same client address. Another caller (here: `none` mode, and a shared static token) sending the victim's id
 * from another address does not stop the victim's call; the SDK client's own cancellation still does.
 * The "other address" is a second loopback address (127.0.0.2), the same host as any other on Linux.
 */
import { request, type IncomingMessage } from 'node:http';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { MCP_HEADERS, startTestServer, type TestServer } from '../helpers/server';

jest.setTimeout(40_000);

const TOKEN = 'shared-static-token-0123456789';

describe.each([
  ['none', {}, {}],
  ['a shared static token', { MCP_AUTH_MODE: 'token', MCP_BEARER_TOKENS: TOKEN }, { authorization: `Bearer ${TOKEN}` }],
] as const)('auth: %s', (_name, env, auth) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ MCP_SESSION_MODE: 'stateless', ...env });
  });
  afterAll(() => server?.close());

  const post = (body: unknown, localAddress: string) =>
    new Promise<IncomingMessage>((resolve, reject) => {
      const req = request(server.mcpUrl, {
        method: 'POST',
        localAddress,
        headers: { ...MCP_HEADERS, ...auth, 'mcp-protocol-version': '2025-11-25' },
      });
      req.once('response', resolve).once('error', reject);
      req.end(JSON.stringify(body));
    });
  const cancel = (requestId: number, localAddress: string) =>
    post(
      { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId, reason: 'test' } },
      localAddress,
    ).then((res) => {
      res.resume();
      return res.statusCode;
    });

  test("another address cannot cancel a call by its id; the caller's own address can", async () => {
    const call = await post(
      {
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'countdown', arguments: { seconds: 20 }, _meta: { progressToken: 'victim' } },
      },
      '127.0.0.1',
    );
    expect(call.statusCode).toBe(200);
    let text = '';
    let ended = false;
    call
      .setEncoding('utf8')
      .on('data', (chunk: string) => (text += chunk))
      .once('end', () => (ended = true));
    await waitFor(() => text.includes('notifications/progress'), 5000);

    // The attacker: same principal, the victim's id, another address.
    expect(await cancel(1, '127.0.0.2')).toBe(202);
    const progressBefore = count(text, 'notifications/progress');
    await waitFor(() => count(text, 'notifications/progress') >= progressBefore + 2, 5000);
    expect(count(text, 'notifications/progress')).toBeGreaterThanOrEqual(progressBefore + 2);
    expect(ended).toBe(false);
    expect(server.mcp.drain.inFlightCount).toBe(1);

    // The caller itself, on a new connection (the call's own is busy streaming): the call stops.
    expect(await cancel(1, '127.0.0.1')).toBe(202);
    await waitFor(() => ended, 5000);
    expect(ended).toBe(true);
    expect(text).not.toContain('finished');
    await waitFor(() => server.mcp.drain.inFlightCount === 0);
    expect(server.mcp.drain.inFlightCount).toBe(0);
  });

  test("the SDK client's own cancellation still stops its call", async () => {
    const client = new Client({ name: 'jest', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(server.mcpUrl, { requestInit: { headers: auth as Record<string, string> } }),
    );
    try {
      const controller = new AbortController();
      let progress = 0;
      const running = client.callTool({ name: 'countdown', arguments: { seconds: 20 } }, CallToolResultSchema, {
        signal: controller.signal,
        onprogress: () => void progress++,
      });
      await waitFor(() => progress >= 1, 5000);
      controller.abort('user cancelled');
      await expect(running).rejects.toThrow();
      await waitFor(() => server.mcp.drain.inFlightCount === 0, 5000);
      expect(server.mcp.drain.inFlightCount).toBe(0);
    } finally {
      await client.close();
    }
  });
});

const count = (text: string, needle: string) => text.split(needle).length - 1;

async function waitFor(check: () => boolean, timeoutMs = 3000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
}
