/**
 * The server's metrics (MCP semantic conventions where they exist: `mcp.server.operation.duration`,
 * `mcp.server.session.duration`). Until telemetry starts, the instruments are the API's no-ops.
 */
import { metrics, type Counter, type Histogram, type Meter, type UpDownCounter } from '@opentelemetry/api';

export interface Instruments {
  readonly meter: Meter;
  /** Seconds per MCP request, by `mcp.method.name`, `gen_ai.tool.name`, `error.type` (absent on success). */
  operationDuration: Histogram;
  /** Seconds from a session's start to its end, by `mcp.session.kind`. */
  sessionDuration: Histogram;
  /** Live sessions of this instance, by `mcp.session.kind` (`streamable`, `legacy-sse`). */
  activeSessions: UpDownCounter;
  /** Open long-lived streams, by `mcp.stream.kind` (`get`: 2025 standalone GET streams, `listen`: 2026-07-28
   * `subscriptions/listen`, `legacy-sse`). */
  openStreams: UpDownCounter;
  /** Refused authentications, by `reason` (`missing`, `invalid_token`, …) and `http.response.status_code`. */
  authFailures: Counter;
  /** Failed requests to the shared session store (Redis), by `operation` (`connect`: a connection attempt failed). */
  sessionStoreErrors: Counter;
}

/** MCP recommends these bucket bounds (seconds) for its duration histograms. */
const DURATION_BUCKETS = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300];

function build(meter: Meter): Instruments {
  const histogram = (name: string, description: string) =>
    meter.createHistogram(name, { description, unit: 's', advice: { explicitBucketBoundaries: DURATION_BUCKETS } });
  return {
    meter,
    operationDuration: histogram('mcp.server.operation.duration', 'Duration of MCP requests handled by the server'),
    sessionDuration: histogram('mcp.server.session.duration', 'Duration of MCP sessions'),
    activeSessions: meter.createUpDownCounter('mcp.server.session.active', {
      description: 'Live MCP sessions',
      unit: '{session}',
    }),
    openStreams: meter.createUpDownCounter('mcp.server.stream.open', {
      description: 'Open SSE streams',
      unit: '{stream}',
    }),
    authFailures: meter.createCounter('mcp.server.auth.failures', {
      description: 'Refused authentications',
      unit: '{request}',
    }),
    sessionStoreErrors: meter.createCounter('mcp.server.session_store.errors', {
      description: 'Failed session store requests',
      unit: '{error}',
    }),
  };
}

let current = build(metrics.getMeter('remote-mcp-stacks'));

/** The instruments; no-ops until the SDK is started. */
export const instruments = (): Instruments => current;

/** Re-creates the instruments on the meter provider the SDK just registered (the API has no proxy meter). */
export function rebuildInstruments(version: string): void {
  current = build(metrics.getMeter('remote-mcp-stacks', version));
}

/** The kind of a registered session, as the endpoints tag it. */
export const sessionKind = (session: object): string => {
  const kind = (session as { kind?: unknown }).kind;
  return typeof kind === 'string' ? kind : 'unknown';
};

const started = new WeakMap<object, number>();

/** A session joined this instance's registry. */
export function sessionOpened(session: object): void {
  const kind = sessionKind(session);
  started.set(session, performance.now());
  current.activeSessions.add(1, { 'mcp.session.kind': kind });
  if (kind === 'legacy-sse') current.openStreams.add(1, { 'mcp.stream.kind': kind });
}

/** A session left it (closed, expired, or the instance shut down). */
export function sessionClosed(session: object): void {
  const since = started.get(session);
  if (since === undefined) return;
  started.delete(session);
  const kind = sessionKind(session);
  current.activeSessions.add(-1, { 'mcp.session.kind': kind });
  if (kind === 'legacy-sse') current.openStreams.add(-1, { 'mcp.stream.kind': kind });
  current.sessionDuration.record((performance.now() - since) / 1000, { 'mcp.session.kind': kind });
}

/** Observes the drain state (1 while draining) of one app. */
export function observeDrain(draining: () => boolean): void {
  current.meter
    .createObservableGauge('mcp.server.draining', {
      description: '1 while the instance drains (after SIGTERM), else 0',
    })
    .addCallback((result) => result.observe(draining() ? 1 : 0));
}
