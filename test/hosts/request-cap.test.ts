/**
 * The local stack's stand-ins for a host's proxy limits: the request cap proxy (stack/requestCap.ts) and the nginx
 * configuration of a host profile.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { nginxConfig } from '../../stack/nginxConfig';
import { startRequestCapProxy, type RequestCapProxy } from '../../stack/requestCap';

let upstream: Server;
let proxy: RequestCapProxy | undefined;

beforeAll(async () => {
  // A stream that writes a line every 100 ms until the client goes away.
  upstream = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'x-path': req.url ?? '' });
    const timer = setInterval(() => res.write(': tick\n\n'), 100);
    res.once('close', () => clearInterval(timer));
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
});

afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
});

afterAll(async () => {
  upstream.closeAllConnections();
  await new Promise((r) => upstream.close(r));
});

/** Reads the stream for at most `ms`: how long it lasted and whether it ended before. */
async function read(port: number, ms: number): Promise<{ status: number; path: string | null; endedAfter?: number }> {
  const started = Date.now();
  const res = await fetch(`http://127.0.0.1:${port}/mcp?x=1`);
  const reader = res.body!.getReader();
  const deadline = setTimeout(() => void reader.cancel().catch(() => undefined), ms);
  let endedAfter: number | undefined;
  try {
    for (;;) {
      const { done } = await reader.read();
      if (done) break;
    }
    if (Date.now() - started < ms) endedAfter = Date.now() - started;
  } catch {
    endedAfter = Date.now() - started;
  }
  clearTimeout(deadline);
  return { status: res.status, path: res.headers.get('x-path'), endedAfter };
}

test('cuts a stream at the cap, mid-response, and counts it', async () => {
  proxy = await startRequestCapProxy((upstream.address() as AddressInfo).port, 0.5);
  const { status, path, endedAfter } = await read(proxy.port, 3000);
  expect(status).toBe(200);
  expect(path).toBe('/mcp?x=1');
  expect(endedAfter).toBeGreaterThanOrEqual(450);
  expect(endedAfter).toBeLessThan(2500);
  expect(proxy.cuts()).toBe(1);
});

test('without a cap (or after setCap(undefined)) streams pass through uncut', async () => {
  proxy = await startRequestCapProxy((upstream.address() as AddressInfo).port, 0.3);
  proxy.setCap(undefined);
  const { endedAfter } = await read(proxy.port, 1000);
  expect(endedAfter).toBeUndefined();
  expect(proxy.cuts()).toBe(0);
});

test('a host profile is written into the nginx configuration with its idle timeout', () => {
  const conf = nginxConfig({
    dir: '/tmp/x',
    listenPort: 1,
    certFile: 'c',
    keyFile: 'k',
    instancePorts: [2],
    authorizationServerPort: 3,
    idleTimeoutSeconds: 3,
    hostProfile: 'railway',
    requestCapSeconds: 8,
  });
  expect(conf).toContain('# Mimics the proxy of railway: idle timeout 3 s, request cap 8 s');
  expect(conf).toContain('proxy_read_timeout 3s;');
});
