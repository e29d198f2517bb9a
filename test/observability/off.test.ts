/** Telemetry is off unless the standard OTEL_* variables ask for it, and then nothing is wrapped or loaded. */
import { metrics, ProxyTracerProvider, trace } from '@opentelemetry/api';
import { referenceCapabilities } from '../../server/capabilities/reference';
import { mcpServerFactory } from '../../server/mcp/serverFactory';
import { telemetrySettings } from '../../server/observability/settings';
import { telemetry } from '../../server/observability/telemetry';
import { MCP_HEADERS, startTestServer } from '../helpers/server';

describe('telemetrySettings', () => {
  const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' };
  test('off with nothing set; traces and metrics with an endpoint', () => {
    expect(telemetrySettings({})).toMatchObject({ traces: false, metrics: false, warnings: [] });
    expect(telemetrySettings(endpoint)).toMatchObject({ traces: true, metrics: true, metricIntervalMs: 60_000 });
  });
  test('signal endpoints, exporters set to none, and OTEL_SDK_DISABLED', () => {
    expect(telemetrySettings({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c/v1/traces' })).toMatchObject({
      traces: true,
      metrics: false,
    });
    expect(telemetrySettings({ OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'http://c/v1/metrics' })).toMatchObject({
      traces: false,
      metrics: true,
    });
    expect(telemetrySettings({ ...endpoint, OTEL_TRACES_EXPORTER: 'none' })).toMatchObject({
      traces: false,
      metrics: true,
    });
    expect(telemetrySettings({ ...endpoint, OTEL_METRICS_EXPORTER: 'none' })).toMatchObject({
      traces: true,
      metrics: false,
    });
    expect(telemetrySettings({ ...endpoint, OTEL_SDK_DISABLED: 'TRUE' })).toMatchObject({
      traces: false,
      metrics: false,
    });
  });
  test('OTLP protocol: http/protobuf unless http/json is named (the specification default)', () => {
    expect(telemetrySettings(endpoint)).toMatchObject({ protocol: 'http/protobuf', warnings: [] });
    expect(telemetrySettings({ ...endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' })).toMatchObject({
      protocol: 'http/protobuf',
      warnings: [],
    });
    expect(telemetrySettings({ ...endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: ' http/json ' })).toMatchObject({
      protocol: 'http/json',
      warnings: [],
    });
    // Off: a value it would not follow is not worth a warning.
    expect(telemetrySettings({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toMatchObject({
      traces: false,
      metrics: false,
      warnings: [],
    });
  });
  test('values it does not follow are said, not fatal', () => {
    const s = telemetrySettings({
      ...endpoint,
      OTEL_METRIC_EXPORT_INTERVAL: '5s',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
    });
    expect(s.metricIntervalMs).toBe(60_000);
    expect(s.protocol).toBe('http/protobuf');
    expect(s.warnings).toEqual([
      'OTEL_EXPORTER_OTLP_PROTOCOL=grpc is not supported (http/protobuf or http/json): exporting OTLP/HTTP with protobuf bodies (http/protobuf)',
      'OTEL_METRIC_EXPORT_INTERVAL must be an integer of milliseconds (100-3600000): using 60000',
    ]);
    expect(telemetrySettings({ ...endpoint, OTEL_METRIC_EXPORT_INTERVAL: '1500' }).metricIntervalMs).toBe(1500);
  });
});

test('off: no SDK registered, request handlers not wrapped, calls still answered', async () => {
  for (const name of Object.keys(process.env)) if (name.startsWith('OTEL_')) delete process.env[name];
  const server = await startTestServer({ MCP_SESSION_MODE: 'stateless' });
  try {
    const res = await fetch(server.mcpUrl, {
      method: 'POST',
      headers: { ...MCP_HEADERS, traceparent: `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01` },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'echo', arguments: { text: 'hi' } },
      }),
    });
    expect(await res.text()).toContain('hi');
    expect(telemetry()).toMatchObject({ tracing: false, metrics: false });
    // The API's no-ops: no tracer provider behind the proxy, no meter provider.
    expect((trace.getTracerProvider() as ProxyTracerProvider).getDelegate().constructor.name).toBe(
      'NoopTracerProvider',
    );
    expect(metrics.getMeterProvider().constructor.name).toBe('NoopMeterProvider');
    const built = mcpServerFactory(referenceCapabilities('0'), { sessionMode: 'stateless', version: '0' })();
    const handlers = (built.server as unknown as { _requestHandlers: Map<string, unknown> })._requestHandlers;
    expect(handlers.set).toBe(Map.prototype.set);
    // Without a span the access log still names the trace the client gave (traceparent), nothing of its own.
    expect(server.logs.find((l) => l.mcpMethod === 'tools/call')).toHaveProperty('traceId', 'a'.repeat(32));
  } finally {
    await server.close();
  }
});
