/** Behaviour found in review: isolation between stateless callers, robustness against bad bodies and stores. */
import { gzipSync } from 'node:zlib';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { createMcpApp } from '../../server/app';
import { referenceCapabilities } from '../../server/capabilities/reference';
import type { CapabilitySet } from '../../server/capabilities/types';
import { loadConfig } from '../../server/config/env';
import { createLogger } from '../../server/logging/logger';
import { inMemoryEventStores } from '../../server/mcp/eventStore';
import { MCP_HEADERS, freePort, initializeBody, parseSse, startTestServer } from '../helpers/server';
import { waitFor } from '../helpers/wait';

test('stateless: one client’s initialize never shows its identity or capabilities to another', async () => {
  const reference = referenceCapabilities('test');
  const spy: CapabilitySet = {
    ...reference,
    registerLegacy(server) {
      server.registerTool('client-seen', { description: 'what the server knows of its client' }, async () => ({
        content: [
          {
            type: 'text',
            text: JSON.stringify({
              info: server.server.getClientVersion() ?? null,
              caps: server.server.getClientCapabilities() ?? null,
            }),
          },
        ],
      }));
    },
  };
  const server = await startTestServer({ MCP_SESSION_MODE: 'stateless' }, spy);
  try {
    const alice = new Client({ name: 'alice-client', version: '9.9.9' }, { capabilities: { elicitation: {} } });
    await alice.connect(new StreamableHTTPClientTransport(server.mcpUrl));
    const res = await fetch(server.mcpUrl, {
      method: 'POST',
      headers: MCP_HEADERS,
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'client-seen', arguments: {} },
      }),
    });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).not.toContain('alice-client');
    expect(text).not.toContain('elicitation');
    // The spy tool answered (not "Tool not found", not an error) and saw no client at all: this request never
    // initialized, and alice's initialize belongs to another request.
    const answer = parseSse(text).map(
      (e) => JSON.parse(e.data) as { id?: number; result?: { content: { text: string }[]; isError?: boolean } },
    );
    const result = answer.find((m) => m.id === 1)?.result;
    expect(result?.isError).toBeFalsy();
    expect(JSON.parse(result!.content[0]!.text)).toEqual({ info: null, caps: null });
    await alice.close();
  } finally {
    await server.close();
  }
});

test('a corrupt compressed body is a 400, not a 500', async () => {
  const server = await startTestServer();
  try {
    const res = await fetch(server.mcpUrl, {
      method: 'POST',
      headers: { ...MCP_HEADERS, 'content-encoding': 'gzip' },
      body: 'definitely not gzip',
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { jsonrpc: string }).jsonrpc).toBe('2.0');
    // A real gzip body is fine.
    const ok = await fetch(server.mcpUrl, {
      method: 'POST',
      headers: { ...MCP_HEADERS, 'content-encoding': 'gzip' },
      body: gzipSync(JSON.stringify(initializeBody())),
    });
    expect(ok.status).toBe(200);
    await ok.text();
  } finally {
    await server.close();
  }
});

test('an empty batch is an invalid request', async () => {
  const server = await startTestServer();
  try {
    const res = await fetch(server.mcpUrl, { method: 'POST', headers: MCP_HEADERS, body: '[]' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: number } }).error.code).toBe(-32600);
  } finally {
    await server.close();
  }
});

test('an allowed origin written with a trailing slash or capitals gets its CORS headers', async () => {
  const port = await freePort();
  const server = await startTestServer({ PORT: String(port), MCP_ALLOWED_ORIGINS: 'https://App.Example.com/' });
  try {
    const res = await fetch(server.mcpUrl, {
      method: 'POST',
      headers: { ...MCP_HEADERS, origin: 'https://app.example.com' },
      body: JSON.stringify(initializeBody()),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    await res.text();
  } finally {
    await server.close();
  }
});

test('a session store that fails to clean up does not take the instance down', async () => {
  const port = await freePort();
  const config = loadConfig({
    HOST: '127.0.0.1',
    PORT: String(port),
    MCP_AUTH_MODE: 'none',
    MCP_SESSION_MODE: 'stateful',
  });
  const stores = inMemoryEventStores();
  const mcp = await createMcpApp({
    config,
    logger: createLogger({ level: 'silent' }),
    eventStores: { create: stores.create, dispose: async () => Promise.reject(new Error('store down')) },
  });
  const { url } = await mcp.listen();
  try {
    const init = await fetch(`${url}/mcp`, {
      method: 'POST',
      headers: MCP_HEADERS,
      body: JSON.stringify(initializeBody()),
    });
    const id = init.headers.get('mcp-session-id')!;
    await init.text();
    const del = await fetch(`${url}/mcp`, { method: 'DELETE', headers: { ...MCP_HEADERS, 'mcp-session-id': id } });
    expect(del.status).toBe(200);
    await new Promise((r) => setTimeout(r, 50));
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
  } finally {
    await mcp.shutdown();
  }
});

test('legacy SSE: a cancelled call no longer holds up the drain', async () => {
  const server = await startTestServer();
  try {
    const client = new Client({ name: 'legacy', version: '1' });
    await client.connect(new SSEClientTransport(new URL('/sse', server.baseUrl)));
    const controller = new AbortController();
    const call = client.callTool({ name: 'countdown', arguments: { seconds: 60 } }, CallToolResultSchema, {
      signal: controller.signal,
    });
    await waitFor(() => server.mcp.drain.inFlightCount === 1, 2000, 'the call in flight');
    controller.abort('no longer needed');
    await expect(call).rejects.toThrow();
    await waitFor(() => server.mcp.drain.inFlightCount === 0, 2000, 'the cancelled call left the drain count');
    await client.close();
  } finally {
    await server.close();
  }
});
