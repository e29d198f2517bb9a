/**
 * Memory ceiling: clients that open streams and never read them. The server runs as its own process (its RSS is
 * read from /proc); raw sockets send their request and never read a byte of the answer.
 *
 * - `countdown` with the largest progress token still allowed: the echoed token costs nothing; larger tokens (up
 *   to 3.5 MB, which once exhausted the heap) are refused with a 400 naming the field.
 * - `flood` (64 KiB progress notifications every 10 ms): each unread stream is ended once its unsent bytes pass the
 *   bound, logged with the principal — in stateless and stateful Streamable HTTP and on legacy SSE streams.
 * Throughout, RSS growth stays under a fixed figure and /healthz answers fast.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { DEFAULTS } from '../../server/config/contract';
import { MAX_ECHOED_STRING_BYTES } from '../../server/mcp/echoedValues';
import { ROOT, waitForReady } from '../helpers/process';
import { type RedisServer, startRedis } from '../helpers/redis';
import { MCP_HEADERS, freePort } from '../helpers/server';
import { openSession } from '../helpers/session';

const STREAMS = 20;
const WATCH_MS = 10_000;
/**
 * Without backpressure the floods below are buffered whole (~380 MiB), and 40 countdowns with 3.5 MB tokens grew
 * RSS by ~115 MB/s. With it: STREAMS × (bound + one message), plus the garbage of 64 KiB messages made at 128 MB/s
 * that the next major GC returns.
 */
const MAX_RSS_GROWTH_MB = 150;
/** Per stream: 300 × 64 KiB ≈ 19 MiB over ~3 s, ≈ 380 MiB for all streams if nothing were bounded. */
const FLOOD_CHUNKS = 300;
/** Generous: the CI machine is shared; an instance whose memory runs out takes seconds, then stops answering. */
const MAX_HEALTHZ_MS = 1500;
const ENDED_LOG = 'stream ended: the client is not reading';
const BIG_TOKEN = 'x'.repeat(3.5 * 1024 * 1024);
const MAX_TOKEN = 't'.repeat(MAX_ECHOED_STRING_BYTES);

interface Server {
  child: ChildProcess;
  port: number;
  base: string;
  output(): string;
  ended(): number;
}

const running: ChildProcess[] = [];
const sockets: Socket[] = [];
afterEach(() => {
  for (const s of sockets.splice(0)) s.destroy();
});
afterAll(() => {
  for (const c of running) c.kill('SIGKILL');
});

async function startServer(env: Record<string, string>): Promise<Server> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', join(__dirname, 'fixtures', 'floodServer.ts')],
    {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/tmp',
        HOST: '127.0.0.1',
        PORT: String(port),
        MCP_AUTH_MODE: 'none',
        LOG_LEVEL: 'warn',
        MCP_DRAIN_SECONDS: '1',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  running.push(child);
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const base = `http://127.0.0.1:${port}`;
  await waitForReady(base, 60_000);
  return {
    child,
    port,
    base,
    output: () => out,
    ended: () => out.split('\n').filter((l) => l.includes(ENDED_LOG)).length,
  };
}

/** Sends one HTTP request on a raw socket that never reads (paused before it connects: not a byte is taken). */
function unread(port: number, method: string, path: string, headers: Record<string, string>, body = ''): Socket {
  const socket = connect(port, '127.0.0.1');
  socket.pause();
  socket.on('error', () => undefined);
  const lines = [
    `${method} ${path} HTTP/1.1`,
    `Host: 127.0.0.1:${port}`,
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
  ];
  if (method === 'POST') lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
  socket.write(`${lines.join('\r\n')}\r\n\r\n${body}`);
  sockets.push(socket);
  return socket;
}

const call = (id: number, name: string, args: Record<string, unknown>, progressToken: string) =>
  JSON.stringify({
    jsonrpc: '2.0',
    id,
    method: 'tools/call',
    params: { name, arguments: args, _meta: { progressToken } },
  });

function rssMb(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1];
  return Number(kb) / 1024;
}

/** Samples the server's RSS and /healthz latency for `ms` (or until `until` holds, after at least 2 s). */
async function watch(server: Server, baseline: number, ms: number, until?: () => boolean) {
  let peak = baseline;
  let slowest = 0;
  const end = Date.now() + ms;
  const start = Date.now();
  while (Date.now() < end) {
    peak = Math.max(peak, rssMb(server.child.pid!));
    const t = Date.now();
    const health = await fetch(`${server.base}/healthz`, { signal: AbortSignal.timeout(5000) });
    expect(health.status).toBe(200);
    slowest = Math.max(slowest, Date.now() - t);
    if (until?.() && Date.now() - start > 2000) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  peak = Math.max(peak, rssMb(server.child.pid!));
  return {
    baselineMb: Math.round(baseline),
    peakMb: Math.round(peak),
    growthMb: Math.round(peak - baseline),
    slowestHealthzMs: slowest,
  };
}

/** A settled baseline: RSS after start-up work (first requests compile code paths). */
async function settledRss(server: Server): Promise<number> {
  for (let i = 0; i < 5; i++) await fetch(`${server.base}/healthz`);
  await new Promise((r) => setTimeout(r, 500));
  return rssMb(server.child.pid!);
}

/**
 * The attack of the report: unread requests with 3.5 MB progress tokens. Each is answered 400 and never starts;
 * returns once all are (the access log shows them). Parsing 70 MB of bodies costs memory for a moment — the cost
 * of the body size limit, not of streams — so it happens before the baseline of the streams that are accepted.
 */
async function refusedBigTokens(server: Server, headers: Record<string, string>, firstId: number) {
  const refusals = () => server.output().match(/"status":400/g)?.length ?? 0;
  // The access log is written asynchronously: let the lines of earlier requests arrive before taking the baseline.
  for (let last = -1, now = refusals(); now !== last; last = now, now = refusals())
    await new Promise((r) => setTimeout(r, 300));
  const before = refusals();
  const rss = rssMb(server.child.pid!);
  for (let i = 0; i < STREAMS; i++)
    unread(server.port, 'POST', '/mcp', headers, call(firstId + i, 'countdown', { seconds: 3600 }, BIG_TOKEN));
  const deadline = Date.now() + 30_000;
  while (refusals() - before < STREAMS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  expect(refusals() - before).toBe(STREAMS);
  return {
    bodiesParsedMb: Math.round((STREAMS * BIG_TOKEN.length) / 2 ** 20),
    rssGrowthMb: Math.round(rssMb(server.child.pid!) - rss),
  };
}

async function expectRefusedToken(url: string, headers: Record<string, string>, token: string, id: number) {
  const res = await fetch(url, { method: 'POST', headers, body: call(id, 'countdown', { seconds: 3600 }, token) });
  expect(res.status).toBe(400);
  const body = (await res.json()) as { error: { code: number; message: string } };
  expect(body.error.code).toBe(-32600);
  expect(body.error.message).toContain('params._meta.progressToken');
  expect(body.error.message).toContain(String(MAX_ECHOED_STRING_BYTES));
}

describe('unread streams: stateless', () => {
  let server: Server;
  beforeAll(async () => {
    server = await startServer({ MCP_SESSION_MODE: 'stateless' });
  }, 90_000);

  test('a tool writing faster than an unread stream takes: each stream is ended past the bound, memory stays bounded', async () => {
    const baseline = await settledRss(server);
    const before = server.ended();
    for (let i = 0; i < STREAMS; i++)
      unread(server.port, 'POST', '/mcp', MCP_HEADERS, call(i, 'flood', { chunks: FLOOD_CHUNKS }, `f${i}`));
    const figures = await watch(server, baseline, 20_000, () => server.ended() - before >= STREAMS);
    console.log(`stateless, ${STREAMS} unread floods (64 KiB every 10 ms), bound ${DEFAULTS.streamBufferBytes} B:`, {
      ...figures,
      ended: server.ended() - before,
    });
    expect(server.ended() - before).toBe(STREAMS);
    expect(figures.growthMb).toBeLessThan(MAX_RSS_GROWTH_MB);
    expect(figures.slowestHealthzMs).toBeLessThan(MAX_HEALTHZ_MS);
    const line = JSON.parse(
      server
        .output()
        .split('\n')
        .find((l) => l.includes(ENDED_LOG))!,
    );
    expect(line).toMatchObject({
      principal: { subject: 'anonymous' },
      path: '/mcp',
      limit: DEFAULTS.streamBufferBytes,
    });
    expect(line.unsentBytes).toBeGreaterThan(DEFAULTS.streamBufferBytes);
  }, 60_000);

  test('legacy SSE: unread streams carrying floods are ended too', async () => {
    const baseline = await settledRss(server);
    const before = server.ended();
    for (let i = 0; i < STREAMS; i++) {
      const socket = unread(server.port, 'GET', '/sse', { accept: 'text/event-stream' });
      // Read only the `endpoint` event (the session id), then never again.
      socket.resume();
      const head = await new Promise<string>((resolve) => {
        let text = '';
        const onData = (d: Buffer) => {
          text += d;
          if (/sessionId=[\w-]+/.test(text)) {
            socket.off('data', onData);
            socket.pause();
            resolve(text);
          }
        };
        socket.on('data', onData);
      });
      const endpoint = /data: (\/messages\?sessionId=[\w-]+)/.exec(head)![1]!;
      const post = await fetch(`${server.base}${endpoint}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: call(1, 'flood', { chunks: FLOOD_CHUNKS }, `l${i}`),
      });
      expect(post.status).toBe(202);
    }
    const figures = await watch(server, baseline, 20_000, () => server.ended() - before >= STREAMS);
    console.log(`legacy SSE, ${STREAMS} unread floods:`, { ...figures, ended: server.ended() - before });
    expect(server.ended() - before).toBe(STREAMS);
    expect(figures.growthMb).toBeLessThan(MAX_RSS_GROWTH_MB);
    expect(figures.slowestHealthzMs).toBeLessThan(MAX_HEALTHZ_MS);
  }, 60_000);
  test('countdowns with the largest allowed progress token, unread: bounded memory; larger tokens refused', async () => {
    const url = `${server.base}/mcp`;
    await expectRefusedToken(url, MCP_HEADERS, 'x'.repeat(MAX_ECHOED_STRING_BYTES + 1), 1);
    await expectRefusedToken(url, MCP_HEADERS, BIG_TOKEN, 2);
    const longId = await fetch(url, {
      method: 'POST',
      headers: MCP_HEADERS,
      body: JSON.stringify({ jsonrpc: '2.0', id: 'i'.repeat(300), method: 'tools/list' }),
    });
    expect(longId.status).toBe(400);
    expect(((await longId.json()) as { error: { message: string } }).error.message).toMatch(/\bid is longer than/);

    console.log(
      `stateless, ${STREAMS} unread requests with 3.5 MB tokens, all refused:`,
      await refusedBigTokens(server, MCP_HEADERS, 1000),
    );

    const baseline = await settledRss(server);
    for (let i = 0; i < STREAMS; i++)
      unread(server.port, 'POST', '/mcp', MCP_HEADERS, call(i, 'countdown', { seconds: 3600 }, MAX_TOKEN));
    const figures = await watch(server, baseline, WATCH_MS);
    console.log(
      `stateless, ${STREAMS} unread countdowns with ${MAX_ECHOED_STRING_BYTES} B tokens, ${WATCH_MS / 1000} s:`,
      figures,
    );
    expect(figures.growthMb).toBeLessThan(MAX_RSS_GROWTH_MB);
    expect(figures.slowestHealthzMs).toBeLessThan(MAX_HEALTHZ_MS);
  }, 60_000);
});

describe('unread streams: stateful (in-memory sessions)', () => {
  let server: Server;
  let headers: Record<string, string>;
  beforeAll(async () => {
    server = await startServer({ MCP_SESSION_MODE: 'stateful' });
    const session = await openSession(`${server.base}/mcp`);
    headers = session.headers;
    expect(session.initializedStatus).toBe(202);
  }, 90_000);

  test('a tool writing faster than an unread stream takes: each stream is ended past the bound, memory stays bounded', async () => {
    const baseline = await settledRss(server);
    const before = server.ended();
    for (let i = 0; i < STREAMS; i++)
      unread(server.port, 'POST', '/mcp', headers, call(200 + i, 'flood', { chunks: FLOOD_CHUNKS }, `f${i}`));
    const figures = await watch(server, baseline, 20_000, () => server.ended() - before >= STREAMS);
    console.log(`stateful, ${STREAMS} unread floods (64 KiB every 10 ms):`, {
      ...figures,
      ended: server.ended() - before,
    });
    expect(server.ended() - before).toBe(STREAMS);
    expect(figures.growthMb).toBeLessThan(MAX_RSS_GROWTH_MB);
    expect(figures.slowestHealthzMs).toBeLessThan(MAX_HEALTHZ_MS);
  }, 60_000);
  test('countdowns with the largest allowed progress token, unread: bounded memory; larger tokens refused', async () => {
    await expectRefusedToken(`${server.base}/mcp`, headers, 'x'.repeat(MAX_ECHOED_STRING_BYTES + 1), 2);
    await expectRefusedToken(`${server.base}/mcp`, headers, BIG_TOKEN, 3);
    console.log(
      `stateful, ${STREAMS} unread requests with 3.5 MB tokens, all refused:`,
      await refusedBigTokens(server, headers, 1100),
    );

    const baseline = await settledRss(server);
    for (let i = 0; i < STREAMS; i++)
      unread(server.port, 'POST', '/mcp', headers, call(100 + i, 'countdown', { seconds: 3600 }, MAX_TOKEN));
    const figures = await watch(server, baseline, WATCH_MS);
    console.log(
      `stateful, ${STREAMS} unread countdowns with ${MAX_ECHOED_STRING_BYTES} B tokens, ${WATCH_MS / 1000} s:`,
      figures,
    );
    expect(figures.growthMb).toBeLessThan(MAX_RSS_GROWTH_MB);
    expect(figures.slowestHealthzMs).toBeLessThan(MAX_HEALTHZ_MS);
  }, 60_000);
});

describe('unread streams: clustered (sessions in Redis, streams tailed from the store)', () => {
  /** Fewer streams: every flood message also goes through Redis. */
  const CLUSTER_STREAMS = 5;
  let redis: RedisServer;
  let server: Server;
  let headers: Record<string, string>;
  beforeAll(async () => {
    redis = await startRedis();
    server = await startServer({ MCP_SESSION_MODE: 'stateful', REDIS_URL: redis.url });
    const session = await openSession(`${server.base}/mcp`);
    headers = session.headers;
    expect(session.initializedStatus).toBe(202);
  }, 90_000);
  afterAll(async () => {
    server?.child.kill('SIGKILL');
    await redis?.stop();
  });

  test('each unread stream is ended past the bound; oversized progress tokens refused', async () => {
    await expectRefusedToken(`${server.base}/mcp`, headers, BIG_TOKEN, 2);
    const baseline = await settledRss(server);
    const before = server.ended();
    for (let i = 0; i < CLUSTER_STREAMS; i++)
      unread(server.port, 'POST', '/mcp', headers, call(300 + i, 'flood', { chunks: FLOOD_CHUNKS }, `c${i}`));
    const figures = await watch(server, baseline, 30_000, () => server.ended() - before >= CLUSTER_STREAMS);
    console.log(`clustered, ${CLUSTER_STREAMS} unread floods:`, { ...figures, ended: server.ended() - before });
    expect(server.ended() - before).toBe(CLUSTER_STREAMS);
    expect(figures.growthMb).toBeLessThan(MAX_RSS_GROWTH_MB);
    expect(figures.slowestHealthzMs).toBeLessThan(MAX_HEALTHZ_MS);
  }, 60_000);
});
