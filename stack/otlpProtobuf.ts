/**
 * Decodes OTLP/HTTP protobuf bodies (`application/x-protobuf`, what `OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf`
 * sends) into the OTLP JSON shape the receiver reads, with protobufjs and the official opentelemetry-proto
 * definitions as `@elastic/mockotlpserver` ships them. Loaded on the first protobuf body only.
 */
import { dirname, isAbsolute, join } from 'node:path';
import { Root, type Type } from 'protobufjs';

const SERVICES = {
  traces: [
    'collector/trace/v1/trace_service.proto',
    'opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest',
  ],
  metrics: [
    'collector/metrics/v1/metrics_service.proto',
    'opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest',
  ],
  logs: ['collector/logs/v1/logs_service.proto', 'opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest'],
} as const;
export type OtlpSignal = keyof typeof SERVICES;

let types: Record<OtlpSignal, Type> | undefined;

function load(): Record<OtlpSignal, Type> {
  // The package root: the .proto files import each other as `opentelemetry/proto/…` from there.
  const base = dirname(require.resolve('@elastic/mockotlpserver/package.json'));
  const root = new Root();
  root.resolvePath = (_origin, target) => (isAbsolute(target) ? target : join(base, target));
  root.loadSync(Object.values(SERVICES).map(([file]) => join(base, 'opentelemetry/proto', file)));
  const lookup = (signal: OtlpSignal) => root.lookupType(SERVICES[signal][1]);
  return { traces: lookup('traces'), metrics: lookup('metrics'), logs: lookup('logs') };
}

/** 64-bit integers as decimal strings and enums as numbers (as in OTLP JSON); ids stay bytes (the reader hexes them). */
export function decodeOtlpProtobuf(signal: OtlpSignal, body: Uint8Array): unknown {
  types ??= load();
  const type = types[signal];
  return type.toObject(type.decode(body), { longs: String, enums: Number });
}
