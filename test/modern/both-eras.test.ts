/**
 * One capability definition, every era: the reference tools listed and called with the SDK v1 client (2025-11-25,
 * stateful session) and the SDK v2 client (2026-07-28) on the same URL give the same names, schemas, annotations
 * and results. `confirm` asks the user: MRTR on 2026-07-28, `elicitation/create` in a 2025 session, a tool error for
 * a 2025 stateless client.
 */
import { Client as ModernClient, StreamableHTTPClientTransport as ModernTransport } from '@modelcontextprotocol/client';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { CANNOT_ASK_STATELESS } from '../../server/mcp/legacyDefinitions';
import { startTestServer, type TestServer } from '../helpers/server';

jest.setTimeout(60_000);

const CALLS: Record<string, Record<string, unknown>> = {
  echo: { text: 'hello both eras' },
  whoami: {},
  countdown: { seconds: 1 },
  confirm: { action: 'rotate the keys' },
};

async function legacyClient(url: URL): Promise<Client> {
  const client = new Client({ name: 'v1', version: '1.0.0' }, { capabilities: { elicitation: {} } });
  client.setRequestHandler(ElicitRequestSchema, async () => ({ action: 'accept', content: { confirm: true } }));
  await client.connect(new StreamableHTTPClientTransport(url));
  return client;
}

async function modernClient(url: URL): Promise<ModernClient> {
  const client = new ModernClient(
    { name: 'v2', version: '1.0.0' },
    { capabilities: { elicitation: { form: {} } }, versionNegotiation: { mode: { pin: '2026-07-28' } } },
  );
  client.setRequestHandler('elicitation/create', async () => ({ action: 'accept', content: { confirm: true } }));
  await client.connect(new ModernTransport(url));
  return client;
}

/** What must match across eras: wire details of one era aside (`$schema`, `_meta`, `resultType`, cache hints, 2025 tasks' `execution`). */
function comparable(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value, (key, v) =>
      ['$schema', '_meta', 'resultType', 'ttlMs', 'cacheScope', 'execution'].includes(key) ? undefined : v,
    ),
  );
}

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ MCP_SESSION_MODE: 'stateful' });
});
afterAll(async () => server?.close());

test('every reference tool: same names, schemas, annotations and results in 2025-11-25 and 2026-07-28', async () => {
  const v1 = await legacyClient(server.mcpUrl);
  const v2 = await modernClient(server.mcpUrl);
  try {
    expect(v1.getServerVersion()).toBeDefined();
    expect(v2.getNegotiatedProtocolVersion()).toBe('2026-07-28');
    const legacyTools = (await v1.listTools()).tools;
    const modernTools = (await v2.listTools()).tools;
    expect(modernTools.map((t) => t.name)).toEqual(['echo', 'whoami', 'countdown', 'confirm']);
    expect(comparable(modernTools)).toEqual(comparable(legacyTools));
    for (const tool of modernTools) {
      const args = CALLS[tool.name];
      if (!args) throw new Error(`no test call for reference tool ${tool.name}`);
      const legacy = await v1.callTool({ name: tool.name, arguments: args });
      const modern = await v2.callTool({ name: tool.name, arguments: args });
      expect(legacy.isError).toBeFalsy();
      expect(comparable(modern)).toEqual(comparable(legacy));
    }
    const confirmed = await v2.callTool({ name: 'confirm', arguments: CALLS.confirm });
    expect(confirmed.content).toEqual([{ type: 'text', text: 'rotate the keys: confirmed' }]);
    expect(comparable(await v2.readResource({ uri: 'server://info' }))).toEqual(
      comparable(await v1.readResource({ uri: 'server://info' })),
    );
  } finally {
    await v1.close();
    await v2.close();
  }
});

test('a 2025 stateless client cannot be asked: confirm is a clear tool error, not a hang', async () => {
  const stateless = await startTestServer({ MCP_SESSION_MODE: 'stateless' });
  try {
    const v1 = await legacyClient(stateless.mcpUrl);
    const result = await v1.callTool({ name: 'confirm', arguments: CALLS.confirm });
    expect(result.isError).toBe(true);
    expect(result.content).toEqual([{ type: 'text', text: CANNOT_ASK_STATELESS }]);
    await v1.close();
    // The same URL asks a 2026-07-28 client through MRTR, stateless too.
    const v2 = await modernClient(stateless.mcpUrl);
    expect((await v2.callTool({ name: 'confirm', arguments: CALLS.confirm })).content).toEqual([
      { type: 'text', text: 'rotate the keys: confirmed' },
    ]);
    await v2.close();
  } finally {
    await stateless.close();
  }
});
