/**
 * In-memory stateful sessions: a call's stream resumed with `Last-Event-ID` ends after the call's final answer —
 * whether the call finished while the client was away or finishes after the resume — and no longer counts as in
 * flight (the drain would otherwise wait its full deadline for it).
 */
import { createMcpApp } from '../../server/app';
import { loadConfig } from '../../server/config/env';
import { createLogger } from '../../server/logging/logger';
import { type EventStoreFactory, inMemoryEventStores } from '../../server/mcp/eventStore';
import { freePort, parseSse, startTestServer, type TestServer } from '../helpers/server';
import { initializeSession, openSession } from '../helpers/session';

/** Reads a stream to its end; fails (instead of hanging) when it has not ended within `ms`. */
async function readToEnd(body: ReadableStream<Uint8Array>, ms: number): Promise<string> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  const deadline = Date.now() + ms;
  for (;;) {
    const left = deadline - Date.now();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>(
      (resolve) => (timer = setTimeout(() => resolve('timeout'), Math.max(0, left))),
    );
    const chunk = await Promise.race([reader.read(), timeout]);
    clearTimeout(timer);
    if (chunk === 'timeout') {
      await reader.cancel();
      throw new Error(`stream still open after ${ms} ms; read so far: ${text.slice(0, 500)}`);
    }
    if (chunk.done) return text;
    text += decoder.decode(chunk.value, { stream: true });
  }
}

/** Reads until `pattern` appears; fails on end of stream or after `ms`. */
async function readUntil(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  pattern: RegExp,
  ms: number,
): Promise<string> {
  const decoder = new TextDecoder();
  let text = '';
  const deadline = Date.now() + ms;
  while (!pattern.test(text)) {
    if (Date.now() > deadline) throw new Error(`no ${pattern} after ${ms} ms: ${text.slice(0, 500)}`);
    const { done, value } = await reader.read();
    if (done) throw new Error(`stream ended before ${pattern}: ${text.slice(0, 500)}`);
    text += decoder.decode(value, { stream: true });
  }
  return text;
}

async function waitFor(condition: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('resumed streams (in-memory stateful)', () => {
  let server: TestServer;
  let headers: Record<string, string>;
  beforeAll(async () => {
    server = await startTestServer({ MCP_SESSION_MODE: 'stateful', MCP_DRAIN_SECONDS: '2' });
    ({ headers } = await openSession(server.mcpUrl));
  });
  afterAll(() => server.close());

  /** Starts `countdown seconds`, reads its first progress event, drops the stream; returns the last event id read. */
  async function startAndDrop(id: number, seconds: number): Promise<string> {
    const abort = new AbortController();
    const res = await fetch(server.mcpUrl, {
      method: 'POST',
      headers,
      signal: abort.signal,
      body: JSON.stringify({
        jsonrpc: '2.0',
        id,
        method: 'tools/call',
        params: { name: 'countdown', arguments: { seconds }, _meta: { progressToken: `p${id}` } },
      }),
    });
    expect(res.status).toBe(200);
    const text = await readUntil(res.body!.getReader(), /notifications\/progress/, 10_000);
    abort.abort();
    const lastId = parseSse(text)
      .filter((e) => e.data)
      .pop()!.id!;
    expect(lastId).toBeTruthy();
    await waitFor(() => server.mcp.drain.inFlightCount === 0, 5000, 'the dropped POST to leave the in-flight count');
    return lastId;
  }

  const resume = (lastEventId: string) =>
    fetch(server.mcpUrl, { method: 'GET', headers: { ...headers, 'last-event-id': lastEventId } });

  test('a call that finished while its stream was dropped: the resume replays the answer and ends', async () => {
    const lastId = await startAndDrop(11, 2);
    // Let the call finish with nobody attached (2 s countdown, one second already gone).
    await new Promise((r) => setTimeout(r, 2500));
    const resumed = await resume(lastId);
    expect(resumed.status).toBe(200);
    expect(resumed.headers.get('content-type')).toContain('text/event-stream');
    const text = await readToEnd(resumed.body!, 5000);
    const messages = parseSse(text)
      .filter((e) => e.data)
      .map((e) => JSON.parse(e.data));
    expect(messages.filter((m) => m.method === 'notifications/progress').map((m) => m.params.progress)).toEqual([2]);
    expect(messages[messages.length - 1]).toMatchObject({
      id: 11,
      result: { content: [{ text: 'Countdown of 2 s finished.' }] },
    });
    // Every replayed event keeps its id, so the client can resume again from any of them.
    expect(
      parseSse(text)
        .filter((e) => e.data)
        .every((e) => e.id?.includes('/')),
    ).toBe(true);
    await waitFor(() => server.mcp.drain.inFlightCount === 0, 2000, 'the resumed stream to leave the in-flight count');
  });

  test('a call still running at the resume: the resumed stream ends after its final answer', async () => {
    const lastId = await startAndDrop(12, 3);
    const resumed = await resume(lastId);
    expect(resumed.status).toBe(200);
    expect(server.mcp.drain.inFlightCount).toBe(1);
    const text = await readToEnd(resumed.body!, 8000);
    const messages = parseSse(text)
      .filter((e) => e.data)
      .map((e) => JSON.parse(e.data));
    expect(messages[messages.length - 1]).toMatchObject({
      id: 12,
      result: { content: [{ text: 'Countdown of 3 s finished.' }] },
    });
    await waitFor(() => server.mcp.drain.inFlightCount === 0, 2000, 'the resumed stream to leave the in-flight count');
  });

  test('a resumed stream of a cancelled call ends at once', async () => {
    const lastId = await startAndDrop(13, 30);
    const cancel = await fetch(server.mcpUrl, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        jsonrpc: '2.0',
        method: 'notifications/cancelled',
        params: { requestId: 13, reason: 'test' },
      }),
    });
    expect(cancel.status).toBe(202);
    const resumed = await resume(lastId);
    expect(resumed.status).toBe(200);
    await readToEnd(resumed.body!, 5000);
    await waitFor(() => server.mcp.drain.inFlightCount === 0, 2000, 'the resumed stream to leave the in-flight count');
  });

  test('after resumes, the drain finds nothing in flight and finishes at once', async () => {
    const lastId = await startAndDrop(14, 1);
    await new Promise((r) => setTimeout(r, 1500));
    const resumed = await resume(lastId);
    await readToEnd(resumed.body!, 5000);
    const started = Date.now();
    expect(await server.mcp.drain.drain(10_000)).toBe(true);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

describe('resumed streams: the answer arrives while the resume is being set up', () => {
  test('the resumed stream still ends (the client resumes once more and gets the answer replayed)', async () => {
    // A store whose replays take a while (a slow shared store): the call's answer lands during the replay, so the
    // SDK neither replays nor writes it, and would keep the stream open for good.
    const stores = inMemoryEventStores();
    const slow: EventStoreFactory = {
      create: (sessionId) => {
        const store = stores.create(sessionId);
        return {
          storeEvent: (streamId, message) => store.storeEvent(streamId, message),
          getStreamIdForEventId: (id) => store.getStreamIdForEventId!(id),
          replayEventsAfter: async (lastEventId, handlers) => {
            await new Promise((r) => setTimeout(r, 1500));
            return store.replayEventsAfter(lastEventId, handlers);
          },
        };
      },
      dispose: (id) => stores.dispose?.(id),
    };
    const config = loadConfig({
      HOST: '127.0.0.1',
      PORT: String(await freePort()),
      MCP_AUTH_MODE: 'none',
      MCP_SESSION_MODE: 'stateful',
      MCP_DRAIN_SECONDS: '1',
    });
    const mcp = await createMcpApp({ config, eventStores: slow, logger: createLogger({ level: 'silent' }) });
    const { url } = await mcp.listen();
    const mcpUrl = `${url}/mcp`;
    try {
      const headers = await initializeSession(mcpUrl);
      const abort = new AbortController();
      const res = await fetch(mcpUrl, {
        method: 'POST',
        headers,
        signal: abort.signal,
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 21,
          method: 'tools/call',
          params: { name: 'countdown', arguments: { seconds: 2 }, _meta: { progressToken: 'p21' } },
        }),
      });
      const text = await readUntil(res.body!.getReader(), /notifications\/progress/, 10_000);
      abort.abort();
      const lastId = parseSse(text)
        .filter((e) => e.data)
        .pop()!.id!;
      await waitFor(() => mcp.drain.inFlightCount === 0, 5000, 'the dropped POST to leave the in-flight count');
      // About 1 s before the answer: the resume's replay (1.5 s) is still running when it comes.
      const first = await fetch(mcpUrl, { method: 'GET', headers: { ...headers, 'last-event-id': lastId } });
      expect(first.status).toBe(200);
      await readToEnd(first.body!, 6000);
      // From its last event the client resumes again, and this time receives the answer.
      const again = await fetch(mcpUrl, { method: 'GET', headers: { ...headers, 'last-event-id': lastId } });
      const replayed = parseSse(await readToEnd(again.body!, 6000))
        .filter((e) => e.data)
        .map((e) => JSON.parse(e.data));
      expect(replayed[replayed.length - 1]).toMatchObject({
        id: 21,
        result: { content: [{ text: 'Countdown of 2 s finished.' }] },
      });
      await waitFor(() => mcp.drain.inFlightCount === 0, 2000, 'the resumed streams to leave the in-flight count');
    } finally {
      await mcp.shutdown();
    }
  }, 30_000);
});
