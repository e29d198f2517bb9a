/**
 * `npm run bench:streams`: how many idle SSE streams one stateful instance holds, and what each costs.
 * Opens sessions with a standalone GET stream each, in steps, recording the server's RSS and CPU; then holds
 * them idle across keep-alive intervals to measure what keep-alives cost. Appends a table to docs/benchmarks.md.
 */
import { fork } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { freePort } from '../test/helpers/server';
import { cpuMs, rssKiB } from './proc';

const ROOT = join(__dirname, '..');
const STEPS = (process.env.STREAM_STEPS ?? '0,500,1000,2000,3000,5000').split(',').map(Number);
const KEEPALIVE_SECONDS = Number(process.env.STREAM_KEEPALIVE_SECONDS ?? 5);
const IDLE_SECONDS = Number(process.env.STREAM_IDLE_SECONDS ?? 20);

const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });

function post(port: number, body: object, headers: Record<string, string> = {}): Promise<{ status: number; session?: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path: '/mcp', method: 'POST', agent, headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers } },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode!, session: res.headers['mcp-session-id'] as string | undefined }));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

/** Opens a session and its GET stream; resolves once the stream's headers arrived. */
async function openStream(port: number): Promise<http.ClientRequest> {
  const init = await post(port, { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'streams', version: '1' } } });
  const headers = { 'mcp-session-id': init.session!, 'mcp-protocol-version': '2025-11-25' };
  await post(port, { jsonrpc: '2.0', method: 'notifications/initialized' }, headers);
  return new Promise((resolve, reject) => {
    // Each stream on its own connection, as separate clients would have.
    const req = http.request({ host: '127.0.0.1', port, path: '/mcp', method: 'GET', agent: false, headers: { accept: 'text/event-stream', ...headers } }, (res) => {
      if (res.statusCode !== 200) reject(new Error(`GET stream: ${res.statusCode}`));
      res.on('data', () => {});
      resolve(req);
    });
    req.on('error', reject);
    req.end();
  });
}

async function main() {
  const port = await freePort();
  const child = fork(join(ROOT, 'dist', 'server', 'main.js'), [], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', MCP_AUTH_MODE: 'none', MCP_SESSION_MODE: 'stateful', LOG_LEVEL: 'warn', MCP_KEEPALIVE_SECONDS: String(KEEPALIVE_SECONDS), MCP_MAX_SESSIONS: '100000' },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const pid = child.pid!;
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/readyz`)).ok) break;
    } catch {
      /* starting */
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const streams: http.ClientRequest[] = [];
  const rows: string[] = [];
  const base = rssKiB(pid);
  for (const target of STEPS) {
    while (streams.length < target) {
      const batch = Math.min(100, target - streams.length);
      streams.push(...(await Promise.all(Array.from({ length: batch }, () => openStream(port)))));
    }
    (global as { gc?: () => void }).gc?.();
    await new Promise((r) => setTimeout(r, 1500));
    const rss = rssKiB(pid);
    const cpu0 = cpuMs(pid);
    await new Promise((r) => setTimeout(r, IDLE_SECONDS * 1000));
    const idleCpu = ((cpuMs(pid) - cpu0) / (IDLE_SECONDS * 1000)) * 100;
    const perStream = target > 0 ? ((rss - base) / target).toFixed(1) : '–';
    const row = `| ${target} | ${(rss / 1024).toFixed(1)} | ${perStream} | ${idleCpu.toFixed(2)} |`;
    rows.push(row);
    console.log(row);
  }
  for (const s of streams) s.destroy();
  child.kill('SIGTERM');
  const table = [
    '| open idle streams | server RSS MiB | KiB per stream | CPU % while idle |',
    '|---:|---:|---:|---:|',
    ...rows,
  ].join('\n');
  appendFileSync(
    join(ROOT, 'docs', 'benchmarks.md'),
    `\n## Idle stream capacity (stateful)\n\n\`npm run bench:streams\` — sessions each holding a standalone GET SSE stream, keep-alive every ${KEEPALIVE_SECONDS} s, CPU measured over ${IDLE_SECONDS} s of idleness at each step.\n\n${table}\n`,
  );
}

void main();
