/**
 * What the active conformance scenarios do not pin down, checked against the same fixture:
 * - `dns-rebinding-protection` sends a foreign Host and a foreign Origin together, so it proves only one of the
 *   two guards; each is checked on its own here.
 * - the pending `server-sse-polling` scenario (SEP-1699) announces protocol 2025-03-26, for which the SDK sends
 *   no priming event; the same flow is replayed here as a 2025-11-25 client: the tool closes its stream
 *   mid-call and the result arrives on a `GET` with `Last-Event-ID`.
 * - `resources-subscribe`/`-unsubscribe` only check that the requests succeed; here updates are delivered
 *   to a subscriber and stop after unsubscribing.
 * - some scenario checks accept an "unknown tool" error as success (the SDK answers a call to a missing tool
 *   with an `isError` text result, and `tools-call-simple-text` / `tools-call-error` only look for text), so
 *   the fixture itself is checked here: every name the scenarios use exists and answers as specified.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  type CallToolResult,
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ResourceUpdatedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { initializeBody, MCP_HEADERS, parseSse, startTestServer, type TestServer } from '../helpers/server';
import { conformanceCapabilities } from './fixture';
import { WATCHED_URI } from './fixture/resources';
import { NEEDS_SESSION } from './fixture/tools';

/** Tools the active scenarios call, with the content type each must return (no tool error). */
const CONTENT_TOOLS: Record<string, string[]> = {
  test_simple_text: ['text'],
  test_image_content: ['image'],
  test_audio_content: ['audio'],
  test_embedded_resource: ['resource'],
  test_multiple_content_types: ['text', 'image', 'resource'],
  test_tool_with_logging: ['text'],
  test_tool_with_progress: ['text'],
};
const SERVER_REQUEST_TOOLS = [
  'test_sampling',
  'test_elicitation',
  'test_elicitation_sep1034_defaults',
  'test_elicitation_sep1330_enums',
];

describe.each(['stateless', 'stateful'] as const)('the fixture answers as the scenarios specify, %s mode', (mode) => {
  let server: TestServer;
  let client: Client;
  beforeAll(async () => {
    server = await startTestServer({ MCP_SESSION_MODE: mode }, conformanceCapabilities());
    client = new Client(
      { name: 'fixture-check', version: '1.0.0' },
      { capabilities: { sampling: {}, elicitation: {} } },
    );
    client.setRequestHandler(CreateMessageRequestSchema, async () => ({
      role: 'assistant',
      content: { type: 'text', text: 'sampled' },
      model: 'test-model',
    }));
    client.setRequestHandler(ElicitRequestSchema, async () => ({
      action: 'accept',
      content: { username: 'u', email: 'e@example.com' },
    }));
    await client.connect(new StreamableHTTPClientTransport(server.mcpUrl));
  });
  afterAll(async () => {
    await client.close();
    await server.close();
  });

  test('every tool, resource and prompt the scenarios use exists', async () => {
    const tools = (await client.listTools()).tools.map((t) => t.name);
    expect(tools).toEqual(
      expect.arrayContaining([...Object.keys(CONTENT_TOOLS), 'test_error_handling', ...SERVER_REQUEST_TOOLS]),
    );
    const resources = (await client.listResources()).resources.map((r) => r.uri);
    expect(resources).toEqual(expect.arrayContaining(['test://static-text', 'test://static-binary', WATCHED_URI]));
    const templates = (await client.listResourceTemplates()).resourceTemplates.map((t) => t.uriTemplate);
    expect(templates).toContain('test://template/{id}/data');
    const prompts = (await client.listPrompts()).prompts.map((p) => p.name);
    expect(prompts).toEqual(
      expect.arrayContaining([
        'test_simple_prompt',
        'test_prompt_with_arguments',
        'test_prompt_with_embedded_resource',
        'test_prompt_with_image',
      ]),
    );
  });

  test.each(Object.entries(CONTENT_TOOLS))('%s returns %j content, not a tool error', async (name, types) => {
    const result = (await client.callTool({ name, arguments: {} })) as CallToolResult;
    expect(result.isError).toBeFalsy();
    expect(result.content.map((c) => c.type)).toEqual(types);
  });

  test('test_error_handling fails as a tool error with its own message', async () => {
    const result = (await client.callTool({ name: 'test_error_handling', arguments: {} })) as CallToolResult;
    expect(result.isError).toBe(true);
    expect(result.content[0]).toEqual({
      type: 'text',
      text: expect.stringContaining('intentionally returns an error'),
    });
  });

  test('sampling and elicitation: answered in stateful mode, refused at once in stateless mode', async () => {
    const sampled = (await client.callTool({ name: 'test_sampling', arguments: { prompt: 'hi' } })) as CallToolResult;
    const elicited = (await client.callTool({
      name: 'test_elicitation',
      arguments: { message: 'who?' },
    })) as CallToolResult;
    if (mode === 'stateful') {
      expect(sampled).toMatchObject({ content: [{ type: 'text', text: 'LLM response: sampled' }] });
      expect(elicited.isError).toBeFalsy();
      expect(elicited.content[0]).toMatchObject({ text: expect.stringContaining('action=accept') });
    } else {
      for (const r of [sampled, elicited])
        expect(r).toMatchObject({ isError: true, content: [{ text: NEEDS_SESSION }] });
    }
  });

  test('resources and prompts carry the substituted values', async () => {
    const templated = await client.readResource({ uri: 'test://template/123/data' });
    expect(JSON.parse((templated.contents[0] as { text: string }).text)).toMatchObject({ id: '123' });
    const prompt = await client.getPrompt({
      name: 'test_prompt_with_arguments',
      arguments: { arg1: 'a1', arg2: 'a2' },
    });
    expect(JSON.stringify(prompt.messages)).toContain("arg1='a1', arg2='a2'");
    const completion = await client.complete({
      ref: { type: 'ref/prompt', name: 'test_prompt_with_arguments' },
      argument: { name: 'arg1', value: 'par' },
    });
    expect(completion.completion.values).toEqual(['paris', 'park', 'party']);
  });
});

describe.each(['stateless', 'stateful'] as const)('DNS-rebinding guards, %s mode', (mode) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ MCP_SESSION_MODE: mode }, conformanceCapabilities());
  });
  afterAll(() => server.close());

  const post = (headers: Record<string, string>) =>
    fetch(server.mcpUrl, {
      method: 'POST',
      headers: { ...MCP_HEADERS, ...headers },
      body: JSON.stringify(initializeBody()),
    });

  test('a foreign Origin alone is refused (403)', async () => {
    const res = await post({ origin: 'http://evil.example.com' });
    expect(res.status).toBe(403);
  });

  test('a foreign Host alone is refused (403)', async () => {
    // fetch sets Host from the URL; a raw request is needed to send another one.
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        server.mcpUrl,
        { method: 'POST', headers: { ...MCP_HEADERS, host: 'evil.example.com' } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.once('error', reject);
      req.end(JSON.stringify(initializeBody()));
    });
    expect(status).toBe(403);
  });

  test('the server’s own Origin is accepted', async () => {
    const res = await post({ origin: new URL(server.baseUrl).origin });
    expect(res.status).toBe(200);
    await res.body?.cancel();
  });
});

describe('stateful mode, beyond the active scenarios', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ MCP_SESSION_MODE: 'stateful' }, conformanceCapabilities());
  });
  afterAll(() => server.close());

  test('SEP-1699: a call whose stream is closed mid-call is resumed with Last-Event-ID', async () => {
    const init = await fetch(server.mcpUrl, {
      method: 'POST',
      headers: MCP_HEADERS,
      body: JSON.stringify(initializeBody()),
    });
    const sessionId = init.headers.get('mcp-session-id')!;
    expect(sessionId).toBeTruthy();
    await init.text();
    const session = { ...MCP_HEADERS, 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' };
    const initialized = await fetch(server.mcpUrl, {
      method: 'POST',
      headers: session,
      body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
    });
    expect(initialized.status).toBe(202);

    const call = await fetch(server.mcpUrl, {
      method: 'POST',
      headers: session,
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 7,
        method: 'tools/call',
        params: { name: 'test_reconnection', arguments: {} },
      }),
    });
    expect(call.headers.get('content-type')).toContain('text/event-stream');
    // The server ends this stream itself, before the result: reading to the end must not hang.
    const events = parseSse(await call.text());
    expect(events[0]).toMatchObject({ data: '', retry: expect.any(Number) });
    expect(events[0]!.id).toBeTruthy();
    expect(events.some((e) => e.data.includes('"result"'))).toBe(false);

    const resumed = await fetch(server.mcpUrl, {
      headers: {
        accept: 'text/event-stream',
        'mcp-session-id': sessionId,
        'mcp-protocol-version': '2025-11-25',
        'last-event-id': events.at(-1)!.id!,
      },
    });
    expect(resumed.status).toBe(200);
    const reader = resumed.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    const deadline = Date.now() + 5000;
    while (!text.includes('"id":7') && Date.now() < deadline) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
    }
    await reader.cancel();
    const result = parseSse(text)
      .map((e) => (e.data ? JSON.parse(e.data) : undefined))
      .find((m) => m?.id === 7);
    expect(result?.result?.content?.[0]?.text).toMatch(/Reconnection test completed/);
  });

  test('a subscriber hears about updates, and stops hearing after unsubscribing', async () => {
    const client = new Client({ name: 'subscriber', version: '1.0.0' });
    const updates: { uri: string; revision: unknown }[] = [];
    client.setNotificationHandler(
      ResourceUpdatedNotificationSchema,
      (n) => void updates.push({ uri: n.params.uri, revision: n.params._meta?.revision }),
    );
    await client.connect(new StreamableHTTPClientTransport(server.mcpUrl));
    expect(client.getServerCapabilities()?.resources?.subscribe).toBe(true);
    const update = async () => {
      const result = await client.callTool({ name: 'test_update_watched_resource', arguments: {} });
      const text = (result.content as { text: string }[])[0]!.text;
      return {
        revision: Number(/revision (\d+)/.exec(text)![1]),
        notified: text.includes('subscriber notified: true'),
      };
    };

    await client.subscribeResource({ uri: WATCHED_URI });
    const first = await update();
    expect(first.notified).toBe(true);
    await waitFor(() => updates.length === 1);
    expect(updates).toEqual([{ uri: WATCHED_URI, revision: first.revision }]);
    const read = await client.readResource({ uri: WATCHED_URI });
    expect((read.contents[0] as { text: string }).text).toContain(`revision ${first.revision}`);

    await client.unsubscribeResource({ uri: WATCHED_URI });
    const unheard = await update();
    expect(unheard.notified).toBe(false);
    // A barrier on the same stream: subscribe again and wait for the next update's notification. One sent for the
    // update above would have arrived before it.
    await client.subscribeResource({ uri: WATCHED_URI });
    const barrier = await update();
    await waitFor(() => updates.some((u) => u.revision === barrier.revision));
    expect(updates.map((u) => u.revision)).toEqual([first.revision, barrier.revision]);
    await client.close();
  });
});

async function waitFor(condition: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
