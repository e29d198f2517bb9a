/**
 * Whether OpenTelemetry is on, from the standard `OTEL_*` variables (the names are in `config/contract.ts`).
 * Off unless an OTLP endpoint is given: with nothing set the SDK is never loaded.
 */
import { OTEL_ENV } from '../config/contract';

/** OTLP/HTTP body encodings the server speaks; `http/protobuf` is the specification's default (smaller, cheaper to encode). */
export type OtlpProtocol = 'http/protobuf' | 'http/json';
const PROTOCOLS: readonly OtlpProtocol[] = ['http/protobuf', 'http/json'];

export interface TelemetrySettings {
  traces: boolean;
  metrics: boolean;
  /** `OTEL_EXPORTER_OTLP_PROTOCOL`: which exporter packages are loaded (only those). */
  protocol: OtlpProtocol;
  /** Metric export interval (ms), `OTEL_METRIC_EXPORT_INTERVAL`, default 60 s as the specification says. */
  metricIntervalMs: number;
  /** A value the server does not follow, said once at start-up (never an error: telemetry must not stop the service). */
  warnings: string[];
}

const set = (env: NodeJS.ProcessEnv, name: string) => (env[name] ?? '').trim() !== '';

export function telemetrySettings(env: NodeJS.ProcessEnv = process.env): TelemetrySettings {
  const warnings: string[] = [];
  const disabled = (env[OTEL_ENV.sdkDisabled] ?? '').trim().toLowerCase() === 'true';
  const any = set(env, OTEL_ENV.endpoint);
  const none = (name: string) => (env[name] ?? '').trim().toLowerCase() === 'none';
  const traces = !disabled && !none(OTEL_ENV.tracesExporter) && (any || set(env, OTEL_ENV.tracesEndpoint));
  const metrics = !disabled && !none(OTEL_ENV.metricsExporter) && (any || set(env, OTEL_ENV.metricsEndpoint));
  const asked = (env[OTEL_ENV.protocol] ?? '').trim();
  let protocol: OtlpProtocol = 'http/protobuf';
  if ((PROTOCOLS as readonly string[]).includes(asked)) protocol = asked as OtlpProtocol;
  else if ((traces || metrics) && asked) {
    warnings.push(
      `${OTEL_ENV.protocol}=${asked.slice(0, 40)} is not supported (http/protobuf or http/json): exporting OTLP/HTTP with protobuf bodies (http/protobuf)`,
    );
  }
  const raw = (env[OTEL_ENV.metricExportInterval] ?? '').trim();
  let metricIntervalMs = 60_000;
  if (raw) {
    const n = Number(raw);
    if (Number.isInteger(n) && n >= 100 && n <= 3_600_000) metricIntervalMs = n;
    else
      warnings.push(`${OTEL_ENV.metricExportInterval} must be an integer of milliseconds (100-3600000): using 60000`);
  }
  return { traces, metrics, protocol, metricIntervalMs, warnings };
}
