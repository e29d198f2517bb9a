/**
 * `npm run bench:streams`: how many idle streams one instance holds, and what each costs — 2025-11-25 standalone GET
 * streams of stateful sessions, and 2026-07-28 `subscriptions/listen` streams, each kind on a fresh server. Opens the
 * streams in steps, recording the server's RSS and CPU; at each step holds them idle across keep-alive intervals to
 * measure what keep-alives cost, and read RSS at the end of that idle time. The clients run in this process, so only the server's memory is counted. Prints one
 * table with both kinds and appends it to docs/benchmarks.md.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { freePort } from '../test/helpers/server';
import { listenRequest } from '../test/modern/helpers';
import { cpuMs, rssKiB } from './proc';

const ROOT = join(__dirname, '..');
const STEPS = (process.env.STREAM_STEPS ?? '0,500,1000,2000,3000,5000').split(',').map(Number);
const KEEPALIVE_SECONDS = Number(process.env.STREAM_KEEPALIVE_SECONDS ?? 5);
const IDLE_SECONDS = Number(process.env.STREAM_IDLE_SECONDS ?? 20);
/** Which kinds to measure (`get`, `listen`). */
const KINDS = (process.env.STREAM_KINDS ?? 'get,listen').split(',') as Kind[];
/** Client connections come from several loopback source addresses, so 5,000 of them do not exhaust one address's ports. */
const SOURCE_ADDRESSES = 16;

type Kind = 'get' | 'listen';
const LABELS: Record<Kind, string> = {
  get: '2025-11-25 GET stream (stateful session)',
  listen: '2026-07-28 subscriptions/listen',
};

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
let opened = 0;
const localAddress = () => `127.0.0.${1 + (opened++ % SOURCE_ADDRESSES)}`;

function post(
  port: number,
  body: object,
  headers: Record<string, string> = {},
): Promise<{ status: number; session?: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: '/mcp',
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
      },
      (res) => {
        res.resume();
        res.on('end', () =>
          resolve({ status: res.statusCode!, session: res.headers['mcp-session-id'] as string | undefined }),
        );
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

/** Resolves once the stream's first bytes arrived (and, when `expect` is given, they contain it). */
function holdStream(
  options: http.RequestOptions,
  body: string | undefined,
  expect?: string,
): Promise<http.ClientRequest> {
  return new Promise((resolve, reject) => {
    // Each stream on its own connection, as separate clients would have.
    const req = http.request({ host: '127.0.0.1', agent: false, localAddress: localAddress(), ...options }, (res) => {
      if (res.statusCode !== 200) reject(new Error(`${options.method} stream: HTTP ${res.statusCode}`));
      let first = true;
      res.on('data', (chunk: Buffer) => {
        if (!first) return;
        first = false;
        if (expect && !chunk.toString().includes(expect))
          reject(new Error(`stream did not start with ${expect}: ${chunk.toString().slice(0, 200)}`));
        else resolve(req);
      });
      res.on('end', () => reject(new Error(`${options.method} stream ended early`)));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A stateful session and its standalone GET stream. */
async function openGetStream(port: number): Promise<http.ClientRequest> {
  const init = await post(port, {
    jsonrpc: '2.0',
    id: 0,
    method: 'initialize',
    params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'streams', version: '1' } },
  });
  const headers = { 'mcp-session-id': init.session!, 'mcp-protocol-version': '2025-11-25' };
  await post(port, { jsonrpc: '2.0', method: 'notifications/initialized' }, headers);
  return holdStream(
    { port, path: '/mcp', method: 'GET', headers: { accept: 'text/event-stream', ...headers } },
    undefined,
  );
}

/** A 2026-07-28 listen stream for tool-list changes; resolves on the subscription's acknowledgement. */
function openListenStream(port: number, n: number): Promise<http.ClientRequest> {
  const { headers, body } = listenRequest(`listen-${n}`);
  return holdStream({ port, path: '/mcp', method: 'POST', headers }, body, 'notifications/subscriptions/acknowledged');
}

async function startServer(port: number) {
  const child = fork(join(ROOT, 'dist', 'server', 'main.js'), [], {
    execArgv: ['--expose-gc', '--require', join(__dirname, 'servers', 'liveHeapProbe.js')],
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      MCP_AUTH_MODE: 'none',
      MCP_SESSION_MODE: 'stateful',
      LOG_LEVEL: 'warn',
      MCP_KEEPALIVE_SECONDS: String(KEEPALIVE_SECONDS),
      MCP_MAX_SESSIONS: '100000',
      MCP_MAX_SESSIONS_PER_PRINCIPAL: '100000',
    },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/readyz`)).ok) break;
    } catch {
      /* starting */
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return child;
}

/** The server's live JS heap after a full collection (bytes), from the preloaded probe. */
function liveHeap(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    child.once('message', (m) => resolve((m as { liveHeapBytes: number }).liveHeapBytes));
    child.send('live-heap');
  });
}

const open = (kind: Kind, port: number, n: number) =>
  kind === 'get' ? openGetStream(port) : openListenStream(port, n);

async function measure(kind: Kind): Promise<string[]> {
  const port = await freePort();
  const child = await startServer(port);
  const pid = child.pid!;
  const streams: http.ClientRequest[] = [];
  const rows: string[] = [];
  let previous = { streams: 0, rss: 0 };
  // The base is the instance's RSS idle with no stream (the first step, 0), once one stream of the kind has opened and
  // closed: the code that serves it (the SDK v2 side is loaded by the first request) is not a cost of each stream.
  let base = 0;
  let baseHeap = 0;
  (await open(kind, port, -1)).destroy();
  try {
    for (const target of [0, ...STEPS.filter((n) => n > 0)]) {
      while (streams.length < target) {
        const batch = Math.min(100, target - streams.length);
        streams.push(
          ...(await Promise.all(Array.from({ length: batch }, (_, i) => open(kind, port, streams.length + i)))),
        );
      }
      await new Promise((r) => setTimeout(r, 1500));
      const opened = rssKiB(pid);
      const cpu0 = cpuMs(pid);
      await new Promise((r) => setTimeout(r, IDLE_SECONDS * 1000));
      const idleCpu = ((cpuMs(pid) - cpu0) / (IDLE_SECONDS * 1000)) * 100;
      // Idle RSS: what holding the streams costs once the opening burst is over (V8 returns freed pages only after ~10 s of
      // low allocation; with keep-alives running it often keeps them, so the two readings stay close).
      const rss = rssKiB(pid);
      // The live heap at the first and the last step only: a forced collection could lower the RSS of later steps.
      const last = target === STEPS[STEPS.length - 1];
      const heap = target === 0 || last ? (await liveHeap(child)) / 1024 : undefined;
      if (target === 0) {
        base = rss;
        baseHeap = heap!;
      }
      const perStream = (value: number) => (target > 0 ? ((value - base) / target).toFixed(1) : '–');
      // What one more stream costs at this scale.
      const marginal =
        target > previous.streams && previous.streams > 0
          ? ((rss - previous.rss) / (target - previous.streams)).toFixed(1)
          : '–';
      previous = { streams: target, rss };
      const liveHeapPerStream = target > 0 && heap !== undefined ? ((heap - baseHeap) / target).toFixed(1) : '–';
      const row = `| ${LABELS[kind]} | ${target} | ${(rss / 1024).toFixed(1)} | ${perStream(rss)} | ${marginal} | ${perStream(opened)} | ${liveHeapPerStream} | ${idleCpu.toFixed(2)} |`;
      rows.push(row);
      console.log(row);
    }
  } finally {
    for (const s of streams) s.destroy();
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
  return rows;
}

async function main() {
  const header = [
    '| stream | open idle streams | server RSS MiB (idle) | KiB per stream (idle) | KiB per added stream (idle, since previous step) | KiB per stream (1.5 s after opening) | live JS heap KiB per stream (after a full GC) | CPU % of a core while idle |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  console.log(header.join('\n'));
  const rows: string[] = [];
  for (const kind of KINDS) rows.push(...(await measure(kind)));
  const table = [...header, ...rows].join('\n');
  appendFileSync(
    join(ROOT, 'docs', 'benchmarks.md'),
    `\n## Idle stream capacity\n\n\`npm run bench:streams\` — one fresh instance per kind: stateful sessions each holding a standalone GET SSE stream, and 2026-07-28 \`subscriptions/listen\` streams (tool-list changes); keep-alive every ${KEEPALIVE_SECONDS} s, CPU measured over ${IDLE_SECONDS} s of idleness at each step; RSS above the instance's with no stream open (after one stream of the kind opened and closed, so the code that serves it is loaded), read at the end of that idle time (and, for comparison, 1.5 s after the streams opened, before V8 may return the burst's freed pages); then, at the last step, the live JS heap per stream, read after a full garbage collection (a probe preloaded into the server for this bench only, with \`--expose-gc\`): what the open streams keep, without the garbage of their opening that V8 has not yet collected or has collected but keeps as heap.\n\n${table}\n`,
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
