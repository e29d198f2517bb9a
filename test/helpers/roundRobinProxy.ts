/**
 * A minimal round-robin HTTP proxy on 127.0.0.1 (no stickiness: request n goes to target n mod N), so that
 * in-process tests can spread one session's requests over several instances. Streams pass unbuffered.
 * Every request is recorded with the target that served it, so a test can observe (not assume from the
 * round-robin's parity) which instance handled a given request.
 */
import { request, createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Request bodies are recorded up to this size (JSON-RPC messages of the tests are far smaller). */
const MAX_RECORDED_BODY = 64 * 1024;

export interface ProxiedRequest {
  method: string;
  path: string;
  /** Origin of the target that served it. */
  target: string;
  headers: IncomingHttpHeaders;
  /** The request body as text (complete once the request has been sent; cut at 64 KiB). */
  body: string;
  /** The target's answer status (undefined until it answered). */
  status?: number;
}

export interface RoundRobinProxy {
  url: string;
  port: number;
  /** Requests sent to each target, by target base URL. */
  counts: Map<string, number>;
  /** `METHOD path → target` for every request, in order. */
  log: string[];
  /** Every request, in order, with the target that served it. */
  requests: ProxiedRequest[];
  /** The requests whose JSON-RPC body (a message or a batch) contains a message matching `match`. */
  carrying(match: (message: Record<string, unknown>) => boolean): ProxiedRequest[];
  close(): Promise<void>;
}

export async function startRoundRobinProxy(targets: string[], port = 0): Promise<RoundRobinProxy> {
  let next = 0;
  const counts = new Map<string, number>(targets.map((t) => [t, 0]));
  const log: string[] = [];
  const requests: ProxiedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const target = new URL(targets[next++ % targets.length]!);
    counts.set(target.origin, (counts.get(target.origin) ?? 0) + 1);
    log.push(`${req.method} ${req.url} → ${target.origin}`);
    const entry: ProxiedRequest = {
      method: req.method ?? '',
      path: req.url ?? '',
      target: target.origin,
      headers: req.headers,
      body: '',
    };
    requests.push(entry);
    req.on('data', (chunk: Buffer) => {
      if (entry.body.length < MAX_RECORDED_BODY)
        entry.body += chunk.toString('utf8', 0, MAX_RECORDED_BODY - entry.body.length);
    });
    const upstream = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        entry.status = answer.statusCode;
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
    requests,
    carrying: (match) => requests.filter((r) => messagesOf(r.body).some(match)),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function messagesOf(body: string): Record<string, unknown>[] {
  try {
    const parsed = JSON.parse(body) as unknown;
    return (Array.isArray(parsed) ? parsed : [parsed]).filter(
      (m): m is Record<string, unknown> => typeof m === 'object' && m !== null,
    );
  } catch {
    return [];
  }
}
