/**
 * Metrics that move with the instance's own state, read from a receiver in the test (a real server process,
 * stateful sessions in a real redis-server): open streams by kind (2025 GET, legacy SSE, 2026-07-28
 * `subscriptions/listen`) up while open and down when closed, session-store errors when Redis stops, and the drain
 * gauge at 1 once SIGTERM starts the drain.
 */
import { startOtlpReceiver, type OtlpReceiver } from '../../stack/otlpReceiver';
import { spawnServer, waitForReady, type ServerProcess } from '../helpers/process';
import { startRedis, type RedisServer } from '../helpers/redis';
import { freePort, initializeBody, MCP_HEADERS } from '../helpers/server';
import { readUntil } from '../helpers/sse';
import { waitFor } from '../helpers/wait';
import { listenRequest, MODERN } from '../modern/helpers';

jest.setTimeout(60_000);

const TOKEN = 'tok-' + 's'.repeat(40);
const AUTH = { ...MCP_HEADERS, authorization: `Bearer ${TOKEN}` };
const ENVELOPE = {
  'io.modelcontextprotocol/protocolVersion': MODERN,
  'io.modelcontextprotocol/clientCapabilities': {},
};
const MODERN_HEADERS = { ...AUTH, 'mcp-protocol-version': MODERN };

let receiver: OtlpReceiver;
let redis: RedisServer;
let proc: ServerProcess;
let baseUrl: string;
let mcpUrl: URL;

beforeAll(async () => {
  [receiver, redis] = await Promise.all([startOtlpReceiver(), startRedis()]);
  const port = await freePort();
  proc = spawnServer({
    HOST: '127.0.0.1',
    PORT: String(port),
    MCP_AUTH_MODE: 'token',
    MCP_BEARER_TOKENS: TOKEN,
    MCP_SESSION_MODE: 'stateful',
    REDIS_URL: redis.url,
    MCP_DRAIN_SECONDS: '10',
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_BSP_SCHEDULE_DELAY: '50',
    OTEL_METRIC_EXPORT_INTERVAL: '200',
  });
  baseUrl = `http://127.0.0.1:${port}`;
  await waitForReady(baseUrl, 60_000);
  mcpUrl = new URL('/mcp', baseUrl);
}, 120_000);
afterAll(async () => {
  if (proc && proc.child.exitCode === null && proc.child.signalCode === null) {
    proc.child.kill('SIGKILL');
    await proc.exited;
  }
  await receiver?.close();
  await redis?.stop();
});

const sumOf = (metric: string, match: Record<string, unknown>) =>
  (receiver.latest.get(metric) ?? [])
    .filter((p) => Object.entries(match).every(([k, v]) => p.attributes[k] === v))
    .reduce((n, p) => n + p.value, 0);
const openStreams = (kind: string) => sumOf('mcp.server.stream.open', { 'mcp.stream.kind': kind });

/** Opens a stream, checks the open-streams metric of `kind` goes up by one, closes it, checks it goes back. */
async function upWhileOpen(
  kind: string,
  open: (signal: AbortSignal) => Promise<Response>,
  until: RegExp,
): Promise<void> {
  const before = openStreams(kind);
  const ac = new AbortController();
  const res = await open(ac.signal);
  expect(res.status).toBe(200);
  const reader = res.body!.getReader();
  await readUntil(reader, (t) => until.test(t), { what: `the first event of the ${kind} stream` });
  await waitFor(() => openStreams(kind) === before + 1, 10_000, `${kind} streams +1 while open`);
  ac.abort();
  await reader.cancel().catch(() => undefined);
  await waitFor(() => openStreams(kind) === before, 10_000, `${kind} streams back when closed`);
}

test('open streams by kind: a 2025 GET stream, a legacy SSE stream, a 2026-07-28 listen stream', async () => {
  const init = await fetch(mcpUrl, { method: 'POST', headers: AUTH, body: JSON.stringify(initializeBody(1)) });
  expect(init.status).toBe(200);
  await init.text();
  const session = init.headers.get('mcp-session-id')!;
  const inSession = { ...AUTH, 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' };
  await (
    await fetch(mcpUrl, {
      method: 'POST',
      headers: inSession,
      body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
    })
  ).text();

  // The stream opens with its reconnect hint.
  await upWhileOpen(
    'get',
    (signal) => fetch(mcpUrl, { headers: { ...inSession, accept: 'text/event-stream' }, signal }),
    /retry: \d+/,
  );
  await upWhileOpen(
    'legacy-sse',
    (signal) =>
      fetch(new URL('/sse', baseUrl), {
        headers: { accept: 'text/event-stream', authorization: `Bearer ${TOKEN}` },
        signal,
      }),
    /event: endpoint/,
  );
  const listen = listenRequest('listen-1');
  await upWhileOpen(
    'listen',
    (signal) =>
      fetch(mcpUrl, {
        method: 'POST',
        headers: { ...AUTH, ...listen.headers },
        body: listen.body,
        signal,
      }),
    /subscriptions\/acknowledged/,
  );
  // A listen stream is not a GET stream.
  expect(openStreams('get')).toBe(0);
});

test('the session store stopped: session-store errors are counted, requests get 503, recovery when it is back', async () => {
  const errors = () => sumOf('mcp.server.session_store.errors', {});
  const before = errors();
  await redis.stop();
  await waitFor(() => errors() > before, 15_000, 'session-store errors counted');
  const refused = await fetch(mcpUrl, { method: 'POST', headers: AUTH, body: JSON.stringify(initializeBody(2)) });
  expect(refused.status).toBe(503);
  expect(sumOf('mcp.server.session_store.errors', { operation: 'connect' })).toBeGreaterThan(0);
  await redis.restart();
  await waitFor(
    async () => (await fetch(new URL('/readyz', baseUrl))).ok,
    20_000,
    'ready again once the store is back',
  );
});

test('drain: the gauge is 0 while serving and 1 once SIGTERM starts the drain (a call still in flight)', async () => {
  await waitFor(() => receiver.latest.has('mcp.server.draining'), 10_000, 'drain gauge exported');
  expect(sumOf('mcp.server.draining', {})).toBe(0);
  const call = fetch(mcpUrl, {
    method: 'POST',
    headers: { ...MODERN_HEADERS, 'mcp-method': 'tools/call', 'mcp-name': 'countdown' },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name: 'countdown', arguments: { seconds: 4 }, _meta: ENVELOPE },
    }),
  }).then((r) => r.text());
  let answered = false;
  void call.then(() => (answered = true));
  // Let the call reach the server before the signal.
  await new Promise((r) => setTimeout(r, 500));
  proc.child.kill('SIGTERM');
  await waitFor(() => sumOf('mcp.server.draining', {}) === 1, 10_000, 'drain gauge at 1');
  // Seen while the call was still running: the periodic export, not only the last flush at exit.
  expect(answered).toBe(false);
  expect(await call).toContain('Countdown of 4 s finished.');
  expect(await proc.exited).toBe(0);
});
