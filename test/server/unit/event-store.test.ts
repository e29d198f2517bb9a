/** Resumability storage stays bounded in events and bytes, per session and per instance. */
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { InMemoryEventStore, inMemoryEventStores } from '../../../server/mcp/eventStore';

const note = (text: string): JSONRPCMessage => ({
  jsonrpc: '2.0',
  method: 'notifications/message',
  params: { data: text },
});

async function replay(store: { replayEventsAfter: InMemoryEventStore['replayEventsAfter'] }, after: string) {
  const got: string[] = [];
  await store.replayEventsAfter(after, {
    send: async (_id, m) => void got.push((m as unknown as { params: { data: string } }).params.data),
  });
  return got;
}

test('replays what came after an event, on its stream only', async () => {
  const store = new InMemoryEventStore();
  const first = await store.storeEvent('s1', note('a'));
  await store.storeEvent('s2', note('other stream'));
  await store.storeEvent('s1', note('b'));
  await store.storeEvent('s1', note('c'));
  expect(await replay(store, first)).toEqual(['b', 'c']);
});

test('a session keeps at most maxBytes of events, newest first', async () => {
  const store = new InMemoryEventStore({ maxBytes: 1000 });
  const first = await store.storeEvent('s', note('x'.repeat(10)));
  for (let i = 0; i < 20; i++) await store.storeEvent('s', note(`${i}`.padEnd(200, '.')));
  const kept: { id: string; bytes: number; data: string }[] = [];
  await store.replayEventsAfter(first, {
    send: async (id, m) =>
      void kept.push({
        id,
        bytes: id.length + JSON.stringify(m).length,
        data: (m as unknown as { params: { data: string } }).params.data,
      }),
  });
  const bytes = kept.reduce((sum, e) => sum + e.bytes, 0);
  // Within the cap, and as much of it as the newest events fill: one more (older) event would exceed it.
  expect(bytes).toBeLessThanOrEqual(1000);
  expect(bytes + kept[0]!.bytes).toBeGreaterThan(1000);
  // The newest, in order, without gaps.
  expect(kept.map((e) => e.data.split('.')[0])).toEqual(
    Array.from({ length: kept.length }, (_, i) => `${20 - kept.length + i}`),
  );
});

test('all sessions together stay within the instance budget, and an ended session frees its share', async () => {
  const factory = inMemoryEventStores({ maxBytesPerInstance: 5000, maxBytes: 1_000_000 });
  const a = factory.create('a');
  const b = factory.create('b');
  const firstA = await a.storeEvent('s', note('start'));
  for (let i = 0; i < 50; i++) await a.storeEvent('s', note('a'.repeat(200)));
  // Session a filled the budget; b's events push a's oldest out.
  const firstB = await b.storeEvent('s', note('start'));
  for (let i = 0; i < 10; i++) await b.storeEvent('s', note('b'.repeat(200)));
  expect((await replay(b, firstB)).length).toBe(10);
  const keptA = await replay(a, firstA);
  expect(keptA.length).toBeLessThan(50);
  await factory.dispose!('a');
  for (let i = 0; i < 15; i++) await b.storeEvent('s', note('b'.repeat(200)));
  // With a's share freed, b now holds far more than its 10, and still no more than the budget allows.
  const keptB = (await replay(b, firstB)).length;
  expect(keptB).toBeGreaterThan(15);
  expect(keptB * 230).toBeLessThanOrEqual(5000);
});
