/** SIGTERM during a countdown call and an open stream: the real process drains as specified, then exits 0. */
import { MCP_HEADERS, freePort, initializeBody } from '../helpers/server';
import { spawnServer, waitForReady } from '../helpers/process';
import { waitFor } from '../helpers/wait';

jest.setTimeout(60_000);

test('SIGTERM: not ready at once, no new sessions, streams closed, in-flight call finishes, exit 0', async () => {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const proc = spawnServer({
    PORT: String(port),
    MCP_AUTH_MODE: 'none',
    MCP_SESSION_MODE: 'stateful',
    MCP_DRAIN_SECONDS: '10',
  });
  try {
    await waitForReady(base);
    const init = await fetch(`${base}/mcp`, {
      method: 'POST',
      headers: MCP_HEADERS,
      body: JSON.stringify(initializeBody()),
    });
    const sessionId = init.headers.get('mcp-session-id')!;
    await init.text();
    const headers = { ...MCP_HEADERS, 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' };
    await fetch(`${base}/mcp`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
    });

    // An open standalone stream and a 3-second call.
    const stream = await fetch(`${base}/mcp`, { method: 'GET', headers });
    expect(stream.status).toBe(200);
    const streamEnded = stream.text().then(() => Date.now());
    // The call's response headers mean the server has taken the call: it is in flight from here on.
    const accepted = await fetch(`${base}/mcp`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 9,
        method: 'tools/call',
        params: { name: 'countdown', arguments: { seconds: 3 } },
      }),
    });
    expect(accepted.status).toBe(200);
    const call = accepted.text().then((text) => ({ text, at: Date.now() }));

    const signalledAt = Date.now();
    proc.child.kill('SIGTERM');
    // Not ready as soon as the signal is handled (polled, bounded: no fixed pause that would hide a delay).
    const notReadyIn = await waitFor(
      async () => (await fetch(`${base}/readyz`)).status === 503,
      1000,
      'readiness 503 after SIGTERM',
    );
    console.log(`drain: readiness 503 ${notReadyIn} ms after SIGTERM`);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(503);
    expect((await ready.json()) as any).toEqual({ status: 'draining' });
    const refused = await fetch(`${base}/mcp`, {
      method: 'POST',
      headers: MCP_HEADERS,
      body: JSON.stringify(initializeBody()),
    });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBeTruthy();
    await refused.text();

    // The stream is closed at once (the client reconnects after the priming event's retry hint) ...
    expect((await streamEnded) - signalledAt).toBeLessThan(1500);
    // ... while the call runs to its end and gets its result.
    const result = await call;
    expect(result.text).toContain('Countdown of 3 s finished.');
    const code = await proc.exited;
    expect(code).toBe(0);
    expect(proc.output()).toContain('"message":"drained"');
  } finally {
    proc.child.kill('SIGKILL');
  }
});

test('the drain deadline ends calls that run too long, still exiting 0', async () => {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const proc = spawnServer({ PORT: String(port), MCP_AUTH_MODE: 'none', MCP_DRAIN_SECONDS: '1' });
  try {
    await waitForReady(base);
    const call = fetch(`${base}/mcp`, {
      method: 'POST',
      headers: MCP_HEADERS,
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'countdown', arguments: { seconds: 30 } },
      }),
    });
    // Headers received: the call is in flight (no fixed pause).
    expect((await call).status).toBe(200);
    const body = (await call).text().catch(() => 'connection closed');
    const started = Date.now();
    proc.child.kill('SIGTERM');
    expect(await proc.exited).toBe(0);
    const exitedIn = Date.now() - started;
    console.log(`drain: a 1 s drain deadline exited ${exitedIn} ms after SIGTERM`);
    // It waited for the deadline (the call was still running), and not much longer.
    expect(exitedIn).toBeGreaterThanOrEqual(900);
    expect(exitedIn).toBeLessThan(2500);
    await body;
    expect(proc.output()).toContain('drain deadline reached');
  } finally {
    proc.child.kill('SIGKILL');
  }
});
