/**
 * A platform's cap on how long one HTTP request may last (Railway: 15 minutes), for the local stack. nginx has no
 * directive for it (`proxy_read_timeout` is an idle timeout, `keepalive_time` never cuts a request in flight), so a
 * small HTTP proxy sits between nginx and one instance and cuts every request still open after `capSeconds` —
 * a stream included, mid-response, as the platform's edge does.
 */
import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RequestCapProxy {
  /** Where nginx sends this instance's requests. */
  port: number;
  /** Requests cut so far. */
  cuts(): number;
  /** Changes the cap for requests that start from now on; undefined passes every request through uncut. */
  setCap(capSeconds: number | undefined): void;
  close(): Promise<void>;
}

export async function startRequestCapProxy(
  targetPort: number,
  capSeconds: number | undefined,
): Promise<RequestCapProxy> {
  let cap = capSeconds;
  const agent = new Agent({ keepAlive: true, maxFreeSockets: 16 });
  let cut = 0;
  const server = createServer((req, res) => {
    const upstream = request(
      { host: '127.0.0.1', port: targetPort, method: req.method, path: req.url, headers: req.headers, agent },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    // A refused connection (instance stopped) drops nginx's connection: nginx counts it an error and tries the next instance.
    upstream.once('error', () => res.socket?.destroy());
    req.pipe(upstream);
    if (cap === undefined) return;
    const timer = setTimeout(() => {
      cut++;
      upstream.destroy();
      res.socket?.destroy();
    }, cap * 1000);
    res.once('close', () => clearTimeout(timer));
  });
  // Longer than nginx keeps idle upstream connections, so nginx never reuses one this side just closed.
  server.keepAliveTimeout = 120_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    cuts: () => cut,
    setCap: (seconds) => {
      cap = seconds;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        agent.destroy();
        server.close(() => resolve());
      }),
  };
}
