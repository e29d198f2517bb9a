/**
 * `subscriptions/listen` streams as this server holds them (server/modern/listenStreams.ts): bounded per instance
 * (MCP_MAX_SESSIONS) and per caller (MCP_MAX_SESSIONS_PER_PRINCIPAL) with a clear 503; the SDK's acknowledgement;
 * keep-alives; each change reaches only the streams whose filter asked for it, stamped with their subscription id.
 */
import { z } from 'zod';
import type { CapabilitySet } from '../../server/capabilities/types';
import { startTestServer, type TestServer } from '../helpers/server';
import { listenRequest, modernPost } from './helpers';

jest.setTimeout(60_000);

/** Advertises list changes and resource subscriptions; `announce` publishes a change, as a team's admin tool would. */
const announcing: CapabilitySet = {
  name: 'listen-streams-test',
  version: '1.0.0',
  capabilities: { tools: { listChanged: true }, resources: { subscribe: true, listChanged: true } },
  registerModern(server, context) {
    server.registerTool(
      'announce',
      { description: 'Announces a change', inputSchema: z.object({ uri: z.string().optional() }) },
      async ({ uri }) => {
        if (uri) context.notify.resourceUpdated(uri);
        else context.notify.toolsChanged();
        return { content: [{ type: 'text', text: 'announced' }] };
      },
    );
  },
};

interface Listener {
  status: number;
  response: Response;
  /** Text received so far. */
  text(): string;
  /** Resolves when the received text matches. */
  until(pattern: RegExp, ms?: number): Promise<string>;
  close(): Promise<void>;
}

async function listen(server: TestServer, id: string, notifications: Record<string, unknown>): Promise<Listener> {
  const abort = new AbortController();
  const { headers, body } = listenRequest(id, notifications);
  const response = await fetch(server.mcpUrl, { method: 'POST', headers, body, signal: abort.signal });
  let received = '';
  const waiters: (() => void)[] = [];
  if (response.headers.get('content-type')?.startsWith('text/event-stream')) {
    void (async () => {
      const decoder = new TextDecoder();
      try {
        for await (const chunk of response.body!) {
          received += decoder.decode(chunk as Uint8Array, { stream: true });
          for (const wake of waiters.splice(0)) wake();
        }
      } catch {
        /* aborted by close() */
      }
    })();
  }
  return {
    status: response.status,
    response,
    text: () => received,
    async until(pattern, ms = 10_000) {
      const deadline = Date.now() + ms;
      while (!pattern.test(received)) {
        if (Date.now() > deadline) throw new Error(`no ${pattern} within ${ms} ms; received: ${received}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 100);
        });
      }
      return received;
    },
    async close() {
      abort.abort();
      await new Promise((r) => setTimeout(r, 100));
    },
  };
}

async function announce(server: TestServer, uri?: string) {
  const answer = await modernPost(server.mcpUrl, {
    method: 'tools/call',
    params: { name: 'announce', arguments: uri ? { uri } : {} },
  });
  expect(answer.body.result?.content?.[0]?.text).toBe('announced');
}

function messages(
  text: string,
): { method?: string; params?: Record<string, unknown> & { _meta?: Record<string, unknown> } }[] {
  return [...text.matchAll(/^data: (.*)$/gm)].map((m) => JSON.parse(m[1]!));
}

describe('caps', () => {
  let server: TestServer;
  afterEach(async () => server?.close());

  test('a listen stream over the instance cap is refused with 503, a clear message and Retry-After; a freed slot is reused', async () => {
    server = await startTestServer({ MCP_MAX_SESSIONS: '2', MCP_KEEPALIVE_SECONDS: '60' }, announcing);
    const first = await listen(server, 'a', { toolsListChanged: true });
    const second = await listen(server, 'b', { toolsListChanged: true });
    expect([first.status, second.status]).toEqual([200, 200]);
    await first.until(/acknowledged/);

    const refused = await listen(server, 'c', { toolsListChanged: true });
    expect(refused.status).toBe(503);
    expect(refused.response.headers.get('retry-after')).toBeTruthy();
    const body = (await refused.response.json()) as { error: { message: string } };
    expect(body.error.message).toMatch(/Too many listen streams on this server \(limit 2\)/);

    await first.close();
    const again = await listen(server, 'd', { toolsListChanged: true });
    expect(again.status).toBe(200);
    await again.until(/acknowledged/);
    await second.close();
    await again.close();
  });

  test('one caller cannot take more than MCP_MAX_SESSIONS_PER_PRINCIPAL listen streams', async () => {
    server = await startTestServer({ MCP_MAX_SESSIONS_PER_PRINCIPAL: '1', MCP_KEEPALIVE_SECONDS: '60' }, announcing);
    const first = await listen(server, 'a', { toolsListChanged: true });
    expect(first.status).toBe(200);
    const refused = await listen(server, 'b', { toolsListChanged: true });
    expect(refused.status).toBe(503);
    expect(((await refused.response.json()) as { error: { message: string } }).error.message).toMatch(
      /for this caller \(limit 1\)/,
    );
    await first.close();
  });
});

describe('held streams', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ MCP_KEEPALIVE_SECONDS: '1' }, announcing);
  });
  afterAll(async () => server?.close());

  test('acknowledged with the honored filter, kept alive, and fed only the changes each filter asked for', async () => {
    const tools = await listen(server, 'tools-sub', { toolsListChanged: true });
    const resource = await listen(server, 'resource-sub', { resourceSubscriptions: ['demo://a'] });
    const ackTools = messages(await tools.until(/acknowledged/))[0]!;
    expect(ackTools.method).toBe('notifications/subscriptions/acknowledged');
    expect(ackTools.params?.notifications).toEqual({ toolsListChanged: true });
    expect(ackTools.params?._meta?.['io.modelcontextprotocol/subscriptionId']).toBe('tools-sub');
    await resource.until(/acknowledged/);

    // Keep-alives on an otherwise idle stream (every second here).
    await tools.until(/: keepalive\n\n/, 5_000);

    await announce(server);
    await announce(server, 'demo://b');
    await announce(server, 'demo://a');
    await tools.until(/tools\/list_changed/);
    await resource.until(/resources\/updated/);
    // Delivery is in publish order on one stream: once the last change arrived, the earlier ones would have too.
    const toTools = messages(tools.text()).filter((m) => m.method !== 'notifications/subscriptions/acknowledged');
    const toResource = messages(resource.text()).filter((m) => m.method !== 'notifications/subscriptions/acknowledged');
    expect(toTools.map((m) => m.method)).toEqual(['notifications/tools/list_changed']);
    expect(toTools[0]!.params?._meta?.['io.modelcontextprotocol/subscriptionId']).toBe('tools-sub');
    expect(toResource.map((m) => [m.method, m.params?.uri])).toEqual([['notifications/resources/updated', 'demo://a']]);
    expect(toResource[0]!.params?._meta?.['io.modelcontextprotocol/subscriptionId']).toBe('resource-sub');
    await tools.close();
    await resource.close();
  });

  test('a filter the server cannot honour is acknowledged empty and closed by the SDK', async () => {
    const nothing = await listen(server, 'nothing', { promptsListChanged: true });
    expect(nothing.status).toBe(200);
    const text = await nothing.until(/"resultType":"complete"/);
    expect(messages(text)[0]!.params?.notifications).toEqual({});
  });

  test('a malformed filter gets the SDK answer, not a stream', async () => {
    const bad = await listen(server, 'bad', { toolsListChanged: 'yes' });
    const body = (await bad.response.json()) as { error?: { code: number } };
    expect(body.error?.code).toBe(-32602);
  });
});
