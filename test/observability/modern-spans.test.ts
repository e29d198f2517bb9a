/**
 * OpenTelemetry on the 2026-07-28 leg (SDK v2), in a real server process exporting OTLP/HTTP with JSON bodies
 * (`OTEL_EXPORTER_OTLP_PROTOCOL=http/json`; the other tests use the protobuf default) to a receiver in the test: one SERVER span per MCP request by the MCP conventions, child of the client's `_meta.traceparent`, with
 * the revision from the request's envelope, no session id (none in this era), and the operation-duration metric.
 */
import { Client as ModernClient, StreamableHTTPClientTransport as ModernTransport } from '@modelcontextprotocol/client';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../../stack/otlpReceiver';
import { spawnServer, waitForReady, type ServerProcess } from '../helpers/process';
import { freePort } from '../helpers/server';
import { waitFor } from '../helpers/wait';
import { MODERN, modernPost } from '../modern/helpers';

const TOKEN = 'tok-' + 'm'.repeat(40);
const SECRET_ARG = 'a-secret-modern-argument-9c2e';

const traceId = (n: number) => n.toString(16).padStart(32, 'c');
const spanId = (n: number) => n.toString(16).padStart(16, 'd');
const traceparent = (t: number, s: number) => `00-${traceId(t)}-${spanId(s)}-01`;

let receiver: OtlpReceiver;
let proc: ServerProcess;
let mcpUrl: URL;
let client: ModernClient;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  const port = await freePort();
  proc = spawnServer({
    HOST: '127.0.0.1',
    PORT: String(port),
    MCP_AUTH_MODE: 'token',
    MCP_BEARER_TOKENS: TOKEN,
    MCP_SESSION_MODE: 'stateless',
    MCP_DRAIN_SECONDS: '0',
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_BSP_SCHEDULE_DELAY: '50',
    OTEL_METRIC_EXPORT_INTERVAL: '200',
    OTEL_SERVICE_NAME: 'mcp-modern-under-test',
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitForReady(baseUrl, 60_000);
  mcpUrl = new URL('/mcp', baseUrl);
  client = new ModernClient(
    { name: 'v2', version: '1.0.0' },
    { capabilities: { elicitation: { form: {} } }, versionNegotiation: { mode: { pin: MODERN } } },
  );
  await client.connect(new ModernTransport(mcpUrl, { requestInit: { headers: { authorization: `Bearer ${TOKEN}` } } }));
}, 120_000);
afterAll(async () => {
  await client?.close().catch(() => undefined);
  if (proc) {
    proc.child.kill('SIGTERM');
    await proc.exited;
  }
  await receiver?.close();
});

const spanBy = async (pred: (s: ReceivedSpan) => boolean, what: string): Promise<ReceivedSpan> => {
  await waitFor(() => receiver.spans.some(pred), 10_000, what);
  return receiver.spans.find(pred)!;
};
const mcpSpanIn = (t: number, what: string) =>
  spanBy((s) => s.traceId === traceId(t) && s.kind === 2 && s.name !== 'POST /mcp', what);

const durationCount = (match: Record<string, unknown>) =>
  (receiver.latest.get('mcp.server.operation.duration') ?? [])
    .filter((p) => Object.entries(match).every(([k, v]) => p.attributes[k] === v))
    .reduce((n, p) => n + (p.count ?? 0), 0);

test('a 2026-07-28 tools/call (v2 client) is a span by the MCP conventions, child of _meta.traceparent; the duration metric moves', async () => {
  const echo = { 'mcp.method.name': 'tools/call', 'gen_ai.tool.name': 'echo' };
  const before = durationCount(echo);
  const result = await client.callTool({
    name: 'echo',
    arguments: { text: SECRET_ARG },
    _meta: { traceparent: traceparent(1, 1) },
  });
  expect(JSON.stringify(result.content)).toContain(SECRET_ARG);

  const mcp = await spanBy((s) => s.traceId === traceId(1) && s.name === 'tools/call echo', 'the modern MCP span');
  expect(mcp.kind).toBe(2); // SERVER
  expect(mcp.parentSpanId).toBe(spanId(1));
  expect(mcp.service).toBe('mcp-modern-under-test');
  // jsonrpc.request.id is the client's own counter: a string of digits.
  expect(mcp.attributes).toEqual({
    'mcp.method.name': 'tools/call',
    'mcp.protocol.version': MODERN,
    'jsonrpc.request.id': expect.stringMatching(/^\d+$/),
    'gen_ai.tool.name': 'echo',
    'gen_ai.operation.name': 'execute_tool',
  });
  // The HTTP span of the same exchange (another trace: the client sent no header) is linked.
  const http = receiver.spans.find((s) => s.name === 'POST /mcp' && mcp.links.some((l) => l.spanId === s.spanId));
  expect(http).toBeDefined();

  await waitFor(() => durationCount(echo) > before, 10_000, 'modern operation duration to move');
  // Spans and metrics above came as JSON bodies, as asked: the protobuf exporters were not used.
  expect(receiver.bodies).toEqual({ protobuf: 0, json: expect.any(Number) });
  expect(receiver.bodies.json).toBeGreaterThan(1);
  expect(
    (receiver.latest.get('mcp.server.operation.duration') ?? [])
      .filter((p) => p.attributes['gen_ai.tool.name'] === 'echo')
      .every((p) => !('error.type' in p.attributes)),
  ).toBe(true);
});

test('with the same trace in the header and _meta, the HTTP span is the parent', async () => {
  const answer = await modernPost(mcpUrl, {
    method: 'tools/list',
    id: 'list-1',
    token: TOKEN,
    meta: { traceparent: traceparent(2, 2) },
    headers: { traceparent: traceparent(2, 3) },
  });
  expect(answer.status).toBe(200);
  const mcp = await mcpSpanIn(2, 'modern tools/list span');
  const http = await spanBy((s) => s.traceId === traceId(2) && s.name === 'POST /mcp', 'its HTTP span');
  expect(mcp.name).toBe('tools/list');
  expect(http.parentSpanId).toBe(spanId(3));
  expect(mcp.parentSpanId).toBe(http.spanId);
  expect(mcp.attributes).toMatchObject({
    'mcp.method.name': 'tools/list',
    'mcp.protocol.version': MODERN,
    'jsonrpc.request.id': 'list-1',
  });
});

test('failures carry error.type (a JSON-RPC error, an isError result); an input_required result is not an error', async () => {
  const failedBefore = durationCount({ 'mcp.method.name': 'resources/read' });
  await modernPost(mcpUrl, {
    method: 'resources/read',
    id: 3,
    token: TOKEN,
    params: { uri: `server://${SECRET_ARG}` },
    meta: { traceparent: traceparent(3, 3) },
  });
  const failed = await mcpSpanIn(3, 'failed modern request span');
  expect(failed.name).toBe('resources/read'); // the URI is the client's text: not in the name
  expect(failed.statusCode).toBe(2);
  expect(failed.attributes['error.type']).toMatch(/^-?\d+$/);
  await waitFor(
    () =>
      durationCount({ 'mcp.method.name': 'resources/read', 'error.type': failed.attributes['error.type'] }) >
      failedBefore,
    10_000,
    'failure counted',
  );

  const toolError = await modernPost(mcpUrl, {
    method: 'tools/call',
    id: 4,
    token: TOKEN,
    params: { name: 'countdown', arguments: { seconds: 0 } },
    meta: { traceparent: traceparent(4, 4) },
  });
  expect(toolError.body.result?.isError).toBe(true);
  const toolSpan = await mcpSpanIn(4, 'modern tool error span');
  expect(toolSpan.name).toBe('tools/call countdown');
  expect(toolSpan.attributes['error.type']).toBe('tool_error');
  expect(toolSpan.statusCode).toBe(2);

  const asked = await modernPost(mcpUrl, {
    method: 'tools/call',
    id: 5,
    token: TOKEN,
    params: { name: 'confirm', arguments: { action: 'rotate' } },
    meta: { traceparent: traceparent(5, 5) },
  });
  expect(asked.body.result?.resultType).toBe('input_required');
  const inputSpan = await mcpSpanIn(5, 'input_required span');
  expect(inputSpan.name).toBe('tools/call confirm');
  expect(inputSpan.attributes['error.type']).toBeUndefined();
  expect(inputSpan.statusCode).not.toBe(2);
});

test('no token, argument or session id in any exported attribute', async () => {
  await waitFor(() => receiver.spans.length > 0, 5000, 'spans');
  const everything = JSON.stringify(receiver.spans.map((s) => [s.name, s.attributes]));
  expect(everything).not.toContain(TOKEN);
  expect(everything).not.toContain(SECRET_ARG);
  expect(everything).not.toContain('mcp.session.id');
});
