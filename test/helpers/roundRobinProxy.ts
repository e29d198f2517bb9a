/**
 * A minimal round-robin HTTP proxy on 127.0.0.1 (no stickiness: request n goes to target n mod N), so that
 * in-process tests can spread one session's requests over several instances. Streams pass unbuffered.
 */
import { request, createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RoundRobinProxy {
  url: string;
  port: number;
  /** Requests sent to each target, by target base URL. */
  counts: Map<string, number>;
  /** `METHOD path → target` for every request, in order. */
  log: string[];
  close(): Promise<void>;
}

export async function startRoundRobinProxy(targets: string[], port = 0): Promise<RoundRobinProxy> {
  let next = 0;
  const counts = new Map<string, number>(targets.map((t) => [t, 0]));
  const log: string[] = [];
  const server: Server = createServer((req, res) => {
    const target = new URL(targets[next++ % targets.length]!);
    counts.set(target.origin, (counts.get(target.origin) ?? 0) + 1);
    log.push(`${req.method} ${req.url} → ${target.origin}`);
    const upstream = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502).end();
      else res.destroy();
    });
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${bound}`,
    port: bound,
    counts,
    log,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
