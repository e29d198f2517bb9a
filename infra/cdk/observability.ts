/**
 * What an operator of `McpFargateService` looks at: a CloudWatch dashboard, alarms to an SNS topic or an e-mail
 * address, and (opt-in) the AWS Distro for OpenTelemetry collector as a sidecar that ships the server's traces to
 * X-Ray and its metrics to CloudWatch. Thresholds come from `infra/shared/observability.ts`, shared with Pulumi.
 */
import { Duration, RemovalPolicy, Size, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
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
  serverTelemetryEnvironment,
  type AlarmThreshold,
} from '../shared/observability';
import type { McpAlarmsProps } from './mcp-fargate-service-props';

export interface McpObservabilityProps {
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  readonly targetGroup: elbv2.ApplicationTargetGroup;
  readonly service: ecs.FargateService;
  readonly taskDefinition: ecs.FargateTaskDefinition;
  /** The server container: gets the OTEL_* variables when `telemetry` is on. */
  readonly container: ecs.ContainerDefinition;
  /** Plain variables the user set on the container: they win over the OTEL_* defaults (e.g. the sampler). */
  readonly userEnvironment: Record<string, string>;
  readonly dashboard: boolean;
  readonly alarms?: McpAlarmsProps;
  readonly telemetry: boolean;
  readonly logRetention: logs.RetentionDays;
  /** The server's log group: the collector logs there too (stream prefix `otel`). */
  readonly serviceLogGroup: logs.ILogGroup;
  /** OTEL_SERVICE_NAME of the server. */
  readonly serviceName: string;
  readonly logsEncryptionKey: kms.IKey;
}

export class McpObservability extends Construct {
  public readonly dashboard?: cloudwatch.Dashboard;
  /** The alarms by name (`NoHealthyHost`, `ErrorRate`, `P99Latency`, `TasksBelowDesired`), when `alarms` is set. */
  public readonly alarms: Record<string, cloudwatch.Alarm> = {};
  /** Where the alarms go: the given topic, or one created for `alarms.email`. */
  public readonly alarmTopic?: sns.ITopic;
  /** The topic the construct created for `alarms.email`. */
  public readonly createdAlarmTopic?: sns.Topic;
  /** The ADOT collector sidecar and the log group its EMF metrics are written to, when `telemetry` is on. */
  public readonly collector?: ecs.ContainerDefinition;
  public readonly metricsLogGroup?: logs.LogGroup;

  constructor(scope: Construct, id: string, props: McpObservabilityProps) {
    super(scope, id);
    if (props.telemetry) {
      const { collector, logGroup } = this.addCollector(props);
      this.collector = collector;
      this.metricsLogGroup = logGroup;
    }
    if (props.alarms) {
      if (props.alarms.topic) {
        this.alarmTopic = props.alarms.topic;
      } else {
        // Alarm notifications carry alarm names and metric values only; the topic accepts TLS publishers only.
        this.createdAlarmTopic = new sns.Topic(this, 'AlarmTopic', {
          displayName: 'MCP server alarms',
          enforceSSL: true,
        });
        this.alarmTopic = this.createdAlarmTopic;
      }
      if (props.alarms.email) this.alarmTopic.addSubscription(new subscriptions.EmailSubscription(props.alarms.email));
      this.createAlarms(props, this.alarmTopic);
    }
    if (props.dashboard) this.dashboard = this.createDashboard(props);
  }

  private createAlarms(p: McpObservabilityProps, topic: sns.ITopic): void {
    const t = ALARM_THRESHOLDS;
    const period = (a: AlarmThreshold) => Duration.seconds(a.periodSeconds);
    const tg = p.targetGroup.metrics;
    const add = (
      name: string,
      a: AlarmThreshold,
      metric: cloudwatch.IMetric,
      comparison: cloudwatch.ComparisonOperator,
      missing: cloudwatch.TreatMissingData,
    ) => {
      const alarm = new cloudwatch.Alarm(this, name, {
        metric,
        threshold: a.threshold,
        evaluationPeriods: a.evaluationPeriods,
        datapointsToAlarm: a.evaluationPeriods,
        comparisonOperator: comparison,
        treatMissingData: missing,
        alarmDescription: `MCP server: ${a.why}`,
      });
      alarm.addAlarmAction(new cwActions.SnsAction(topic));
      alarm.addOkAction(new cwActions.SnsAction(topic));
      this.alarms[name] = alarm;
    };
    // No data means no target group metrics at all: nothing is registered, so nothing is healthy.
    add(
      'NoHealthyHost',
      t.noHealthyHost,
      tg.healthyHostCount({ statistic: 'Minimum', period: period(t.noHealthyHost) }),
      cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      cloudwatch.TreatMissingData.BREACHING,
    );
    add(
      'ErrorRate',
      t.errorRatePercent,
      this.errorRate(p, period(t.errorRatePercent)),
      cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      cloudwatch.TreatMissingData.NOT_BREACHING,
    );
    add(
      'P99Latency',
      t.p99LatencySeconds,
      tg.targetResponseTime({ statistic: 'p99', period: period(t.p99LatencySeconds) }),
      cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      cloudwatch.TreatMissingData.NOT_BREACHING,
    );
    // Container Insights (on for the created cluster): desired minus running tasks.
    const tasks = this.taskCounts(p, period(t.tasksBelowDesired));
    const missingTasks = new cloudwatch.MathExpression({
      expression: 'FILL(desired, 0) - FILL(running, 0)',
      usingMetrics: { desired: tasks.desired, running: tasks.running },
      period: period(t.tasksBelowDesired),
      label: 'Tasks below desired',
    });
    add(
      'TasksBelowDesired',
      t.tasksBelowDesired,
      missingTasks,
      cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      cloudwatch.TreatMissingData.NOT_BREACHING,
    );
  }

  /** 5xx from the tasks and from the load balancer itself, in percent of requests; 0 below the minimum request count. */
  private errorRate(p: McpObservabilityProps, period: Duration): cloudwatch.MathExpression {
    const lb = p.loadBalancer.metrics;
    return new cloudwatch.MathExpression({
      expression: `IF(requests >= ${ALARM_THRESHOLDS.errorRateMinRequests}, 100 * (FILL(target5xx, 0) + FILL(lb5xx, 0)) / requests, 0)`,
      usingMetrics: {
        requests: lb.requestCount({ statistic: 'Sum', period }),
        target5xx: lb.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, { statistic: 'Sum', period }),
        lb5xx: lb.httpCodeElb(elbv2.HttpCodeElb.ELB_5XX_COUNT, { statistic: 'Sum', period }),
      },
      period,
      label: '5xx rate (%)',
    });
  }

  private taskCounts(
    p: McpObservabilityProps,
    period: Duration,
  ): { desired: cloudwatch.Metric; running: cloudwatch.Metric } {
    const dimensionsMap = { ClusterName: p.service.cluster.clusterName, ServiceName: p.service.serviceName };
    const metric = (metricName: string) =>
      new cloudwatch.Metric({
        namespace: 'ECS/ContainerInsights',
        metricName,
        dimensionsMap,
        statistic: 'Average',
        period,
      });
    return { desired: metric('DesiredTaskCount'), running: metric('RunningTaskCount') };
  }

  private createDashboard(p: McpObservabilityProps): cloudwatch.Dashboard {
    const minute = Duration.minutes(1);
    const lb = p.loadBalancer.metrics;
    const tg = p.targetGroup.metrics;
    const tasks = this.taskCounts(p, minute);
    const graph = (title: string, left: cloudwatch.IMetric[], right: cloudwatch.IMetric[] = []) =>
      new cloudwatch.GraphWidget({ title, left, right, width: 12, height: 6 });
    const search = (metricName: string, statistic: string, label: string) =>
      new cloudwatch.MathExpression({
        // SEARCH: every dimension combination the collector writes (by method, tool, outcome…), without listing them.
        expression: `SEARCH('{${MCP_METRICS_NAMESPACE}} MetricName="${metricName}"', '${statistic}', 300)`,
        label,
        period: Duration.minutes(5),
      });
    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { defaultInterval: Duration.hours(3) });
    dashboard.addWidgets(
      graph(
        'Requests and errors',
        [lb.requestCount({ statistic: 'Sum', period: minute })],
        [
          lb.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_4XX_COUNT, {
            statistic: 'Sum',
            period: minute,
            label: 'Target 4xx',
          }),
          lb.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, {
            statistic: 'Sum',
            period: minute,
            label: 'Target 5xx',
          }),
          lb.httpCodeElb(elbv2.HttpCodeElb.ELB_5XX_COUNT, {
            statistic: 'Sum',
            period: minute,
            label: 'Load balancer 5xx',
          }),
        ],
      ),
      graph('Target response time (s)', [
        tg.targetResponseTime({ statistic: 'p50', period: minute, label: 'p50' }),
        tg.targetResponseTime({ statistic: 'p99', period: minute, label: 'p99' }),
      ]),
    );
    dashboard.addWidgets(
      graph(
        'Hosts',
        [
          tg.healthyHostCount({ statistic: 'Minimum', period: minute }),
          tg.unhealthyHostCount({ statistic: 'Maximum', period: minute }),
        ],
        [tasks.running, tasks.desired],
      ),
      graph('Connections', [
        lb.activeConnectionCount({ statistic: 'Sum', period: minute }),
        lb.newConnectionCount({ statistic: 'Sum', period: minute }),
      ]),
    );
    dashboard.addWidgets(
      graph('Task CPU and memory (%)', [
        p.service.metricCpuUtilization({ period: minute, label: 'CPU average' }),
        p.service.metricCpuUtilization({ period: minute, statistic: 'Maximum', label: 'CPU maximum' }),
        p.service.metricMemoryUtilization({ period: minute, label: 'Memory average' }),
        p.service.metricMemoryUtilization({ period: minute, statistic: 'Maximum', label: 'Memory maximum' }),
      ]),
      graph(
        `MCP operations (${MCP_METRICS_NAMESPACE}, with telemetry on)`,
        [search(MCP_METRICS.operationDuration, 'Average', 'Duration')],
        [search(MCP_METRICS.operationDuration, 'SampleCount', 'Calls')],
      ),
    );
    dashboard.addWidgets(
      graph(
        `MCP sessions (${MCP_METRICS_NAMESPACE}, with telemetry on)`,
        [search(MCP_METRICS.sessionDuration, 'Average', 'Session duration')],
        [search(MCP_METRICS.sessionDuration, 'SampleCount', 'Sessions ended')],
      ),
      new cloudwatch.GraphWidget({
        title: `Every server metric (${MCP_METRICS_NAMESPACE}): sessions, streams, auth failures, drain`,
        left: [
          new cloudwatch.MathExpression({
            expression: `SEARCH('{${MCP_METRICS_NAMESPACE}} MetricName=mcp', 'Sum', 300)`,
            label: '',
            period: Duration.minutes(5),
          }),
        ],
        width: 12,
        height: 6,
      }),
    );
    for (const alarm of Object.values(this.alarms))
      dashboard.addWidgets(new cloudwatch.AlarmStatusWidget({ alarms: [alarm], width: 6, height: 2 }));
    return dashboard;
  }

  /** The ADOT collector next to the server: OTLP in on localhost, X-Ray and CloudWatch (EMF) out. */
  private addCollector(p: McpObservabilityProps): { collector: ecs.ContainerDefinition; logGroup: logs.LogGroup } {
    const region = Stack.of(this).region;
    const logGroup = new logs.LogGroup(this, 'MetricsLogs', {
      retention: p.logRetention,
      encryptionKey: p.logsEncryptionKey,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const taskRole = p.taskDefinition.taskRole;
    // X-Ray has no resource-level permissions for writing segments (findings.ts acknowledges the "*").
    taskRole.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: 'WriteTraces', actions: [...XRAY_WRITE_ACTIONS], resources: ['*'] }),
    );
    // EMF metrics are log events in this one group: no cloudwatch:PutMetricData, no other log group.
    taskRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'WriteMetrics',
        actions: [...EMF_LOG_ACTIONS],
        resources: [logGroup.logGroupArn],
      }),
    );

    for (const [name, value] of Object.entries(serverTelemetryEnvironment(p.serviceName))) {
      if (!(name in p.userEnvironment)) p.container.addEnvironment(name, value);
    }
    const collector = p.taskDefinition.addContainer('Collector', {
      containerName: COLLECTOR_CONTAINER_NAME,
      image: ecs.ContainerImage.fromRegistry(ADOT_COLLECTOR_IMAGE),
      // Losing telemetry must not stop the server: the task keeps serving if the collector exits.
      essential: false,
      cpu: ADOT_COLLECTOR_RESOURCES.cpu,
      memoryReservationMiB: ADOT_COLLECTOR_RESOURCES.memoryReservationMiB,
      memoryLimitMiB: ADOT_COLLECTOR_RESOURCES.memoryLimitMiB,
      environment: { AOT_CONFIG_CONTENT: adotCollectorConfig(region, logGroup.logGroupName) },
      readonlyRootFilesystem: true,
      privileged: false,
      user: ADOT_COLLECTOR_USER,
      logging: ecs.LogDrivers.awsLogs({
        logGroup: p.serviceLogGroup,
        streamPrefix: 'otel',
        mode: ecs.AwsLogDriverMode.NON_BLOCKING,
        maxBufferSize: Size.mebibytes(25),
      }),
    });
    return { collector, logGroup };
  }
}
