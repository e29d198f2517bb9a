/**
 * `npm run stack:local -- --telemetry`: a local OTLP/HTTP receiver the instances export to, printing each trace as
 * a span tree once it has been quiet for a second (spans of one trace arrive in several batches).
 */
import { spanTree, startOtlpReceiver, type OtlpReceiver } from './otlpReceiver';

const QUIET_MS = 1000;

export async function startTraceConsole(
  print: (text: string) => void = console.log,
): Promise<{ receiver: OtlpReceiver; env: Record<string, string> }> {
  const pending = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  const receiver = await startOtlpReceiver({
    onSpans: (spans) => {
      for (const s of spans) pending.add(s.traceId);
      clearTimeout(timer);
      timer = setTimeout(() => {
        for (const id of pending) print(spanTree(receiver.spans, id));
        pending.clear();
      }, QUIET_MS);
    },
  });
  return {
    receiver,
    // Metrics go to the same receiver (kept, not printed): every 10 s is plenty locally.
    env: {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_SERVICE_NAME: 'remote-mcp-stacks-local',
      OTEL_BSP_SCHEDULE_DELAY: '200',
      OTEL_METRIC_EXPORT_INTERVAL: '10000',
    },
  };
}
