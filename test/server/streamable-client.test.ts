/** The SDK's own client against the real server over Streamable HTTP, in both session modes. */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CallToolResultSchema, type Progress } from '@modelcontextprotocol/sdk/types.js';
import { referenceCapabilities } from '../../server/capabilities/reference';
import type { CapabilitySet } from '../../server/capabilities/types';
import { startTestServer, type TestServer } from '../helpers/server';
import { waitFor } from '../helpers/wait';

async function connect(server: TestServer, name = 'test-client') {
  const client = new Client({ name, version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(server.mcpUrl);
  await client.connect(transport);
  return { client, transport };
}

describe.each(['stateless', 'stateful'] as const)('Streamable HTTP, %s mode', (mode) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ MCP_SESSION_MODE: mode }, observedReference(mode));
  });
  afterAll(() => server.close());

  test('lists the reference tools and resource', async () => {
    const { client } = await connect(server);
    const tools = await client.listTools();
    expect(tools.tools.map((t) => t.name).sort()).toEqual(['confirm', 'countdown', 'echo', 'whoami']);
    const resources = await client.listResources();
    expect(resources.resources.map((r) => r.uri)).toContain('server://info');
    const info = await client.readResource({ uri: 'server://info' });
    const body = JSON.parse((info.contents[0] as { text: string }).text);
    expect(body.sessionMode).toBe(mode);
    expect(body.protocolVersions).toContain('2025-11-25');
    await client.close();
  });

  test('calls echo and whoami', async () => {
    const { client } = await connect(server);
    const echo = await client.callTool({ name: 'echo', arguments: { text: 'héllo 🌍' } });
    expect(echo.content).toEqual([{ type: 'text', text: 'héllo 🌍' }]);
    const who = await client.callTool({ name: 'whoami', arguments: {} });
    expect(who.structuredContent).toEqual({ subject: 'anonymous', scopes: [] });
    await client.close();
  });

  test('a tool error comes back as a tool result, not a crash', async () => {
    const { client } = await connect(server);
    const bad = await client.callTool({ name: 'countdown', arguments: { seconds: 0 } });
    expect(bad.isError).toBe(true);
    const unknown = await client.callTool({ name: 'no-such-tool', arguments: {} }).catch((e: Error) => e);
    expect(unknown instanceof Error ? unknown.message : JSON.stringify(unknown)).toMatch(/no-such-tool/);
    await client.close();
  });

  test('countdown streams one progress notification per second', async () => {
    const { client } = await connect(server);
    const progress: Progress[] = [];
    const started = Date.now();
    const result = await client.callTool({ name: 'countdown', arguments: { seconds: 3 } }, CallToolResultSchema, {
      onprogress: (p) => progress.push(p),
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(2900);
    expect(result.content).toEqual([{ type: 'text', text: 'Countdown of 3 s finished.' }]);
    expect(progress.map((p) => [p.progress, p.total])).toEqual([
      [1, 3],
      [2, 3],
      [3, 3],
    ]);
    await client.close();
  });

  test('cancelling a countdown stops it on the server', async () => {
    const { client } = await connect(server);
    const controller = new AbortController();
    const progress: Progress[] = [];
    runs.length = 0;
    const call = client.callTool({ name: 'countdown', arguments: { seconds: 30 } }, CallToolResultSchema, {
      signal: controller.signal,
      onprogress: (p) => progress.push(p),
    });
    await waitFor(() => progress.length >= 1, 5000, 'the first progress event');
    controller.abort('user cancelled');
    await expect(call).rejects.toThrow();
    expect(runs).toHaveLength(1);
    const run = runs[0]!;
    // The server's countdown itself ends, told by its abort signal, at once — not at its next tick (1 s) when a
    // progress notification can no longer be sent, nor after its 30 s.
    await waitFor(() => run.settledAt !== undefined, 3000, 'the countdown handler on the server to stop');
    expect(run.abortedAt).toBeDefined();
    console.log(
      `cancel (${mode}): the countdown handler settled ${run.settledAt! - run.abortedAt!} ms after its abort signal`,
    );
    expect(run.settledAt! - run.abortedAt!).toBeLessThan(500);
    // …and nothing is left running: no call stays in flight once cancelled.
    await waitFor(() => server.mcp.drain.inFlightCount === 0, 3000, 'no call in flight');
    await client.close();
  });
});

/** One run of the real `countdown` on the server: when its abort signal fired and when its handler settled. */
interface CountdownRun {
  abortedAt?: number;
  settledAt?: number;
}
const runs: CountdownRun[] = [];

/**
 * The reference capabilities, with the real `countdown` handler wrapped only to observe it: a cancellation that
 * dropped the in-flight count but left the countdown running on the server would show as a handler that never settles.
 */
function observedReference(sessionMode: 'stateless' | 'stateful'): CapabilitySet {
  const reference = referenceCapabilities('test', sessionMode);
  return {
    ...reference,
    tools: (reference.tools ?? []).map((tool) =>
      tool.name !== 'countdown'
        ? tool
        : {
            ...tool,
            run: async (args, ctx) => {
              const run: CountdownRun = {};
              runs.push(run);
              ctx.signal.addEventListener('abort', () => (run.abortedAt = Date.now()), { once: true });
              try {
                return await tool.run(args, ctx);
              } finally {
                run.settledAt = Date.now();
              }
            },
          },
    ),
  };
}

test('stateless mode serves many parallel clients', async () => {
  const server = await startTestServer({ MCP_SESSION_MODE: 'stateless' });
  try {
    const results = await Promise.all(
      Array.from({ length: 40 }, async (_, i) => {
        const { client } = await connect(server, `client-${i}`);
        const r = await Promise.all(
          [0, 1, 2].map((j) => client.callTool({ name: 'echo', arguments: { text: `${i}-${j}` } })),
        );
        await client.close();
        return r.map((x) => (x.content as { text: string }[])[0]!.text);
      }),
    );
    expect(results.flat()).toHaveLength(120);
    expect(new Set(results.flat()).size).toBe(120);
    expect(results[7]).toEqual(['7-0', '7-1', '7-2']);
  } finally {
    await server.close();
  }
});
