/**
 * A tiny OTLP/HTTP receiver (protobuf bodies, the default `OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf`, or JSON
 * bodies, `http/json`) on 127.0.0.1: keeps what the server exports so tests can read it, and prints span trees for
 * `npm run stack:local -- --telemetry`.
 * Not a collector: bounded memory, no forwarding.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeOtlpProtobuf, type OtlpSignal } from './otlpProtobuf';

type Scalar = string | number | boolean;
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  /** OTLP kind: 1 internal, 2 server, 3 client. */
  kind: number;
  startMs: number;
  endMs: number;
  attributes: Record<string, Scalar>;
  links: { traceId: string; spanId: string }[];
  /** 2: error. */
  statusCode: number;
  service: string;
}
export interface ReceivedPoint {
  metric: string;
  attributes: Record<string, Scalar>;
  /** Counters and gauges: the value; histograms: the sum. */
  value: number;
  /** Histograms: how many values. */
  count?: number;
}
export interface OtlpReceiver {
  /** Base URL for `OTEL_EXPORTER_OTLP_ENDPOINT`. */
  url: string;
  spans: ReceivedSpan[];
  /** The data points of the latest export of each metric (cumulative). */
  latest: Map<string, ReceivedPoint[]>;
  /** Export requests accepted, by body encoding. */
  bodies: { protobuf: number; json: number };
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 32 * 1024 * 1024;
const MAX_SPANS = 100_000;

interface KeyValue {
  key: string;
  value: { stringValue?: string; intValue?: string | number; doubleValue?: number; boolValue?: boolean };
}
const attrs = (list: KeyValue[] | undefined): Record<string, Scalar> =>
  Object.fromEntries(
    (list ?? []).map(({ key, value }) => [
      key,
      value.stringValue ??
        (value.intValue !== undefined ? Number(value.intValue) : (value.doubleValue ?? value.boolValue ?? '')),
    ]),
  );
const ms = (nanos: string | number) => Number(BigInt(nanos) / 1000n) / 1000;
/** Trace and span ids: hex strings in OTLP JSON, bytes in protobuf. */
const hex = (id: string | Uint8Array | undefined) =>
  id === undefined || typeof id === 'string' ? id : Buffer.from(id).toString('hex');

/* eslint-disable @typescript-eslint/no-explicit-any -- OTLP JSON, read field by field */
function readTraces(body: any, into: ReceivedSpan[]): ReceivedSpan[] {
  const received: ReceivedSpan[] = [];
  for (const rs of body.resourceSpans ?? []) {
    const service = String(attrs(rs.resource?.attributes)['service.name'] ?? '');
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        received.push({
          traceId: hex(s.traceId)!,
          spanId: hex(s.spanId)!,
          parentSpanId: hex(s.parentSpanId) || undefined,
          name: s.name,
          kind: s.kind,
          startMs: ms(s.startTimeUnixNano),
          endMs: ms(s.endTimeUnixNano),
          attributes: attrs(s.attributes),
          links: (s.links ?? []).map((l: any) => ({ traceId: hex(l.traceId)!, spanId: hex(l.spanId)! })),
          statusCode: s.status?.code ?? 0,
          service,
        });
      }
    }
  }
  into.push(...received);
  if (into.length > MAX_SPANS) into.splice(0, into.length - MAX_SPANS);
  return received;
}

function readMetrics(body: any, latest: Map<string, ReceivedPoint[]>): void {
  for (const rm of body.resourceMetrics ?? []) {
    for (const sm of rm.scopeMetrics ?? []) {
      for (const m of sm.metrics ?? []) {
        const data = m.histogram ?? m.sum ?? m.gauge;
        latest.set(
          m.name,
          (data?.dataPoints ?? []).map((p: any) => ({
            metric: m.name,
            attributes: attrs(p.attributes),
            value: m.histogram ? Number(p.sum ?? 0) : Number(p.asInt ?? p.asDouble ?? 0),
            count: m.histogram ? Number(p.count) : undefined,
          })),
        );
      }
    }
  }
}
/* eslint-enable @typescript-eslint/no-explicit-any */

export async function startOtlpReceiver(
  options: { port?: number; onSpans?: (spans: ReceivedSpan[]) => void } = {},
): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const latest = new Map<string, ReceivedPoint[]>();
  const bodies = { protobuf: 0, json: 0 };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        res.writeHead(413).end();
        return void req.destroy();
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (res.writableEnded) return;
      const type = req.headers['content-type'] ?? '';
      const protobuf = /^application\/x-protobuf\b/.test(type);
      if (req.method !== 'POST' || (!protobuf && !/json/.test(type)))
        return void res.writeHead(415).end('send OTLP/HTTP protobuf or JSON');
      const signal = (
        { '/v1/traces': 'traces', '/v1/metrics': 'metrics', '/v1/logs': 'logs' } as Record<string, OtlpSignal>
      )[req.url ?? ''];
      if (!signal) return void res.writeHead(404).end();
      let body: unknown;
      try {
        body = protobuf
          ? decodeOtlpProtobuf(signal, Buffer.concat(chunks))
          : JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return void res.writeHead(400).end(protobuf ? 'not an OTLP protobuf export request' : 'not JSON');
      }
      bodies[protobuf ? 'protobuf' : 'json']++;
      if (signal === 'traces') {
        const received = readTraces(body, spans);
        if (received.length) options.onSpans?.(received);
      } else if (signal === 'metrics') readMetrics(body, latest);
      // An empty ExportServiceResponse: zero bytes in protobuf, `{}` in JSON.
      if (protobuf) res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
      else res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve, reject) =>
    server.once('error', reject).listen(options.port ?? 0, '127.0.0.1', resolve),
  );
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    latest,
    bodies,
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

const KIND = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];

/** One trace as an indented tree: name, kind, duration, service, attributes. Orphans (parent not received) are roots. */
export function spanTree(spans: ReceivedSpan[], traceId: string): string {
  const mine = spans.filter((s) => s.traceId === traceId).sort((a, b) => a.startMs - b.startMs);
  const ids = new Set(mine.map((s) => s.spanId));
  const lines: string[] = [`trace ${traceId}`];
  const walk = (span: ReceivedSpan, depth: number) => {
    const shown = Object.entries(span.attributes)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
    const remote =
      span.parentSpanId && !ids.has(span.parentSpanId) ? ` (parent ${span.parentSpanId}, not exported here)` : '';
    lines.push(
      `${'  '.repeat(depth + 1)}${span.name} [${KIND[span.kind] ?? span.kind}] ${(span.endMs - span.startMs).toFixed(1)} ms ${span.service}${span.statusCode === 2 ? ' ERROR' : ''}${remote}${shown ? `\n${'  '.repeat(depth + 3)}${shown}` : ''}`,
    );
    for (const child of mine.filter((s) => s.parentSpanId === span.spanId)) walk(child, depth + 1);
  };
  for (const root of mine.filter((s) => !s.parentSpanId || !ids.has(s.parentSpanId))) walk(root, 0);
  return lines.join('\n');
}
