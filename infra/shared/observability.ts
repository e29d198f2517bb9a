/**
 * Alarm thresholds, dashboard metric names and the OpenTelemetry collector sidecar, as the CDK construct, the Pulumi
 * Fargate component and the Pulumi Cloud Run component all use them: defined once, documented in
 * docs/observability-infra.md (a test keeps the two in step). Cloud-neutral: no aws-cdk-lib or Pulumi import.
 */

/** One alarm: its threshold and how long the condition must hold before it fires. */
export interface AlarmThreshold {
  readonly threshold: number;
  /** Length of one evaluation period, in seconds. */
  readonly periodSeconds: number;
  /** Consecutive periods the condition must hold. */
  readonly evaluationPeriods: number;
  /** Why this value: shown in the docs table and in the alarm's description. */
  readonly why: string;
}

export const ALARM_THRESHOLDS = {
  /** Healthy targets behind the load balancer (ALB `HealthyHostCount`, minimum): the service is down below 1. */
  noHealthyHost: {
    threshold: 1,
    periodSeconds: 60,
    evaluationPeriods: 2,
    why: 'no task passes /readyz for 2 minutes: every request fails (two 10 s health-check intervals would already have taken a task out)',
  },
  /** Share of requests answered 5xx (target and load balancer), in percent. */
  errorRatePercent: {
    threshold: 5,
    periodSeconds: 60,
    evaluationPeriods: 5,
    why: 'more than 5 % of requests fail with 5xx for 5 minutes: well above the odd 502 of a deploy, below a visible outage',
  },
  /**
   * Minimum requests per period for the 5xx rate to count: a single failed request out of three is not an outage.
   * Below it the rate is taken as 0.
   */
  errorRateMinRequests: 20,
  /**
   * p99 of the time to the first response byte, in seconds. SSE streams count only until their headers, so this is
   * JSON responses (tool calls answered without a stream): a p99 above 10 s for 15 minutes means tools hang or tasks
   * are saturated, not one slow tool.
   */
  p99LatencySeconds: {
    threshold: 10,
    periodSeconds: 300,
    evaluationPeriods: 3,
    why: 'the slowest 1 % of responses take over 10 s for 15 minutes: tools hang or tasks are saturated, not one slow call',
  },
  /**
   * Task restarts: fewer tasks running than the service wants, for 5 minutes (ECS replaces a crashed task within about a
   * minute; a task that keeps crashing, or cannot start, keeps the count below). Cloud Run: none (Cloud Run restarts
   * instances itself); its third alert is the instance count at `maxInstances` instead.
   */
  tasksBelowDesired: {
    threshold: 1,
    periodSeconds: 60,
    evaluationPeriods: 5,
    why: 'fewer tasks running than desired for 5 minutes: tasks crash and are replaced, or cannot start (image, secret, memory)',
  },
  /**
   * Cloud Run: instances at this share of `maxInstances` (1 = all of them) for 10 minutes — requests queue and then
   * fail with 429/503.
   */
  instancesAtMax: {
    threshold: 1,
    periodSeconds: 60,
    evaluationPeriods: 10,
    why: 'all maxInstances instances run for 10 minutes: new requests queue and then fail (429/503); raise maxInstances',
  },
  /** Cloud Run: the uptime check of /healthz fails from more than one region. */
  uptimeFailedRegions: {
    threshold: 1,
    periodSeconds: 60,
    evaluationPeriods: 1,
    why: '/healthz fails from more than one checker region: the service is unreachable from the internet',
  },
} as const satisfies Record<string, AlarmThreshold | number>;

/** What is wrong with an alarm e-mail address, or undefined; the answer starts with "must". */
export function alarmEmailProblem(email: string): string | undefined {
  return /^[^\s@,;]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/.test(email) && email.length <= 254
    ? undefined
    : `must be one e-mail address like ops@example.com, got '${email}'`;
}

/** The server's own metrics (OpenTelemetry MCP semantic conventions and the server's additions). */
export const MCP_METRICS = {
  operationDuration: 'mcp.server.operation.duration',
  sessionDuration: 'mcp.server.session.duration',
} as const;

/** CloudWatch namespace the collector's EMF exporter writes the server's metrics to. */
export const MCP_METRICS_NAMESPACE = 'RemoteMcp';

/** The server container reaches its sidecar collector over the task's (instance's) localhost. */
export const OTLP_HTTP_ENDPOINT = 'http://localhost:4318';

/**
 * The standard OpenTelemetry variables the server container gets when telemetry is on (the server reads them; nothing
 * is measured without them). Every span is kept: the collector batches, and the sampler can be overridden with the
 * container's extra environment (`OTEL_TRACES_SAMPLER`, `OTEL_TRACES_SAMPLER_ARG`).
 */
export function serverTelemetryEnvironment(serviceName: string): Record<string, string> {
  return {
    OTEL_EXPORTER_OTLP_ENDPOINT: OTLP_HTTP_ENDPOINT,
    // Protobuf bodies (the specification's default; smaller and cheaper to encode than JSON): the collectors' 4318
    // OTLP/HTTP receiver (ADOT, Google's otelcol) takes both.
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
    OTEL_SERVICE_NAME: serviceName,
    OTEL_TRACES_SAMPLER: 'parentbased_always_on',
  };
}

/**
 * The AWS Distro for OpenTelemetry collector image, pinned (`latest` would change what a redeploy runs): v0.43.3 is a
 * published release (https://aws-otel.github.io/download/, 16 May 2025; its notes name
 * `public.ecr.aws/aws-observability/aws-otel-collector:v0.43.3`).
 */
export const ADOT_COLLECTOR_IMAGE = 'public.ecr.aws/aws-observability/aws-otel-collector:v0.43.3';
/** Resources of the AWS sidecar: a small, bounded share of the task. */
export const ADOT_COLLECTOR_RESOURCES = { cpu: 128, memoryReservationMiB: 64, memoryLimitMiB: 256 } as const;
export const COLLECTOR_CONTAINER_NAME = 'otel-collector';
/** The ADOT image's own non-root user (`aoc`), numeric so that ECS need not resolve it. */
export const ADOT_COLLECTOR_USER = '10001';

/** Receivers listen on the task's loopback only: nothing outside the task can send telemetry in. */
const OTLP_RECEIVER = [
  'receivers:',
  '  otlp:',
  '    protocols:',
  '      grpc:',
  '        endpoint: 127.0.0.1:4317',
  '      http:',
  '        endpoint: 127.0.0.1:4318',
];

/**
 * The ADOT collector's configuration (passed as `AOT_CONFIG_CONTENT`): OTLP in on localhost, traces to X-Ray, metrics
 * to CloudWatch as embedded-metric-format log events in `metricsLogGroup` (CloudWatch extracts them into
 * `MCP_METRICS_NAMESPACE`; EMF needs no cloudwatch:PutMetricData, only writes to that one log group).
 */
export function adotCollectorConfig(region: string, metricsLogGroup: string): string {
  return [
    ...OTLP_RECEIVER,
    'processors:',
    '  memory_limiter:',
    '    check_interval: 1s',
    `    limit_mib: ${ADOT_COLLECTOR_RESOURCES.memoryLimitMiB - 56}`,
    '  batch/traces:',
    '    timeout: 1s',
    '    send_batch_size: 50',
    '  batch/metrics:',
    '    timeout: 60s',
    'exporters:',
    '  awsxray:',
    `    region: ${region}`,
    '  awsemf:',
    `    region: ${region}`,
    `    namespace: ${MCP_METRICS_NAMESPACE}`,
    `    log_group_name: ${metricsLogGroup}`,
    '    log_stream_name: "otel-{TaskId}"',
    '    dimension_rollup_option: NoDimensionRollup',
    'service:',
    '  pipelines:',
    '    traces:',
    '      receivers: [otlp]',
    '      processors: [memory_limiter, batch/traces]',
    '      exporters: [awsxray]',
    '    metrics:',
    '      receivers: [otlp]',
    '      processors: [memory_limiter, batch/metrics]',
    '      exporters: [awsemf]',
    '',
  ].join('\n');
}

/** What the ADOT collector calls: X-Ray (no resource-level permissions) and its one metrics log group. */
export const XRAY_WRITE_ACTIONS = ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'] as const;
export const EMF_LOG_ACTIONS = ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'] as const;

/**
 * The Google-Built OpenTelemetry Collector, as Google documents it for Cloud Run sidecars
 * (https://cloud.google.com/stackdriver/docs/instrumentation/opentelemetry-collector-cloud-run,
 * https://cloud.google.com/run/docs/tutorials/custom-metrics-sidecar). Pinned to 0.160.0, a published release
 * (https://github.com/GoogleCloudPlatform/opentelemetry-operations-collector/releases/tag/v0.160.0; the image tag is the
 * version without the `v`), built to SLSA level 3 as every release since 0.134.0. Not pulled from where this was
 * written: `gcloud artifacts docker tags list` on the repository above confirms it.
 */
export const GOOGLE_COLLECTOR_IMAGE =
  'us-docker.pkg.dev/cloud-ops-agents-artifacts/google-cloud-opentelemetry-collector/otelcol-google:0.160.0';
export const GOOGLE_COLLECTOR_RESOURCES = { cpu: '1', memory: '512Mi' } as const;
/** The collector reads its configuration from this variable (`--config=env:…`, the collector's env provider). */
export const GOOGLE_COLLECTOR_CONFIG_ENV = 'OTELCOL_CONFIG';
/** The least roles for the `googlecloud` exporter: write spans (Cloud Trace) and time series (Cloud Monitoring). */
export const GOOGLE_TELEMETRY_ROLES = ['roles/cloudtrace.agent', 'roles/monitoring.metricWriter'] as const;

/** The Google collector's configuration: OTLP in on localhost, traces to Cloud Trace, metrics to Cloud Monitoring. */
export function googleCollectorConfig(project: string): string {
  return [
    ...OTLP_RECEIVER,
    'processors:',
    '  memory_limiter:',
    '    check_interval: 1s',
    '    limit_percentage: 65',
    '    spike_limit_percentage: 20',
    '  batch:',
    '    timeout: 5s',
    '    send_batch_size: 200',
    'exporters:',
    '  googlecloud:',
    `    project: ${project}`,
    'service:',
    '  pipelines:',
    '    traces:',
    '      receivers: [otlp]',
    '      processors: [memory_limiter, batch]',
    '      exporters: [googlecloud]',
    '    metrics:',
    '      receivers: [otlp]',
    '      processors: [memory_limiter, batch]',
    '      exporters: [googlecloud]',
    '',
  ].join('\n');
}
