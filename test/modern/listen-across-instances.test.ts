/**
 * `subscriptions/listen` (2026-07-28) across instances: with REDIS_URL, a list change made through one instance
 * reaches a listener connected to another (ServerEventBus over Redis pub/sub), in the default stateless mode.
 */
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { CapabilitySet } from '../../server/capabilities/types';
import { startRedis, type RedisServer } from '../helpers/redis';
import { startTestServer, type TestServer } from '../helpers/server';

jest.setTimeout(60_000);

/** The reference-like set plus a tool that announces a tool-list change (as a team's admin tool would). */
const announcing: CapabilitySet = {
  name: 'listen-test',
  version: '1.0.0',
  capabilities: { tools: { listChanged: true } },
  registerModern(server, context) {
    server.registerTool('announce', { description: 'Announces a tool-list change' }, async () => {
      context.notify.toolsChanged();
      return { content: [{ type: 'text', text: 'announced' }] };
    });
  },
};

async function modernClient(server: TestServer): Promise<Client> {
  const client = new Client(
    { name: 'listener', version: '1.0.0' },
    { versionNegotiation: { mode: { pin: '2026-07-28' } } },
  );
  await client.connect(new StreamableHTTPClientTransport(server.mcpUrl));
  return client;
}

let redis: RedisServer;
let first: TestServer;
let second: TestServer;
beforeAll(async () => {
  redis = await startRedis();
  const env = { REDIS_URL: redis.url, MCP_REQUEST_STATE_KEYS: 'listen-test-request-state-key-0123456789' };
  first = await startTestServer(env, announcing);
  second = await startTestServer(env, announcing);
});
afterAll(async () => {
  await first?.close();
  await second?.close();
  await redis?.stop();
});

test('stateless with REDIS_URL: one info line says what Redis is for (listen notifications), no warning', () => {
  const said = (l: Record<string, unknown>) =>
    String(l.message).startsWith('REDIS_URL with MCP_SESSION_MODE stateless');
  for (const server of [first, second]) {
    expect(server.logs.filter(said)).toEqual([
      expect.objectContaining({
        level: 30,
        severity: 'INFO',
        message:
          'REDIS_URL with MCP_SESSION_MODE stateless: Redis carries 2026-07-28 listen notifications between ' +
          'instances; sessions are not stored',
      }),
    ]);
    expect(server.logs.filter((l) => String(l.message).includes('REDIS_URL') && Number(l.level) >= 40)).toEqual([]);
  }
});

test('a tool-list change made through one instance reaches a listener on the other', async () => {
  const listener = await modernClient(first);
  const changed = new Promise<unknown>((resolve) =>
    listener.setNotificationHandler('notifications/tools/list_changed', resolve),
  );
  const subscription = await listener.listen({ toolsListChanged: true });
  expect(subscription.honoredFilter).toMatchObject({ toolsListChanged: true });

  const caller = await modernClient(second);
  expect((await caller.callTool({ name: 'announce', arguments: {} })).content).toEqual([
    { type: 'text', text: 'announced' },
  ]);
  const notification = await Promise.race([
    changed,
    new Promise((_, reject) => setTimeout(() => reject(new Error('no list change within 10 s')), 10_000)),
  ]);
  expect(notification).toBeDefined();

  await subscription.close();
  await listener.close();
  await caller.close();
});
