/**
 * McpFargateService (Pulumi) observability under mocks: dashboard, alarms with the shared thresholds, the ADOT
 * collector sidecar and the task role's policy.
 */
import {
  ADOT_COLLECTOR_IMAGE,
  ALARM_THRESHOLDS,
  MCP_METRICS,
  MCP_METRICS_NAMESPACE,
} from '../../../infra/shared/observability';
import { AWS_ACCOUNT, AWS_REGION, configErrorOf, settle, mockCloudPerTest, valueOf } from './mocks';

let awsApi: typeof import('../../../infra/pulumi/aws');
const cloud = mockCloudPerTest(async () => {
  awsApi = await import('../../../infra/pulumi/aws');
});

const T = {
  alarm: 'aws:cloudwatch/metricAlarm:MetricAlarm',
  dashboard: 'aws:cloudwatch/dashboard:Dashboard',
  topic: 'aws:sns/topic:Topic',
  topicPolicy: 'aws:sns/topicPolicy:TopicPolicy',
  subscription: 'aws:sns/topicSubscription:TopicSubscription',
  task: 'aws:ecs/taskDefinition:TaskDefinition',
  rolePolicy: 'aws:iam/rolePolicy:RolePolicy',
  logGroup: 'aws:cloudwatch/logGroup:LogGroup',
} as const;

type Args = import('../../../infra/pulumi/aws').McpFargateServiceArgs;

function baseArgs(): Args {
  return {
    image: `${AWS_ACCOUNT}.dkr.ecr.${AWS_REGION}.amazonaws.com/remote-mcp:1.0.0`,
    vpcId: 'vpc-123',
    publicSubnetIds: ['subnet-pub-a', 'subnet-pub-b'],
    privateSubnetIds: ['subnet-priv-a', 'subnet-priv-b'],
    certificateArn: `arn:aws:acm:${AWS_REGION}:${AWS_ACCOUNT}:certificate/0b1c2d3e`,
    domainName: 'mcp.example.com',
    server: { oauthIssuer: 'https://auth.example.com' },
    secrets: { oauthClientSecret: 'client-secret-Xp92kd' },
  };
}

async function deploy(overrides: Partial<Args> = {}) {
  const svc = new awsApi.McpFargateService('remote-mcp', { ...baseArgs(), ...overrides });
  await valueOf(svc.serviceName);
  await settle();
  const containers = JSON.parse(cloud.one(T.task).inputs.containerDefinitions) as Record<string, any>[];
  return { svc, containers };
}

const alarmByDescription = (why: string) => {
  const found = cloud.ofType(T.alarm).filter((a) => a.inputs.alarmDescription === `MCP server: ${why}`);
  expect(found).toHaveLength(1);
  return found[0]!.inputs;
};
const envOf = (c: Record<string, any>) =>
  Object.fromEntries((c.environment as { name: string; value: string }[]).map((e) => [e.name, e.value]));

describe('defaults', () => {
  test('a dashboard; no alarm, topic, collector, OTEL_* variable or task-role policy', async () => {
    const { containers } = await deploy();
    expect(cloud.ofType(T.dashboard)).toHaveLength(1);
    expect(cloud.ofType(T.alarm)).toHaveLength(0);
    expect(cloud.ofType(T.topic)).toHaveLength(0);
    expect(containers).toHaveLength(1);
    expect(Object.keys(envOf(containers[0]!)).filter((k) => k.startsWith('OTEL_'))).toEqual([]);
    expect(cloud.ofType(T.rolePolicy).map((r) => r.name)).toEqual(['remote-mcp-execution']);
    expect(cloud.ofType(T.logGroup)).toHaveLength(1);
  });

  test('dashboard: false creates none', async () => {
    await deploy({ dashboard: false });
    expect(cloud.ofType(T.dashboard)).toHaveLength(0);
  });

  test('the dashboard shows requests, 4xx/5xx, p50/p99, hosts, connections, CPU/memory and the MCP metrics of this load balancer', async () => {
    await deploy();
    const body = JSON.parse(cloud.one(T.dashboard).inputs.dashboardBody);
    const text = JSON.stringify(body);
    for (const m of [
      'RequestCount',
      'HTTPCode_Target_4XX_Count',
      'HTTPCode_Target_5XX_Count',
      'HTTPCode_ELB_5XX_Count',
      'TargetResponseTime',
      'HealthyHostCount',
      'ActiveConnectionCount',
      'CPUUtilization',
      'MemoryUtilization',
    ]) {
      expect(text).toContain(`"${m}"`);
    }
    expect(text).toContain('"stat":"p50"');
    expect(text).toContain('"stat":"p99"');
    expect(text).toContain(`MetricName=\\"${MCP_METRICS.operationDuration}\\"`);
    expect(text).toContain(`{${MCP_METRICS_NAMESPACE}}`);
    expect(text).toMatch(/app\/remote-mcp-alb-1a2b3c4\/50dc6c495c0c9188/);
    expect(body.widgets.every((w: any) => w.properties.region === AWS_REGION)).toBe(true);
  });
});

describe('alarms', () => {
  test('an e-mail: a TLS-only topic, the subscription, and four alarms with the shared thresholds and both actions', async () => {
    await deploy({ alarms: { email: 'ops@example.com' } });
    const topic = cloud.one(T.topic);
    expect(cloud.one(T.subscription).inputs).toMatchObject({ protocol: 'email', endpoint: 'ops@example.com' });
    expect(JSON.parse(cloud.one(T.topicPolicy).inputs.policy).Statement[0]).toMatchObject({
      Effect: 'Deny',
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    });
    const alarms = cloud.ofType(T.alarm);
    expect(alarms).toHaveLength(4);
    const topicArn = `arn:aws:sns:${AWS_REGION}:${AWS_ACCOUNT}:sns/${topic.name}-1a2b3c4`;
    for (const a of alarms) {
      expect(a.inputs.alarmActions).toEqual([topicArn]);
      expect(a.inputs.okActions).toEqual([topicArn]);
    }
    const t = ALARM_THRESHOLDS;
    expect(alarmByDescription(t.noHealthyHost.why)).toMatchObject({
      metricName: 'HealthyHostCount',
      statistic: 'Minimum',
      threshold: 1,
      period: 60,
      evaluationPeriods: 2,
      comparisonOperator: 'LessThanThreshold',
      treatMissingData: 'breaching',
    });
    const errors = alarmByDescription(t.errorRatePercent.why);
    expect(errors).toMatchObject({ threshold: 5, evaluationPeriods: 5, comparisonOperator: 'GreaterThanThreshold' });
    expect(errors.metricQueries[0].expression).toBe(
      'IF(requests >= 20, 100 * (FILL(target5xx, 0) + FILL(lb5xx, 0)) / requests, 0)',
    );
    expect(alarmByDescription(t.p99LatencySeconds.why)).toMatchObject({
      metricName: 'TargetResponseTime',
      extendedStatistic: 'p99',
      threshold: 10,
      period: 300,
      evaluationPeriods: 3,
    });
    const tasks = alarmByDescription(t.tasksBelowDesired.why);
    expect(tasks).toMatchObject({
      threshold: 1,
      evaluationPeriods: 5,
      comparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    expect(tasks.metricQueries.slice(1).map((q: any) => q.metric.metricName)).toEqual([
      'DesiredTaskCount',
      'RunningTaskCount',
    ]);
  });

  test('a given topic: no topic is created, the alarms go there', async () => {
    const pager = `arn:aws:sns:${AWS_REGION}:${AWS_ACCOUNT}:pager`;
    await deploy({ alarms: { topicArn: pager } });
    expect(cloud.ofType(T.topic)).toHaveLength(0);
    expect(cloud.ofType(T.alarm).map((a) => a.inputs.alarmActions)).toEqual(Array(4).fill([pager]));
  });

  test('alarms without a destination, or with a malformed address, stop before any resource', async () => {
    const err = (alarms: Args['alarms']) =>
      configErrorOf(cloud, () => new awsApi.McpFargateService('remote-mcp', { ...baseArgs(), alarms }));
    expect((await err({})).message).toMatch(/alarms needs `topicArn` \(an SNS topic\) or `email`/);
    expect((await err({ email: 'not an address' })).message).toMatch(/alarms\.email must be one e-mail address/);
  });
});

describe('telemetry', () => {
  test('the ADOT sidecar next to the server, non-essential and bounded, logging to the service log group', async () => {
    const { containers } = await deploy({ telemetry: true });
    expect(containers).toHaveLength(2);
    const collector = containers[1]!;
    expect(collector).toMatchObject({
      name: 'otel-collector',
      image: ADOT_COLLECTOR_IMAGE,
      essential: false,
      cpu: 128,
      memory: 256,
      memoryReservation: 64,
      user: '10001',
      readonlyRootFilesystem: true,
    });
    expect(collector.logConfiguration.options).toMatchObject({
      'awslogs-group': containers[0]!.logConfiguration.options['awslogs-group'],
      'awslogs-stream-prefix': 'otel',
    });
    const config = envOf(collector).AOT_CONFIG_CONTENT!;
    expect(config).toContain('endpoint: 127.0.0.1:4318');
    expect(config).toContain('awsxray:');
    expect(config).toContain(`namespace: ${MCP_METRICS_NAMESPACE}`);
    expect(config).toContain('log_group_name: remote-mcp-metrics-1a2b3c4');
    expect(envOf(containers[0]!)).toMatchObject({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://localhost:4318',
      OTEL_SERVICE_NAME: 'remote-mcp',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
    });
  });

  test('the task role gets X-Ray on "*" (no resource-level permissions) and the metrics log group only', async () => {
    await deploy({ telemetry: true });
    const policy = JSON.parse(cloud.named(T.rolePolicy, 'remote-mcp-telemetry').inputs.policy);
    expect(cloud.named(T.rolePolicy, 'remote-mcp-telemetry').inputs.role).toBe('remote-mcp-task-id');
    const wildcard = policy.Statement.filter((s: any) => JSON.stringify(s.Resource).includes('"*"'));
    expect(wildcard).toEqual([
      {
        Sid: 'WriteTraces',
        Effect: 'Allow',
        Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
        Resource: '*',
      },
    ]);
    const logs = `arn:aws:logs:${AWS_REGION}:${AWS_ACCOUNT}:log-group:remote-mcp-metrics-1a2b3c4`;
    expect(policy.Statement.find((s: any) => s.Sid === 'WriteMetrics').Resource).toEqual([
      logs,
      `${logs}:log-stream:*`,
    ]);
    expect(JSON.stringify(policy)).not.toContain('cloudwatch:');
    expect(cloud.named(T.logGroup, 'remote-mcp-metrics').inputs.retentionInDays).toBe(365);
  });
});
