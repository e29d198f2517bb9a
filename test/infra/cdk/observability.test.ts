/**
 * McpFargateService observability: the dashboard, the alarms with the shared thresholds, the ADOT collector sidecar
 * and its IAM, and the validators on a synth with everything on.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import {
  McpFargateService,
  addComplianceChecks,
  readAppContext,
  servicePropsFromContext,
  type ContextKey,
  type McpFargateServiceProps,
} from '../../../infra/cdk';
import {
  ADOT_COLLECTOR_IMAGE,
  ADOT_COLLECTOR_RESOURCES,
  ALARM_THRESHOLDS,
  MCP_METRICS,
  MCP_METRICS_NAMESPACE,
} from '../../../infra/shared/observability';
import { McpConfigError } from '../../../infra/cdk/resolve-props';
import { CERT_ARN, ISSUER, REGION, REPO_ROOT, baseProps, newApp, newStack, repoContext, synthService } from './helpers';

const alarmsOf = (template: Template) =>
  Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((r) => r.Properties as Record<string, any>);
const byDescription = (template: Template, why: string) => {
  const found = alarmsOf(template).filter((a) => a.AlarmDescription === `MCP server: ${why}`);
  expect(found).toHaveLength(1);
  return found[0]!;
};
const containers = (template: Template): Record<string, any>[] =>
  (Object.values(template.findResources('AWS::ECS::TaskDefinition'))[0] as any).Properties.ContainerDefinitions;
const envOf = (c: Record<string, any>): Record<string, unknown> =>
  Object.fromEntries((c.Environment ?? []).map((e: any) => [e.Name, e.Value]));

describe('defaults', () => {
  test('a dashboard, no alarm, no topic, no collector: one container, no task-role policy, no OTEL_* variable', () => {
    const { template, mcp } = synthService();
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 0);
    template.resourceCountIs('AWS::SNS::Topic', 0);
    expect(containers(template)).toHaveLength(1);
    expect(Object.keys(envOf(containers(template)[0]!)).filter((k) => k.startsWith('OTEL_'))).toEqual([]);
    expect(containers(template)[0]!.MemoryReservation).toBeUndefined();
    expect(mcp.observability.collector).toBeUndefined();
    // The task role has no policy: the server calls no AWS API.
    const policies = Object.values(template.findResources('AWS::IAM::Policy')).map((p: any) =>
      JSON.stringify(p.Properties.Roles),
    );
    const taskRoleId = Stack.of(mcp).getLogicalId(mcp.taskDefinition.taskRole.node.defaultChild as any);
    expect(policies.some((roles) => roles.includes(taskRoleId))).toBe(false);
  });

  test('dashboard: false creates none', () => {
    synthService({ dashboard: false }).template.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
  });

  test('the dashboard shows ALB requests, 5xx, p50/p99, hosts, connections, task CPU/memory and the MCP metrics', () => {
    const { template } = synthService();
    const body = JSON.stringify(
      (Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0] as any).Properties.DashboardBody,
    );
    for (const metric of [
      'RequestCount',
      'HTTPCode_Target_4XX_Count',
      'HTTPCode_Target_5XX_Count',
      'HTTPCode_ELB_5XX_Count',
      'TargetResponseTime',
      'HealthyHostCount',
      'ActiveConnectionCount',
      'CPUUtilization',
      'MemoryUtilization',
      'RunningTaskCount',
    ]) {
      expect(body).toContain(metric);
    }
    expect(body).toContain('\\"p50\\"');
    expect(body).toContain('\\"p99\\"');
    expect(body).toContain(`MetricName=\\\\\\"${MCP_METRICS.operationDuration}\\\\\\"`);
    expect(body).toContain(`MetricName=\\\\\\"${MCP_METRICS.sessionDuration}\\\\\\"`);
    expect(body).toContain(`{${MCP_METRICS_NAMESPACE}}`);
  });
});

describe('alarms', () => {
  test('an e-mail: a TLS-only topic with the subscription, four alarms with the shared thresholds, alarm and OK actions', () => {
    const { template, stack, mcp } = synthService({ alarms: { email: 'ops@example.com' } });
    template.resourceCountIs('AWS::SNS::Topic', 1);
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    expect(alarmsOf(template)).toHaveLength(4);
    const topicRef = {
      Ref: stack.getLogicalId(mcp.observability.createdAlarmTopic!.node.defaultChild as sns.CfnTopic),
    };
    for (const a of alarmsOf(template)) {
      expect(a.AlarmActions).toEqual([topicRef]);
      expect(a.OKActions).toEqual([topicRef]);
    }
    const t = ALARM_THRESHOLDS;

    const healthy = byDescription(template, t.noHealthyHost.why);
    expect(healthy).toMatchObject({
      MetricName: 'HealthyHostCount',
      Statistic: 'Minimum',
      Threshold: 1,
      Period: 60,
      EvaluationPeriods: 2,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
    });

    const errors = byDescription(template, t.errorRatePercent.why);
    expect(errors).toMatchObject({
      Threshold: 5,
      EvaluationPeriods: 5,
      DatapointsToAlarm: 5,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    const expression = errors.Metrics.find((m: any) => m.Expression).Expression as string;
    expect(expression).toBe('IF(requests >= 20, 100 * (FILL(target5xx, 0) + FILL(lb5xx, 0)) / requests, 0)');
    const names = errors.Metrics.filter((m: any) => m.MetricStat)
      .map((m: any) => m.MetricStat.Metric.MetricName)
      .sort();
    expect(names).toEqual(['HTTPCode_ELB_5XX_Count', 'HTTPCode_Target_5XX_Count', 'RequestCount']);

    const latency = byDescription(template, t.p99LatencySeconds.why);
    expect(latency).toMatchObject({
      MetricName: 'TargetResponseTime',
      ExtendedStatistic: 'p99',
      Threshold: 10,
      Period: 300,
      EvaluationPeriods: 3,
    });

    const tasks = byDescription(template, t.tasksBelowDesired.why);
    expect(tasks).toMatchObject({
      Threshold: 1,
      EvaluationPeriods: 5,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    expect(tasks.Metrics.find((m: any) => m.Expression).Expression).toBe('FILL(desired, 0) - FILL(running, 0)');
    expect(tasks.Metrics.filter((m: any) => m.MetricStat).map((m: any) => m.MetricStat.Metric.Namespace)).toEqual([
      'ECS/ContainerInsights',
      'ECS/ContainerInsights',
    ]);
  });

  test('a given topic: the alarms go there and no topic is created', () => {
    const stack = new Stack(newApp(), 'T', { env: { region: REGION } });
    const topic = sns.Topic.fromTopicArn(stack, 'Pager', `arn:aws:sns:${REGION}:123456789012:pager`);
    new McpFargateService(stack, 'Mcp', baseProps(stack, { alarms: { topic } }));
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::SNS::Topic', 0);
    expect(alarmsOf(template).map((a) => a.AlarmActions)).toEqual(Array(4).fill([topic.topicArn]));
  });

  test('alarms without a destination, or with a malformed address, are refused at synth with one sentence', () => {
    expect(() => synthService({ alarms: {} })).toThrow(McpConfigError);
    expect(() => synthService({ alarms: {} })).toThrow(/alarms needs `topic` \(an SNS topic\) or `email`/);
    expect(() => synthService({ alarms: { email: 'ops at example' } })).toThrow(
      /alarms\.email must be one e-mail address like ops@example\.com, got 'ops at example'/,
    );
    expect(() => synthService({ alarms: { email: 'a@b.com,c@d.com' } })).toThrow(/alarms\.email/);
  });
});

describe('telemetry: the ADOT collector sidecar', () => {
  test('a non-essential collector with bounded resources; the server reserves the rest of the task', () => {
    const { template } = synthService({ telemetry: true });
    const [server, collector] = containers(template);
    expect(collector).toMatchObject({
      Name: 'otel-collector',
      Image: ADOT_COLLECTOR_IMAGE,
      Essential: false,
      Cpu: ADOT_COLLECTOR_RESOURCES.cpu,
      Memory: ADOT_COLLECTOR_RESOURCES.memoryLimitMiB,
      MemoryReservation: ADOT_COLLECTOR_RESOURCES.memoryReservationMiB,
      ReadonlyRootFilesystem: true,
      User: '10001',
    });
    expect(collector!.LogConfiguration.Options['awslogs-stream-prefix']).toBe('otel');
    // Fargate: the reservations must fit the task memory (1024 MiB).
    expect(server!.MemoryReservation + collector!.MemoryReservation).toBe(1024);
  });

  test('the collector receives OTLP on localhost only and exports to X-Ray and CloudWatch EMF in the RemoteMcp namespace', () => {
    const { template } = synthService({ telemetry: true });
    const config = JSON.stringify(envOf(containers(template)[1]!).AOT_CONFIG_CONTENT);
    expect(config).toContain('endpoint: 127.0.0.1:4318');
    expect(config).toContain('endpoint: 127.0.0.1:4317');
    expect(config).not.toContain('0.0.0.0');
    expect(config).toContain('awsxray:');
    expect(config).toContain(`namespace: ${MCP_METRICS_NAMESPACE}`);
    expect(config).toContain(`region: ${REGION}`);
  });

  test("the server's OTEL_* variables point at the sidecar; a variable the user sets wins", () => {
    const { template } = synthService({
      telemetry: true,
      environment: { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.1' },
    });
    const env = envOf(containers(template)[0]!);
    expect(env).toMatchObject({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://localhost:4318',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_SERVICE_NAME: 'Test/Mcp',
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.1',
    });
    expect(containers(template)[0]!.Environment.filter((e: any) => e.Name === 'OTEL_TRACES_SAMPLER')).toHaveLength(1);
  });

  test('the task role may write X-Ray segments ("*", no resource-level permissions) and only to the metrics log group', () => {
    const { template, stack, mcp } = synthService({ telemetry: true });
    const taskRoleId = stack.getLogicalId(mcp.taskDefinition.taskRole.node.defaultChild as any);
    const policy = Object.values(template.findResources('AWS::IAM::Policy')).find((p: any) =>
      JSON.stringify(p.Properties.Roles).includes(taskRoleId),
    ) as any;
    const statements = policy.Properties.PolicyDocument.Statement as {
      Sid: string;
      Action: string[];
      Resource: unknown;
    }[];
    expect(statements.map((s) => s.Sid).sort()).toEqual(['WriteMetrics', 'WriteTraces']);
    const wildcard = statements.filter((s) => JSON.stringify(s.Resource) === '"*"');
    expect(wildcard).toEqual([
      expect.objectContaining({ Sid: 'WriteTraces', Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'] }),
    ]);
    const metricsLogs = stack.getLogicalId(mcp.observability.metricsLogGroup!.node.defaultChild as any);
    expect(statements.find((s) => s.Sid === 'WriteMetrics')!.Resource).toEqual({ 'Fn::GetAtt': [metricsLogs, 'Arn'] });
    expect(JSON.stringify(statements)).not.toContain('cloudwatch:');
  });

  test('the metrics log group is encrypted with the logs key and keeps the log retention', () => {
    const { template, stack, mcp } = synthService({ telemetry: true });
    const group = template.findResources('AWS::Logs::LogGroup')[
      stack.getLogicalId(mcp.observability.metricsLogGroup!.node.defaultChild as any)
    ] as any;
    expect(group.Properties.RetentionInDays).toBe(365);
    expect(group.Properties.KmsKeyId).toBeDefined();
  });
});

describe('validators', () => {
  function synthError(props: (stack: Stack) => Partial<McpFargateServiceProps>): string {
    const app = newApp({ context: repoContext() });
    const stack = new Stack(app, 'Observed', { env: { region: REGION } });
    new McpFargateService(stack, 'Mcp', baseProps(stack, props(stack)));
    addComplianceChecks(app, { verbose: false });
    try {
      app.synth();
    } catch (e) {
      return (e as Error).message;
    }
    return '';
  }

  test('cdk-nag and cfn-guard pass with telemetry, alarms to an e-mail and the dashboard', () => {
    expect(synthError(() => ({ telemetry: true, alarms: { email: 'ops@example.com' } }))).toBe('');
  });

  test('the X-Ray wildcard is acknowledged only when telemetry is on', () => {
    const report = (props: Partial<McpFargateServiceProps>) => {
      const app = newApp({ context: repoContext() });
      const stack = new Stack(app, 'Observed', { env: { region: REGION } });
      const mcp = new McpFargateService(stack, 'Mcp', baseProps(stack, props));
      return mcp.taskDefinition.taskRole.node.metadata.filter((m) =>
        JSON.stringify(m.data).includes('AwsSolutions-IAM5'),
      );
    };
    expect(report({ telemetry: true })).toHaveLength(1);
    expect(report({})).toHaveLength(0);
  });
});

test('docs/observability-infra.md lists every threshold the code uses', () => {
  const doc = fs.readFileSync(path.join(REPO_ROOT, 'docs/observability-infra.md'), 'utf8');
  for (const [name, a] of Object.entries(ALARM_THRESHOLDS)) {
    if (typeof a === 'number') continue;
    const row = doc.split('\n').find((l) => l.includes(`\`${name}\``));
    expect(row).toBeDefined();
    expect(row).toContain(`| ${a.threshold} |`);
    expect(row).toContain(`${a.evaluationPeriods} × ${a.periodSeconds} s`);
  }
});

test('app context: -c alarmEmail, -c alarmTopicArn, -c telemetry and -c dashboard reach the construct', () => {
  const ctx: Record<string, string> = {
    certificateArn: CERT_ARN,
    oauthIssuer: ISSUER,
    image: 'public.ecr.aws/x/y:1',
    alarmEmail: 'ops@example.com',
    alarmTopicArn: `arn:aws:sns:${REGION}:123456789012:pager`,
    telemetry: 'true',
    dashboard: 'false',
  };
  const props = servicePropsFromContext(readAppContext((k: ContextKey) => ctx[k], REGION))(newStack());
  expect(props).toMatchObject({ telemetry: true, dashboard: false, alarms: { email: 'ops@example.com' } });
  expect(props.alarms!.topic!.topicArn).toBe(ctx.alarmTopicArn);
  const minimal: Record<string, string> = { certificateArn: CERT_ARN, oauthIssuer: ISSUER };
  const none = servicePropsFromContext(readAppContext((k: ContextKey) => minimal[k], REGION))(newStack());
  expect(none.alarms).toBeUndefined();
  expect(none.telemetry).toBeUndefined();
});
