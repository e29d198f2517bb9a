/**
 * `npm run stack:local -- --telemetry`: through nginx (TLS, round-robin) to the stateful instances on Redis, a tool
 * call's trace reaches the local receiver as one tree: the client's span → HTTP span → MCP span → the tool's spans.
 */
import { setDefaultCACertificates, getCACertificates } from 'node:tls';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startLocalStack, type LocalStack } from '../../stack/localStack';
import { spanTree } from '../../stack/otlpReceiver';
import { startTraceConsole } from '../../stack/traceConsole';
import { InMemoryOAuthClient, clickDevSignIn, connectWithOAuth } from '../auth/helpers/oauthClient';
import { waitFor } from '../helpers/wait';

jest.setTimeout(120_000);

let stack: LocalStack;
let telemetry: Awaited<ReturnType<typeof startTraceConsole>>;
const printed: string[] = [];

beforeAll(async () => {
  telemetry = await startTraceConsole((text) => printed.push(text));
  stack = await startLocalStack({ instances: 2, env: telemetry.env });
  setDefaultCACertificates([...getCACertificates('default'), stack.certificatePem]);
});
afterAll(async () => {
  await stack?.stop();
  await telemetry?.receiver.close();
});

test('a tool call through nginx is one trace: HTTP span → tools/call span → tick spans', async () => {
  const oauth = new InMemoryOAuthClient();
  const first = await connectWithOAuth(stack.url, oauth, clickDevSignIn);
  await first.close();
  const client = new Client({ name: 'trace-demo', version: '1.0.0' });
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
  const clientSpan = '00f067aa0ba902b7';
  // The client's context in the HTTP header too (nginx passes it on): the HTTP span joins the same trace.
  const requestInit = { headers: { traceparent: `00-${traceId}-${clientSpan}-01` } };
  await client.connect(new StreamableHTTPClientTransport(stack.url, { authProvider: oauth, requestInit }));
  const result = await client.callTool({
    name: 'countdown',
    arguments: { seconds: 2 },
    _meta: { traceparent: `00-${traceId}-${clientSpan}-01` },
  });
  expect(JSON.stringify(result)).toContain('Countdown of 2 s finished.');
  await client.close();

  const spans = () => telemetry.receiver.spans.filter((s) => s.traceId === traceId);
  await waitFor(() => spans().filter((s) => s.name === 'countdown tick').length === 2, 20_000, 'the trace of the call');
  const call = spans().find((s) => s.name === 'tools/call countdown')!;
  const http = spans().find((s) => s.spanId === call.parentSpanId)!;
  expect(http).toMatchObject({ name: 'POST /mcp', parentSpanId: clientSpan });
  expect(call.attributes).toMatchObject({
    'gen_ai.tool.name': 'countdown',
    'mcp.method.name': 'tools/call',
    'mcp.protocol.version': '2025-11-25',
  });
  expect(
    spans()
      .filter((s) => s.parentSpanId === call.spanId)
      .map((s) => s.name),
  ).toEqual(['countdown tick', 'countdown tick']);
  expect(call.service).toBe('remote-mcp-stacks-local');
  // A session rebuilt on another instance replays its initialize internally: no span for that.
  expect(spans().filter((s) => String(s.attributes['jsonrpc.request.id'] ?? '').startsWith('__restore'))).toEqual([]);
  // For docs/observability.md: the tree as the trace console prints it.
  await waitFor(() => printed.some((t) => t.startsWith(`trace ${traceId}`)), 10_000, 'the printed tree');
  console.log(spanTree(telemetry.receiver.spans, traceId));
});
