/**
 * Observability of the Pulumi `McpFargateService`: the CloudWatch dashboard, the alarms (to an SNS topic or an e-mail
 * address) and the opt-in AWS Distro for OpenTelemetry collector sidecar — the same as the CDK construct's, with the
 * thresholds of `infra/shared/observability.ts`. docs/observability-infra.md describes them.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import {
  ADOT_COLLECTOR_IMAGE,
  ADOT_COLLECTOR_RESOURCES,
  ADOT_COLLECTOR_USER,
  ALARM_THRESHOLDS,
  COLLECTOR_CONTAINER_NAME,
  EMF_LOG_ACTIONS,
  MCP_METRICS,
  MCP_METRICS_NAMESPACE,
  XRAY_WRITE_ACTIONS,
  adotCollectorConfig,
  alarmEmailProblem,
  type AlarmThreshold,
} from '../../shared/observability';
import { configFail } from '../common/errors';

/** Where the alarms go: an SNS topic of yours, an e-mail address (a topic is created for it), or both. */
export interface McpFargateAlarms {
  /** ARN of your SNS topic; CloudWatch must be able to publish to it (not encrypted with the AWS-managed key). */
  topicArn?: pulumi.Input<string>;
  /** E-mail address subscribed to the topic (AWS mails a confirmation first). */
  email?: string;
}

/** Checks `alarms` before any resource is created. */
export function checkAlarms(where: string, alarms: McpFargateAlarms | undefined): void {
  if (!alarms) return;
  if (alarms.topicArn === undefined && alarms.email === undefined)
    configFail(where, 'alarms needs `topicArn` (an SNS topic) or `email` (a topic is created for it)');
  const problem = alarms.email !== undefined ? alarmEmailProblem(alarms.email) : undefined;
  if (problem) configFail(where, `alarms.email ${problem}`);
}

export interface McpFargateTelemetry {
  /** The log group the collector writes EMF metrics to (CloudWatch extracts them into `RemoteMcp`). */
  metricsLogGroup: aws.cloudwatch.LogGroup;
  /** The task role's permissions: X-Ray segments and that log group. */
  policy: aws.iam.RolePolicy;
}

/** The collector's log group and the task role's permissions for it and for X-Ray. */
export function createTelemetry(
  name: string,
  a: {
    taskRole: aws.iam.Role;
    logRetentionDays: number;
    logsKmsKeyArn?: pulumi.Input<string>;
    tags: Record<string, string>;
  },
  parent: pulumi.Resource,
): McpFargateTelemetry {
  const metricsLogGroup = new aws.cloudwatch.LogGroup(
    `${name}-metrics`,
    { retentionInDays: a.logRetentionDays, kmsKeyId: a.logsKmsKeyArn, tags: a.tags },
    { parent, retainOnDelete: true },
  );
  const policy = new aws.iam.RolePolicy(
    `${name}-telemetry`,
    { role: a.taskRole.id, policy: metricsLogGroup.arn.apply((arn) => JSON.stringify(telemetryPolicy(arn))) },
    { parent },
  );
  return { metricsLogGroup, policy };
}

/**
 * The task role's policy with telemetry: X-Ray has no resource-level permissions for writing segments (so `*`);
 * EMF metrics are log events in one log group (no cloudwatch:PutMetricData).
 */
export function telemetryPolicy(metricsLogGroupArn: string): object {
  return {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'WriteTraces', Effect: 'Allow', Action: [...XRAY_WRITE_ACTIONS], Resource: '*' },
      {
        Sid: 'WriteMetrics',
        Effect: 'Allow',
        Action: [...EMF_LOG_ACTIONS],
        Resource: [metricsLogGroupArn, `${metricsLogGroupArn}:log-stream:*`],
      },
    ],
  };
}

/** The sidecar's container definition (plain values: it goes into the task definition's JSON). */
export function collectorContainer(region: string, metricsLogGroupName: string, serviceLogGroupName: string): object {
  return {
    name: COLLECTOR_CONTAINER_NAME,
    image: ADOT_COLLECTOR_IMAGE,
    // Losing telemetry must not stop the server: the task keeps serving if the collector exits.
    essential: false,
    cpu: ADOT_COLLECTOR_RESOURCES.cpu,
    memory: ADOT_COLLECTOR_RESOURCES.memoryLimitMiB,
    memoryReservation: ADOT_COLLECTOR_RESOURCES.memoryReservationMiB,
    environment: [{ name: 'AOT_CONFIG_CONTENT', value: adotCollectorConfig(region, metricsLogGroupName) }],
    user: ADOT_COLLECTOR_USER,
    readonlyRootFilesystem: true,
    privileged: false,
    logConfiguration: {
      logDriver: 'awslogs',
      options: {
        'awslogs-group': serviceLogGroupName,
        'awslogs-region': region,
        'awslogs-stream-prefix': 'otel',
        mode: 'non-blocking',
        'max-buffer-size': '25m',
      },
    },
  };
}

export interface McpFargateMonitoringArgs {
  dashboard: boolean;
  alarms?: McpFargateAlarms;
  loadBalancerArnSuffix: pulumi.Output<string>;
  targetGroupArnSuffix: pulumi.Output<string>;
  clusterName: pulumi.Output<string>;
  serviceName: pulumi.Output<string>;
  region: pulumi.Output<string>;
  tags: Record<string, string>;
}

export interface McpFargateMonitoring {
  dashboard?: aws.cloudwatch.Dashboard;
  alarms: Record<string, aws.cloudwatch.MetricAlarm>;
  alarmTopic?: aws.sns.Topic;
  alarmTopicArn?: pulumi.Output<string>;
}

/** The dashboard and the alarms. */
export function createMonitoring(
  name: string,
  a: McpFargateMonitoringArgs,
  parent: pulumi.Resource,
): McpFargateMonitoring {
  const out: McpFargateMonitoring = { alarms: {} };
  const opts = { parent };
  if (a.alarms) {
    let topicArn: pulumi.Output<string>;
    if (a.alarms.topicArn !== undefined) {
      topicArn = pulumi.output(a.alarms.topicArn);
    } else {
      out.alarmTopic = new aws.sns.Topic(`${name}-alarms`, { displayName: 'MCP server alarms', tags: a.tags }, opts);
      // TLS-only publishers, as the CDK construct's topic (enforceSSL).
      new aws.sns.TopicPolicy(
        `${name}-alarms`,
        { arn: out.alarmTopic.arn, policy: out.alarmTopic.arn.apply((arn) => JSON.stringify(tlsOnlyTopicPolicy(arn))) },
        opts,
      );
      topicArn = out.alarmTopic.arn;
    }
    if (a.alarms.email !== undefined)
      new aws.sns.TopicSubscription(
        `${name}-alarms-email`,
        { topic: topicArn, protocol: 'email', endpoint: a.alarms.email },
        opts,
      );
    out.alarmTopicArn = topicArn;
    createAlarms(name, a, topicArn, out.alarms, opts);
  }
  if (a.dashboard) {
    out.dashboard = new aws.cloudwatch.Dashboard(
      `${name}-dashboard`,
      {
        dashboardName: `${name}-mcp`,
        dashboardBody: pulumi
          .all([a.loadBalancerArnSuffix, a.targetGroupArnSuffix, a.clusterName, a.serviceName, a.region])
          .apply(([lb, tg, cluster, service, region]) =>
            JSON.stringify(dashboardBody({ lb, tg, cluster, service, region })),
          ),
      },
      opts,
    );
  }
  return out;
}

function tlsOnlyTopicPolicy(topicArn: string): object {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'TlsOnly',
        Effect: 'Deny',
        Principal: '*',
        Action: 'sns:Publish',
        Resource: topicArn,
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      },
    ],
  };
}

function createAlarms(
  name: string,
  a: McpFargateMonitoringArgs,
  topicArn: pulumi.Output<string>,
  into: Record<string, aws.cloudwatch.MetricAlarm>,
  opts: pulumi.CustomResourceOptions,
): void {
  const t = ALARM_THRESHOLDS;
  const common = (x: AlarmThreshold) => ({
    threshold: x.threshold,
    evaluationPeriods: x.evaluationPeriods,
    datapointsToAlarm: x.evaluationPeriods,
    alarmDescription: `MCP server: ${x.why}`,
    alarmActions: [topicArn],
    okActions: [topicArn],
    tags: a.tags,
  });
  const alb = { LoadBalancer: a.loadBalancerArnSuffix, TargetGroup: a.targetGroupArnSuffix };
  const lbOnly = { LoadBalancer: a.loadBalancerArnSuffix };
  const tasks = { ClusterName: a.clusterName, ServiceName: a.serviceName };
  const stat = (
    id: string,
    metricName: string,
    dimensions: Record<string, pulumi.Input<string>>,
    period: number,
    namespace = 'AWS/ApplicationELB',
    st = 'Sum',
  ) => ({
    id,
    returnData: false,
    metric: { namespace, metricName, dimensions, period, stat: st },
  });

  // No data means no target group metrics at all: nothing is registered, so nothing is healthy.
  into.NoHealthyHost = new aws.cloudwatch.MetricAlarm(
    `${name}-no-healthy-host`,
    {
      ...common(t.noHealthyHost),
      namespace: 'AWS/ApplicationELB',
      metricName: 'HealthyHostCount',
      dimensions: alb,
      statistic: 'Minimum',
      period: t.noHealthyHost.periodSeconds,
      comparisonOperator: 'LessThanThreshold',
      treatMissingData: 'breaching',
    },
    opts,
  );
  const p5 = t.errorRatePercent.periodSeconds;
  into.ErrorRate = new aws.cloudwatch.MetricAlarm(
    `${name}-error-rate`,
    {
      ...common(t.errorRatePercent),
      comparisonOperator: 'GreaterThanThreshold',
      treatMissingData: 'notBreaching',
      metricQueries: [
        {
          id: 'rate',
          returnData: true,
          label: '5xx rate (%)',
          expression: `IF(requests >= ${t.errorRateMinRequests}, 100 * (FILL(target5xx, 0) + FILL(lb5xx, 0)) / requests, 0)`,
        },
        stat('requests', 'RequestCount', lbOnly, p5),
        stat('target5xx', 'HTTPCode_Target_5XX_Count', lbOnly, p5),
        stat('lb5xx', 'HTTPCode_ELB_5XX_Count', lbOnly, p5),
      ],
    },
    opts,
  );
  into.P99Latency = new aws.cloudwatch.MetricAlarm(
    `${name}-p99-latency`,
    {
      ...common(t.p99LatencySeconds),
      namespace: 'AWS/ApplicationELB',
      metricName: 'TargetResponseTime',
      dimensions: alb,
      extendedStatistic: 'p99',
      period: t.p99LatencySeconds.periodSeconds,
      comparisonOperator: 'GreaterThanThreshold',
      treatMissingData: 'notBreaching',
    },
    opts,
  );
  const pt = t.tasksBelowDesired.periodSeconds;
  into.TasksBelowDesired = new aws.cloudwatch.MetricAlarm(
    `${name}-tasks-below-desired`,
    {
      ...common(t.tasksBelowDesired),
      comparisonOperator: 'GreaterThanOrEqualToThreshold',
      treatMissingData: 'notBreaching',
      metricQueries: [
        {
          id: 'missing',
          returnData: true,
          label: 'Tasks below desired',
          expression: 'FILL(desired, 0) - FILL(running, 0)',
        },
        stat('desired', 'DesiredTaskCount', tasks, pt, 'ECS/ContainerInsights', 'Average'),
        stat('running', 'RunningTaskCount', tasks, pt, 'ECS/ContainerInsights', 'Average'),
      ],
    },
    opts,
  );
}

/** The dashboard's widgets: the same panels as the CDK construct's. */
export function dashboardBody(d: { lb: string; tg: string; cluster: string; service: string; region: string }): object {
  const alb = (metric: string, stat: string, extra: object = {}) => [
    'AWS/ApplicationELB',
    metric,
    'LoadBalancer',
    d.lb,
    { stat, ...extra },
  ];
  const tgm = (metric: string, stat: string, extra: object = {}) => [
    'AWS/ApplicationELB',
    metric,
    'TargetGroup',
    d.tg,
    'LoadBalancer',
    d.lb,
    { stat, ...extra },
  ];
  const ecs = (metric: string, stat: string, label: string) => [
    'AWS/ECS',
    metric,
    'ClusterName',
    d.cluster,
    'ServiceName',
    d.service,
    { stat, label },
  ];
  const insights = (metric: string) => [
    'ECS/ContainerInsights',
    metric,
    'ClusterName',
    d.cluster,
    'ServiceName',
    d.service,
    { stat: 'Average', yAxis: 'right' },
  ];
  const search = (metric: string, stat: string, label: string, extra: object = {}) => [
    { expression: `SEARCH('{${MCP_METRICS_NAMESPACE}} MetricName="${metric}"', '${stat}', 300)`, label, ...extra },
  ];
  let y = 0;
  const row = (...widgets: { title: string; metrics: unknown[] }[]) => {
    const out = widgets.map((w, i) => ({
      type: 'metric',
      x: i * 12,
      y,
      width: 12,
      height: 6,
      properties: { title: w.title, region: d.region, view: 'timeSeries', period: 60, metrics: w.metrics },
    }));
    y += 6;
    return out;
  };
  return {
    widgets: [
      ...row(
        {
          title: 'Requests and errors',
          metrics: [
            alb('RequestCount', 'Sum'),
            alb('HTTPCode_Target_4XX_Count', 'Sum', { yAxis: 'right' }),
            alb('HTTPCode_Target_5XX_Count', 'Sum', { yAxis: 'right' }),
            alb('HTTPCode_ELB_5XX_Count', 'Sum', { yAxis: 'right' }),
          ],
        },
        {
          title: 'Target response time (s)',
          metrics: [
            tgm('TargetResponseTime', 'p50', { label: 'p50' }),
            tgm('TargetResponseTime', 'p99', { label: 'p99' }),
          ],
        },
      ),
      ...row(
        {
          title: 'Hosts',
          metrics: [
            tgm('HealthyHostCount', 'Minimum'),
            tgm('UnHealthyHostCount', 'Maximum'),
            insights('RunningTaskCount'),
            insights('DesiredTaskCount'),
          ],
        },
        { title: 'Connections', metrics: [alb('ActiveConnectionCount', 'Sum'), alb('NewConnectionCount', 'Sum')] },
      ),
      ...row(
        {
          title: 'Task CPU and memory (%)',
          metrics: [
            ecs('CPUUtilization', 'Average', 'CPU average'),
            ecs('CPUUtilization', 'Maximum', 'CPU maximum'),
            ecs('MemoryUtilization', 'Average', 'Memory average'),
            ecs('MemoryUtilization', 'Maximum', 'Memory maximum'),
          ],
        },
        {
          title: `MCP operations (${MCP_METRICS_NAMESPACE}, with telemetry on)`,
          metrics: [
            search(MCP_METRICS.operationDuration, 'Average', 'Duration'),
            search(MCP_METRICS.operationDuration, 'SampleCount', 'Calls', { yAxis: 'right' }),
          ],
        },
      ),
      ...row(
        {
          title: `MCP sessions (${MCP_METRICS_NAMESPACE}, with telemetry on)`,
          metrics: [
            search(MCP_METRICS.sessionDuration, 'Average', 'Session duration'),
            search(MCP_METRICS.sessionDuration, 'SampleCount', 'Sessions ended', { yAxis: 'right' }),
          ],
        },
        {
          title: `Every server metric (${MCP_METRICS_NAMESPACE}): sessions, streams, auth failures, drain`,
          metrics: [[{ expression: `SEARCH('{${MCP_METRICS_NAMESPACE}} MetricName=mcp', 'Sum', 300)`, label: '' }]],
        },
      ),
    ],
  };
}
