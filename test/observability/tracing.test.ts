/**
 * OpenTelemetry on, in real server processes exporting OTLP/HTTP (protobuf, the default) to a receiver in the test (the exporter
 * loads `http` with a dynamic import, which jest's module sandbox cannot run in process): one SERVER span per MCP request by the MCP semantic
 * conventions, parented on the client's trace context, no secret or argument in any attribute; metrics that move.
 */
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../../stack/otlpReceiver';
import { sessionIdHash } from '../../server/observability/mcpSpans';
import { spawnServer, waitForReady, type ServerProcess } from '../helpers/process';
import { freePort, initializeBody, MCP_HEADERS } from '../helpers/server';
import { waitFor } from '../helpers/wait';

const TOKEN = 'tok-' + 'x'.repeat(40);
const SECRET_ARG = 'a-secret-argument-value-7f3a';
const AUTH = { ...MCP_HEADERS, authorization: `Bearer ${TOKEN}` };

const traceId = (n: number) => n.toString(16).padStart(32, 'a');
const spanId = (n: number) => n.toString(16).padStart(16, 'b');
const traceparent = (t: number, s: number) => `00-${traceId(t)}-${spanId(s)}-01`;

interface TestServer {
  proc: ServerProcess;
  baseUrl: string;
  mcpUrl: URL;
  logs(): Record<string, unknown>[];
}

let receiver: OtlpReceiver;
let stateful: TestServer;
let stateless: TestServer;

async function start(mode: string): Promise<TestServer> {
  const port = await freePort();
  const proc = spawnServer({
    HOST: '127.0.0.1',
    PORT: String(port),
    MCP_AUTH_MODE: 'token',
    MCP_BEARER_TOKENS: TOKEN,
    MCP_SESSION_MODE: mode,
    MCP_DRAIN_SECONDS: '0',
    // Export at once; metrics every 200 ms.
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_BSP_SCHEDULE_DELAY: '50',
    OTEL_METRIC_EXPORT_INTERVAL: '200',
    OTEL_SERVICE_NAME: 'mcp-under-test',
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitForReady(baseUrl, 60_000);
  const logs = () =>
    proc
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { proc, baseUrl, mcpUrl: new URL('/mcp', baseUrl), logs };
}

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  [stateful, stateless] = await Promise.all([start('stateful'), start('stateless')]);
}, 120_000);
afterAll(async () => {
  for (const s of [stateful, stateless]) {
    if (!s) continue;
    s.proc.child.kill('SIGTERM');
    await s.proc.exited;
  }
  await receiver?.close();
});

const callBody = (id: number, name: string, args: object, meta?: object) =>
  JSON.stringify({
    jsonrpc: '2.0',
    id,
    method: 'tools/call',
    params: { name, arguments: args, ...(meta ? { _meta: meta } : {}) },
  });

async function post(server: TestServer, body: string, headers: Record<string, string> = {}) {
  const res = await fetch(server.mcpUrl, { method: 'POST', headers: { ...AUTH, ...headers }, body });
  const text = await res.text();
  return { res, text };
}

async function openSession(): Promise<string> {
  const { res } = await post(stateful, JSON.stringify(initializeBody(1)));
  const id = res.headers.get('mcp-session-id')!;
  await post(stateful, JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }), {
    'mcp-session-id': id,
    'mcp-protocol-version': '2025-11-25',
  });
  return id;
}

const spanBy = async (pred: (s: ReceivedSpan) => boolean, what: string): Promise<ReceivedSpan> => {
  await waitFor(() => receiver.spans.some(pred), 10_000, what);
  return receiver.spans.find(pred)!;
};

test('telemetry is on because OTEL_EXPORTER_OTLP_ENDPOINT is set; protobuf bodies when no protocol is named', async () => {
  expect(stateful.logs().find((l) => l.message === 'OpenTelemetry export on (OTLP/HTTP)')).toMatchObject({
    traces: true,
    metrics: true,
    protocol: 'http/protobuf',
  });
  await waitFor(() => receiver.bodies.protobuf > 0, 10_000);
  expect(receiver.bodies.json).toBe(0);
});

test('a tools/call span by the MCP conventions, child of _meta.traceparent, linked to the HTTP span of the header trace', async () => {
  const session = await openSession();
  const { res, text } = await post(
    stateful,
    callBody(7, 'echo', { text: SECRET_ARG }, { traceparent: traceparent(1, 1) }),
    {
      'mcp-session-id': session,
      'mcp-protocol-version': '2025-11-25',
      traceparent: traceparent(2, 2),
    },
  );
  expect(res.status).toBe(200);
  expect(text).toContain(SECRET_ARG);
  const mcp = await spanBy((s) => s.traceId === traceId(1) && s.name === 'tools/call echo', 'the MCP span');
  const http = await spanBy((s) => s.traceId === traceId(2) && s.name === 'POST /mcp', 'the HTTP span');
  expect(mcp.kind).toBe(2); // SERVER
  expect(mcp.parentSpanId).toBe(spanId(1));
  expect(mcp.links).toEqual([{ traceId: http.traceId, spanId: http.spanId }]);
  expect(http.parentSpanId).toBe(spanId(2));
  expect(http.attributes).toMatchObject({ 'http.request.method': 'POST', 'http.response.status_code': 200 });
  expect(mcp.service).toBe('mcp-under-test');
  expect(mcp.attributes).toEqual({
    'mcp.method.name': 'tools/call',
    'mcp.protocol.version': '2025-11-25',
    'mcp.session.id': sessionIdHash(session),
    'jsonrpc.request.id': '7',
    'gen_ai.tool.name': 'echo',
    'gen_ai.operation.name': 'execute_tool',
  });
  expect(mcp.attributes['mcp.session.id']).toMatch(/^[0-9a-f]{16}$/);
  // The access log names the trace of the HTTP span.
  const line = stateful.logs().find((l) => (l as { traceId?: string }).traceId === http.traceId);
  expect(line).toMatchObject({ mcpMethod: 'tools/call' });
});

test('with the same trace in _meta and the header, the HTTP span is the parent; with only the header, too', async () => {
  await post(stateless, callBody(8, 'echo', { text: 'x' }, { traceparent: traceparent(3, 3) }), {
    traceparent: traceparent(3, 4),
  });
  const mcp = await spanBy((s) => s.traceId === traceId(3) && s.name === 'tools/call echo', 'same-trace MCP span');
  const http = await spanBy((s) => s.traceId === traceId(3) && s.name === 'POST /mcp', 'same-trace HTTP span');
  expect(http.parentSpanId).toBe(spanId(4));
  expect(mcp.parentSpanId).toBe(http.spanId);
  expect(mcp.links).toEqual([]);

  await post(stateless, callBody(9, 'echo', { text: 'y' }), { traceparent: traceparent(5, 5) });
  const onlyHeader = await spanBy(
    (s) => s.traceId === traceId(5) && s.name === 'tools/call echo',
    'header-only MCP span',
  );
  const httpSpan = receiver.spans.find((s) => s.traceId === traceId(5) && s.name === 'POST /mcp')!;
  expect(onlyHeader.parentSpanId).toBe(httpSpan.spanId);
  expect(httpSpan.parentSpanId).toBe(spanId(5));
  // Stateless: no session, so no mcp.session.id.
  expect(onlyHeader.attributes['mcp.session.id']).toBeUndefined();
});

test('a tool opens child spans (countdown: one per tick) under the call span', async () => {
  const { text } = await post(stateless, callBody(10, 'countdown', { seconds: 2 }, { traceparent: traceparent(6, 6) }));
  expect(text).toContain('Countdown of 2 s finished.');
  const call = await spanBy((s) => s.traceId === traceId(6) && s.name === 'tools/call countdown', 'countdown span');
  await waitFor(
    () => receiver.spans.filter((s) => s.parentSpanId === call.spanId).length === 2,
    10_000,
    'two tick spans',
  );
  const ticks = receiver.spans.filter((s) => s.parentSpanId === call.spanId);
  expect(ticks.map((t) => t.name)).toEqual(['countdown tick', 'countdown tick']);
  expect(ticks.map((t) => t.attributes['countdown.tick']).sort()).toEqual([1, 2]);
  expect(call.endMs - call.startMs).toBeGreaterThanOrEqual(1900);
});

test('failures: a throwing request and a tool error carry error.type; the span status is ERROR', async () => {
  const unknown = `server://${SECRET_ARG}`;
  await post(
    stateless,
    JSON.stringify({
      jsonrpc: '2.0',
      id: 11,
      method: 'resources/read',
      params: { uri: unknown, _meta: { traceparent: traceparent(7, 7) } },
    }),
  );
  const failed = await spanBy(
    (s) => s.traceId === traceId(7) && s.kind === 2 && s.name !== 'POST /mcp',
    'failed request span',
  );
  expect(failed.name).toBe('resources/read'); // the URI is the client's text: not in the name
  expect(failed.statusCode).toBe(2);
  expect(failed.attributes['error.type']).toMatch(/^-?\d+$/); // the JSON-RPC error code

  await post(stateless, callBody(12, 'countdown', { seconds: 0 }, { traceparent: traceparent(8, 8) }));
  const toolError = await spanBy((s) => s.traceId === traceId(8), 'tool error span');
  expect(toolError.attributes['error.type']).toBe('tool_error');
  expect(toolError.statusCode).toBe(2);
});

test('no token, argument, or session id appears in any exported attribute', async () => {
  await waitFor(() => receiver.spans.length > 0, 5000, 'spans');
  const everything = JSON.stringify(receiver.spans.map((s) => [s.name, s.attributes]));
  expect(everything).not.toContain(TOKEN);
  expect(everything).not.toContain(SECRET_ARG);
  for (const s of stateful.logs()) {
    const session = (s as { session?: string }).session;
    if (session) expect(everything).not.toContain(session);
  }
});

const points = (metric: string) => receiver.latest.get(metric) ?? [];
const sumOf = (metric: string, match: Record<string, unknown>, field: 'value' | 'count' = 'value') =>
  points(metric)
    .filter((p) => Object.entries(match).every(([k, v]) => p.attributes[k] === v))
    .reduce((n, p) => n + (p[field] ?? 0), 0);

test('operation duration moves on success and failure, by method, tool and outcome', async () => {
  const ok = { 'mcp.method.name': 'tools/call', 'gen_ai.tool.name': 'echo' };
  const before = sumOf('mcp.server.operation.duration', ok, 'count');
  const beforeErr = sumOf(
    'mcp.server.operation.duration',
    { 'gen_ai.tool.name': 'countdown', 'error.type': 'tool_error' },
    'count',
  );
  await post(stateless, callBody(20, 'echo', { text: 'a' }));
  await post(stateless, callBody(21, 'countdown', { seconds: 0 }));
  await waitFor(
    () =>
      sumOf('mcp.server.operation.duration', ok, 'count') > before &&
      sumOf('mcp.server.operation.duration', { 'gen_ai.tool.name': 'countdown', 'error.type': 'tool_error' }, 'count') >
        beforeErr,
    10_000,
    'operation duration counts to move',
  );
  // Success points carry no error.type.
  expect(
    points('mcp.server.operation.duration')
      .filter((p) => p.attributes['gen_ai.tool.name'] === 'echo')
      .every((p) => !('error.type' in p.attributes)),
  ).toBe(true);
});

test('sessions: active goes up and down, the session duration is recorded at the end', async () => {
  const active = () => sumOf('mcp.server.session.active', { 'mcp.session.kind': 'streamable' });
  const ended = () => sumOf('mcp.server.session.duration', { 'mcp.session.kind': 'streamable' }, 'count');
  await waitFor(() => receiver.latest.has('mcp.server.session.active'), 10_000, 'session metric');
  const base = active();
  const endedBefore = ended();
  const id = await openSession();
  await waitFor(() => active() === base + 1, 10_000, 'active sessions +1');
  const del = await fetch(stateful.mcpUrl, {
    method: 'DELETE',
    headers: { ...AUTH, 'mcp-session-id': id, 'mcp-protocol-version': '2025-11-25' },
  });
  expect(del.status).toBe(200);
  await waitFor(
    () => active() === base && ended() === endedBefore + 1,
    10_000,
    'active sessions back, duration recorded',
  );
});

test('auth failures are counted by reason; drain state is reported', async () => {
  const missing = () => sumOf('mcp.server.auth.failures', { reason: 'missing' });
  const invalid = () => sumOf('mcp.server.auth.failures', { reason: 'invalid_token' });
  const [m0, i0] = [missing(), invalid()];
  expect(
    (await fetch(stateless.mcpUrl, { method: 'POST', headers: MCP_HEADERS, body: callBody(30, 'echo', { text: 'a' }) }))
      .status,
  ).toBe(401);
  const wrong = await fetch(stateless.mcpUrl, {
    method: 'POST',
    headers: { ...MCP_HEADERS, authorization: `Bearer wrong-${TOKEN}` },
    body: callBody(31, 'echo', { text: 'a' }),
  });
  expect(wrong.status).toBe(401);
  await waitFor(() => missing() === m0 + 1 && invalid() === i0 + 1, 10_000, 'auth failure counts');
  expect(points('mcp.server.draining').map((p) => p.value)).toContain(0);
});

test('the legacy SSE path gets MCP spans too', async () => {
  const ac = new AbortController();
  const stream = await fetch(new URL('/sse', stateful.baseUrl), {
    headers: { accept: 'text/event-stream', authorization: `Bearer ${TOKEN}` },
    signal: ac.signal,
  });
  const reader = stream.body!.getReader();
  let buffered = '';
  while (!/event: endpoint\ndata: (.+)\n/.test(buffered))
    buffered += new TextDecoder().decode((await reader.read()).value);
  const endpoint = new URL(/event: endpoint\ndata: (.+)\n/.exec(buffered)![1]!, stateful.baseUrl);
  const send = (body: object) =>
    fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify(body),
    });
  await send({ ...initializeBody(1), params: { ...initializeBody(1).params, protocolVersion: '2024-11-05' } });
  await send({ jsonrpc: '2.0', method: 'notifications/initialized' });
  await send({ jsonrpc: '2.0', id: 2, method: 'tools/list', params: { _meta: { traceparent: traceparent(9, 9) } } });
  const span = await spanBy((s) => s.traceId === traceId(9), 'legacy tools/list span');
  expect(span.name).toBe('tools/list');
  expect(span.parentSpanId).toBe(spanId(9));
  expect(span.attributes['mcp.session.id']).toMatch(/^[0-9a-f]{16}$/);
  await waitFor(
    () => sumOf('mcp.server.stream.open', { 'mcp.stream.kind': 'legacy-sse' }) === 1,
    10_000,
    'legacy stream counted',
  );
  ac.abort();
  await reader.cancel().catch(() => undefined);
});
