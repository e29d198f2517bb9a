/**
 * The OpenTelemetry SDK, loaded only when telemetry is on: tracer and meter providers exporting OTLP/HTTP (protobuf
 * by default, JSON on request), configured by the standard variables (endpoint, headers, timeout, sampler, service
 * name, resource attributes), which the SDK packages read themselves.
 */
import { context, metrics, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { defaultResource, detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { TelemetrySettings } from './settings';

/** The exporters of the chosen encoding only (the other pair is never loaded); both read the `OTEL_EXPORTER_OTLP_*` variables. */
async function exporters(settings: TelemetrySettings) {
  const json = settings.protocol === 'http/json';
  const [traces, metrics] = await Promise.all([
    !settings.traces
      ? undefined
      : json
        ? import('@opentelemetry/exporter-trace-otlp-http')
        : import('@opentelemetry/exporter-trace-otlp-proto'),
    !settings.metrics
      ? undefined
      : json
        ? import('@opentelemetry/exporter-metrics-otlp-http')
        : import('@opentelemetry/exporter-metrics-otlp-proto'),
  ]);
  return {
    traceExporter: traces && new traces.OTLPTraceExporter(),
    metricExporter: metrics && new metrics.OTLPMetricExporter(),
  };
}

export async function startSdk(settings: TelemetrySettings, version: string): Promise<{ flush(): Promise<void> }> {
  const { traceExporter, metricExporter } = await exporters(settings);
  // OTEL_SERVICE_NAME / OTEL_RESOURCE_ATTRIBUTES (envDetector) win over the defaults named here.
  const resource = defaultResource()
    .merge(resourceFromAttributes({ 'service.name': 'remote-mcp-stacks', 'service.version': version }))
    .merge(detectResources({ detectors: [envDetector] }));
  const flushes: Array<() => Promise<void>> = [];
  if (traceExporter) {
    // The sampler comes from OTEL_TRACES_SAMPLER(_ARG) (default: parent-based, always on); batching from OTEL_BSP_*.
    const provider = new BasicTracerProvider({ resource, spanProcessors: [new BatchSpanProcessor(traceExporter)] });
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(
      new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
    );
    trace.setGlobalTracerProvider(provider);
    flushes.push(() => provider.forceFlush());
  }
  if (metricExporter) {
    const reader = new PeriodicExportingMetricReader({
      exporter: metricExporter,
      exportIntervalMillis: settings.metricIntervalMs,
      exportTimeoutMillis: Math.min(30_000, settings.metricIntervalMs),
    });
    const provider = new MeterProvider({ resource, readers: [reader] });
    metrics.setGlobalMeterProvider(provider);
    flushes.push(() => provider.forceFlush());
  }
  return { flush: async () => void (await Promise.allSettled(flushes.map((f) => f()))) };
}
