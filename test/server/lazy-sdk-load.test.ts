/**
 * Cold start (bench/coldStart.ts): the SDKs (v2 for 2026-07-28, v1's server for 2025/2024) and ioredis are not loaded
 * before the server is ready; the first MCP request loads them and is answered.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

jest.setTimeout(60_000);

const ROOT = join(__dirname, '..', '..');

/** Starts the app in a child process, prints which of the heavy modules are loaded before and after one call. */
const SCRIPT = `
const { createMcpApp } = require('./server/app');
const { loadConfig } = require('./server/config/env');
const heavy = () => {
  const files = Object.keys(require.cache);
  return {
    v2: files.some((f) => f.includes('/@modelcontextprotocol/server/')),
    v1Server: files.some((f) => f.includes('/@modelcontextprotocol/sdk/dist/cjs/server/mcp.js')),
    ioredis: files.some((f) => f.includes('/node_modules/ioredis/')),
  };
};
(async () => {
  const mcp = await createMcpApp({ config: loadConfig() });
  const { url } = await mcp.listen();
  const before = heavy();
  const res = await fetch(url + '/mcp', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { text: 'hi' } } }),
  });
  const answer = await res.text();
  process.stdout.write(JSON.stringify({ before, after: heavy(), status: res.status, answered: answer.includes('"text":"hi"') }));
  process.exit(0);
})().catch((err) => { console.error(err); process.exit(1); });
`;

test('ready without the SDKs and ioredis; the first MCP request loads them and is answered', async () => {
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', SCRIPT], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      PORT: '0',
      HOST: '127.0.0.1',
      MCP_AUTH_MODE: 'none',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  const code = await new Promise((resolve) => child.once('exit', resolve));
  expect(code).toBe(0);
  const result = JSON.parse(out) as {
    before: Record<string, boolean>;
    after: Record<string, boolean>;
    status: number;
    answered: boolean;
  };
  expect(result.before).toEqual({ v2: false, v1Server: false, ioredis: false });
  expect(result).toMatchObject({ status: 200, answered: true, after: { v2: true, v1Server: true, ioredis: false } });
});
