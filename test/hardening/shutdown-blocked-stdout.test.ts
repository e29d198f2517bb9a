/**
 * Shutdown when nobody reads the server's stdout (a stuck log collector): the pipe fills, and the process must
 * still exit within the drain bound with the documented code — 0 after the drain, 1 on a second signal — instead of
 * spinning in the logger's final flush with signals no longer handled.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { MCP_HEADERS, freePort } from '../helpers/server';
import { ROOT, waitForReady } from '../helpers/process';

jest.setTimeout(90_000);

/** One log line of ~8 KB per request: a few hundred requests overfill the pipe (64 KiB) and the reader's buffer. */
const LONG_PATH = `/not-here-${'x'.repeat(8000)}`;
const LOGGED_BYTES = 2 * 1024 * 1024;

interface Blocked {
  child: ChildProcess;
  baseUrl: string;
  exited: Promise<{ code: number | null; at: number }>;
}

/** Starts the server with a stdout pipe nobody reads, and writes logs until far more than the pipe holds. */
async function startWithBlockedStdout(drainSeconds: number): Promise<Blocked> {
  const port = await freePort();
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', join(ROOT, 'server', 'main.ts')], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      PORT: String(port),
      HOST: '127.0.0.1',
      MCP_AUTH_MODE: 'none',
      MCP_DRAIN_SECONDS: String(drainSeconds),
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  child.stdout!.pause(); // never read
  const exited = new Promise<{ code: number | null; at: number }>((resolve) =>
    child.once('exit', (code) => resolve({ code, at: Date.now() })),
  );
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitForReady(baseUrl);
  const requests = Math.ceil(LOGGED_BYTES / LONG_PATH.length);
  for (let sent = 0; sent < requests; sent += 20) {
    await Promise.all(
      Array.from({ length: 20 }, () => fetch(new URL(LONG_PATH, baseUrl)).then((r) => r.arrayBuffer())),
    );
  }
  // The server still answers with its stdout full (logging never blocks it).
  expect((await fetch(new URL('/healthz', baseUrl), { signal: AbortSignal.timeout(5000) })).status).toBe(200);
  return { child, baseUrl, exited };
}

describe('shutdown with a blocked stdout', () => {
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  });

  test('SIGTERM: exits 0 within the drain bound', async () => {
    const drainSeconds = 1;
    const server = await startWithBlockedStdout(drainSeconds);
    children.push(server.child);
    const sent = Date.now();
    server.child.kill('SIGTERM');
    const bound = drainSeconds * 1000 + 6000; // drain, the bounded log flush (1 s), closing, a loaded machine
    const result = await Promise.race([server.exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), bound))]);
    expect(result).not.toBe('hung');
    expect(result).toEqual({ code: 0, at: expect.any(Number) });
    const took = (result as { at: number }).at - sent;
    expect(took).toBeLessThan(bound);
    console.log(`blocked stdout: exited ${took} ms after SIGTERM (drain ${drainSeconds} s)`);
  });

  test('a second SIGTERM during a long drain exits 1 at once', async () => {
    const server = await startWithBlockedStdout(60);
    children.push(server.child);
    // A call in flight holds the drain for up to 60 s.
    const call = fetch(new URL('/mcp', server.baseUrl), {
      method: 'POST',
      headers: MCP_HEADERS,
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'countdown', arguments: { seconds: 120 } },
      }),
    });
    expect((await call).status).toBe(200);
    server.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 1000));
    expect(server.child.exitCode).toBeNull(); // still draining
    const sent = Date.now();
    server.child.kill('SIGTERM');
    const result = await Promise.race([server.exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 5000))]);
    expect(result).not.toBe('hung');
    expect(result).toEqual({ code: 1, at: expect.any(Number) });
    expect((result as { at: number }).at - sent).toBeLessThan(5000);
  });
});
