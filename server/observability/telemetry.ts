/**
 * Starts OpenTelemetry once per process when the `OTEL_*` variables ask for it. The SDK is loaded only then:
 * with telemetry off, the `@opentelemetry/api` calls the server makes are its built-in no-ops.
 */
import type { Logger } from '../logging/logger';
import { rebuildInstruments } from './instruments';
import { telemetrySettings, type TelemetrySettings } from './settings';

export interface TelemetryHandle {
  readonly tracing: boolean;
  readonly metrics: boolean;
  /** Sends what is buffered (spans, a last metric collection); bounded by the exporters' own timeouts. */
  flush(): Promise<void>;
}

const OFF: TelemetryHandle = { tracing: false, metrics: false, flush: async () => undefined };

let started: Promise<TelemetryHandle> | undefined;
let current: TelemetryHandle = OFF;

/** The running telemetry (off until `startTelemetry` turned it on). */
export const telemetry = (): TelemetryHandle => current;

export function startTelemetry(options: {
  logger: Logger;
  version: string;
  env?: NodeJS.ProcessEnv;
}): Promise<TelemetryHandle> {
  return (started ??= (async () => {
    const settings: TelemetrySettings = telemetrySettings(options.env);
    for (const warning of settings.warnings) options.logger.warn(warning);
    if (!settings.traces && !settings.metrics) return OFF;
    const { startSdk } = await import('./sdk');
    const sdk = await startSdk(settings, options.version);
    rebuildInstruments(options.version);
    current = { tracing: settings.traces, metrics: settings.metrics, flush: sdk.flush };
    options.logger.info(
      { traces: settings.traces, metrics: settings.metrics, protocol: settings.protocol },
      'OpenTelemetry export on (OTLP/HTTP)',
    );
    return current;
  })());
}
