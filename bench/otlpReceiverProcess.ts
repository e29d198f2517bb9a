/**
 * The tracing row's OTLP/HTTP receiver, in its own process as a collector (a sidecar) would be. It accepts every
 * export and counts requests and bytes; it decodes only the first trace batch, to check that it holds spans.
 * Decoding every batch (protobufjs, in JavaScript) is a collector's cost, not the server's, and on a 2-core machine
 * it would take CPU from the load generator and bias the row. Sends its URL to the parent; answers `counts` with
 * what it got; ends with the parent.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeOtlpProtobuf } from '../stack/otlpProtobuf';

const MAX_BODY_BYTES = 32 * 1024 * 1024;
const counts = { exports: 0, bytes: 0, firstBatchSpans: 0 };

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  let size = 0;
  const traces = req.url === '/v1/traces';
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      // Once: later chunks of the same body are dropped with it.
      if (!res.headersSent) res.writeHead(413).end(() => req.destroy());
      return;
    }
    // Only the first trace batch is kept (to be decoded); the others are counted.
    if (traces && counts.exports === 0) chunks.push(chunk);
  });
  req.on('end', () => {
    if (res.writableEnded) return;
    if (req.method !== 'POST' || !/^application\/x-protobuf\b/.test(req.headers['content-type'] ?? ''))
      return void res.writeHead(415).end();
    if (traces) {
      if (counts.exports === 0) {
        let body: { resourceSpans?: { scopeSpans?: { spans?: unknown[] }[] }[] };
        try {
          body = decodeOtlpProtobuf('traces', Buffer.concat(chunks)) as typeof body;
        } catch {
          return void res.writeHead(400).end('not an OTLP protobuf export request');
        }
        for (const rs of body.resourceSpans ?? [])
          for (const ss of rs.scopeSpans ?? []) counts.firstBatchSpans += ss.spans?.length ?? 0;
      }
      counts.exports++;
      counts.bytes += size;
    }
    // An empty ExportServiceResponse: zero bytes in protobuf.
    res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
  });
});

server.listen(0, '127.0.0.1', () => {
  process.send?.(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
process.on('message', (m) => {
  if (m === 'counts') process.send?.(counts);
});
process.once('disconnect', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
