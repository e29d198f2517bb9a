/**
 * The 2026-07-28 leg reuses idle SDK v2 servers one request at a time (`serverPool.ts`): concurrent requests of
 * different principals each get their own answer, and the pool builds only as many servers as run at once.
 */
import { McpServer } from '@modelcontextprotocol/server';
import { MAX_IDLE_SERVERS, pooledFactory } from '../../server/modern/serverPool';
import { startTestServer } from '../helpers/server';
import { modernPost } from './helpers';

jest.setTimeout(60_000);

test('a server is reused once its exchange closed it, never while it serves; the idle pool is bounded', async () => {
  let built = 0;
  const factory = pooledFactory(() => {
    built++;
    return new McpServer({ name: 'pool', version: '1' });
  }, 2);
  const a = factory();
  const b = factory();
  expect(built).toBe(2);
  const d = factory(); // a and b are still serving: a third is built
  expect(built).toBe(3);
  a.server.onclose?.();
  expect(factory()).toBe(a);
  // Three finish; at most two stay idle, so taking three again builds one.
  for (const server of [a, b, d]) server.server.onclose?.();
  factory();
  factory();
  expect(built).toBe(3);
  factory();
  expect(built).toBe(4);
  expect(MAX_IDLE_SERVERS).toBeGreaterThan(0);
});

test('concurrent calls of two principals through the pool: each sees only itself', async () => {
  const ALICE = 'pool-alice-token-0123456789';
  const BOB = 'pool-bob-token-0123456789ab';
  const server = await startTestServer({ MCP_AUTH_MODE: 'token', MCP_BEARER_TOKENS: `${ALICE},${BOB}` });
  try {
    const calls = Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? ALICE : BOB));
    const answers = await Promise.all(
      calls.map((token, i) =>
        modernPost(server.mcpUrl, { method: 'tools/call', token, id: i, params: { name: 'whoami', arguments: {} } }),
      ),
    );
    const subjects = answers.map(
      (a) => (a.body.result?.structuredContent as { subject?: string } | undefined)?.subject,
    );
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(new Set(subjects.filter((_, i) => i % 2 === 0)).size).toBe(1);
    expect(new Set(subjects.filter((_, i) => i % 2 === 1)).size).toBe(1);
    expect(subjects[0]).not.toBe(subjects[1]);
  } finally {
    await server.close();
  }
});
