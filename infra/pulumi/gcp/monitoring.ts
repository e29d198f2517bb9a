/**
 * Observability of `McpCloudRunService`: Cloud Monitoring alert policies (5xx ratio, p99 latency, instances at
 * `maxInstances`, the `/healthz` uptime check) with an optional notification channel, and the opt-in Google-Built
 * OpenTelemetry Collector sidecar that sends the server's traces to Cloud Trace and its metrics to Cloud Monitoring.
 * Thresholds: `infra/shared/observability.ts`; docs/observability-infra.md describes them.
 */
import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import { PATHS } from '../../../server/config/contract';
import {
  ALARM_THRESHOLDS,
  COLLECTOR_CONTAINER_NAME,
  GOOGLE_COLLECTOR_CONFIG_ENV,
  GOOGLE_COLLECTOR_IMAGE,
  GOOGLE_COLLECTOR_RESOURCES,
  GOOGLE_TELEMETRY_ROLES,
  alarmEmailProblem,
  googleCollectorConfig,
  serverTelemetryEnvironment,
  type AlarmThreshold,
} from '../../shared/observability';
import { configFail } from '../common/errors';

/** Where alerts go: existing notification channels (their IDs), an e-mail address (a channel is created), or neither. */
export interface CloudRunAlerts {
  /** IDs of existing notification channels (`projects/<p>/notificationChannels/<id>`). @default none */
  notificationChannels?: pulumi.Input<string>[];
  /** E-mail address for a created e-mail notification channel. @default none */
  email?: string;
}

/** The APIs the observability resources need. */
export function monitoringApis(args: { alerts?: CloudRunAlerts; telemetry?: boolean }): string[] {
  return [
    ...(args.alerts || args.telemetry ? ['monitoring.googleapis.com'] : []),
    ...(args.telemetry ? ['cloudtrace.googleapis.com'] : []),
  ];
}

/** Checks `alerts` before any resource is created. */
export function checkAlerts(where: string, alerts: CloudRunAlerts | undefined): void {
  const problem = alerts?.email !== undefined ? alarmEmailProblem(alerts.email) : undefined;
  if (problem) configFail(where, `alerts.email ${problem}`);
}

export interface CloudRunTelemetry {
  /** The service account's project roles: exactly `GOOGLE_TELEMETRY_ROLES`. */
  roles: gcp.projects.IAMMember[];
  /** The sidecar's container. */
  container: gcp.types.input.cloudrunv2.ServiceTemplateContainer;
  /** The server's OTEL_* variables. */
  serverEnvs: { name: string; value: string }[];
}

/** The collector sidecar, the server's variables, and the two least roles the `googlecloud` exporter needs. */
export function createTelemetry(
  name: string,
  a: { project: string; serviceName: string; member: pulumi.Input<string> },
  parent: pulumi.Resource,
): CloudRunTelemetry {
  const roles = GOOGLE_TELEMETRY_ROLES.map(
    (role) =>
      new gcp.projects.IAMMember(
        `${name}-${role.split('/')[1]!.split('.')[0]}`,
        { project: a.project, role, member: a.member },
        { parent },
      ),
  );
  const container: gcp.types.input.cloudrunv2.ServiceTemplateContainer = {
    name: COLLECTOR_CONTAINER_NAME,
    image: GOOGLE_COLLECTOR_IMAGE,
    // The collector's env provider reads the configuration from a variable: no file, no volume, no secret.
    args: [`--config=env:${GOOGLE_COLLECTOR_CONFIG_ENV}`],
    envs: [{ name: GOOGLE_COLLECTOR_CONFIG_ENV, value: googleCollectorConfig(a.project) }],
    resources: { limits: { ...GOOGLE_COLLECTOR_RESOURCES } },
  };
  const serverEnvs = Object.entries(serverTelemetryEnvironment(a.serviceName)).map(([n, value]) => ({
    name: n,
    value,
  }));
  return { roles, container, serverEnvs };
}

export interface CloudRunMonitoringArgs {
  project: string;
  serviceName: string;
  maxInstances: number;
  alerts: CloudRunAlerts;
  /** The service's `https://…run.app` URL, for the uptime check; undefined when the service is not public. */
  uptimeUrl?: pulumi.Output<string>;
  labels: Record<string, string>;
}

export interface CloudRunMonitoring {
  alertPolicies: Record<string, gcp.monitoring.AlertPolicy>;
  uptimeCheck?: gcp.monitoring.UptimeCheckConfig;
  emailChannel?: gcp.monitoring.NotificationChannel;
}

const seconds = (n: number) => `${n}s`;
const duration = (a: AlarmThreshold) => seconds(a.periodSeconds * a.evaluationPeriods);

/** The alert policies and the uptime check. */
export function createMonitoring(name: string, a: CloudRunMonitoringArgs, parent: pulumi.Resource): CloudRunMonitoring {
  const opts = { parent };
  const out: CloudRunMonitoring = { alertPolicies: {} };
  if (a.alerts.email !== undefined) {
    out.emailChannel = new gcp.monitoring.NotificationChannel(
      `${name}-alerts-email`,
      {
        project: a.project,
        displayName: `MCP server ${a.serviceName} alerts`,
        type: 'email',
        labels: { email_address: a.alerts.email },
      },
      opts,
    );
  }
  const channels: pulumi.Input<string>[] = [
    ...(a.alerts.notificationChannels ?? []),
    ...(out.emailChannel ? [out.emailChannel.id] : []),
  ];
  const t = ALARM_THRESHOLDS;
  const revision = `resource.type="cloud_run_revision" AND resource.labels.service_name="${a.serviceName}"`;
  const policy = (
    key: string,
    title: string,
    x: AlarmThreshold,
    condition: gcp.types.input.monitoring.AlertPolicyConditionConditionThreshold,
  ) => {
    out.alertPolicies[key] = new gcp.monitoring.AlertPolicy(
      `${name}-${key}`,
      {
        project: a.project,
        displayName: `MCP server ${a.serviceName}: ${title}`,
        combiner: 'OR',
        conditions: [{ displayName: title, conditionThreshold: condition }],
        notificationChannels: channels,
        documentation: { content: `MCP server: ${x.why}`, mimeType: 'text/markdown' },
        alertStrategy: { autoClose: '1800s' },
        userLabels: a.labels,
      },
      opts,
    );
  };

  const rate = {
    alignmentPeriod: seconds(t.errorRatePercent.periodSeconds),
    perSeriesAligner: 'ALIGN_RATE',
    crossSeriesReducer: 'REDUCE_SUM',
  };
  policy('error-rate', '5xx ratio', t.errorRatePercent, {
    filter: `metric.type="run.googleapis.com/request_count" AND ${revision} AND metric.labels.response_code_class="5xx"`,
    denominatorFilter: `metric.type="run.googleapis.com/request_count" AND ${revision}`,
    aggregations: [rate],
    denominatorAggregations: [rate],
    comparison: 'COMPARISON_GT',
    thresholdValue: t.errorRatePercent.threshold / 100,
    duration: duration(t.errorRatePercent),
  });
  policy('p99-latency', 'p99 latency', t.p99LatencySeconds, {
    filter: `metric.type="run.googleapis.com/request_latencies" AND ${revision}`,
    aggregations: [
      {
        alignmentPeriod: seconds(t.p99LatencySeconds.periodSeconds),
        perSeriesAligner: 'ALIGN_PERCENTILE_99',
        crossSeriesReducer: 'REDUCE_MAX',
      },
    ],
    comparison: 'COMPARISON_GT',
    // request_latencies is in milliseconds.
    thresholdValue: t.p99LatencySeconds.threshold * 1000,
    duration: duration(t.p99LatencySeconds),
  });
  policy('instances-at-max', 'instances at maxInstances', t.instancesAtMax, {
    filter: `metric.type="run.googleapis.com/container/instance_count" AND ${revision}`,
    aggregations: [
      {
        alignmentPeriod: seconds(t.instancesAtMax.periodSeconds),
        perSeriesAligner: 'ALIGN_MAX',
        crossSeriesReducer: 'REDUCE_SUM',
      },
    ],
    comparison: 'COMPARISON_GT',
    // Whole instances: just below the count, so that reaching it fires.
    thresholdValue: a.maxInstances * t.instancesAtMax.threshold - 0.5,
    duration: duration(t.instancesAtMax),
  });

  if (a.uptimeUrl) {
    const host = a.uptimeUrl.apply((url) => new URL(url).host);
    out.uptimeCheck = new gcp.monitoring.UptimeCheckConfig(
      `${name}-healthz`,
      {
        project: a.project,
        displayName: `MCP server ${a.serviceName} ${PATHS.healthz}`,
        timeout: '10s',
        period: '60s',
        monitoredResource: { type: 'uptime_url', labels: { project_id: a.project, host } },
        httpCheck: {
          path: PATHS.healthz,
          port: 443,
          useSsl: true,
          validateSsl: true,
          requestMethod: 'GET',
          acceptedResponseStatusCodes: [{ statusValue: 200 }],
        },
      },
      opts,
    );
    const u = t.uptimeFailedRegions;
    policy('uptime', `${PATHS.healthz} uptime check`, u, {
      filter: pulumi.interpolate`metric.type="monitoring.googleapis.com/uptime_check/check_passed" AND resource.type="uptime_url" AND metric.labels.check_id="${out.uptimeCheck.uptimeCheckId}"`,
      aggregations: [
        {
          alignmentPeriod: '1200s',
          perSeriesAligner: 'ALIGN_NEXT_OLDER',
          crossSeriesReducer: 'REDUCE_COUNT_FALSE',
          groupByFields: ['resource.label.*'],
        },
      ],
      comparison: 'COMPARISON_GT',
      thresholdValue: u.threshold,
      duration: duration(u),
    });
  }
  return out;
}
