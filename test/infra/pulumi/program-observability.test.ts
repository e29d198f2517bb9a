/** The program's `telemetry` and `alertEmail` keys reach both components. */
import { PROGRAM_BASE, AWS_ACCOUNT, GCP_PROJECT, setConfig, settle, mockCloudPerTest, valueOf } from './mocks';

let program: typeof import('../../../infra/pulumi/program');
const cloud = mockCloudPerTest(
  async () => {
    program = await import('../../../infra/pulumi/program');
  },
  { resetConfig: true },
);

const ISSUER = 'https://auth.example.com';
const GCP = { ...PROGRAM_BASE.gcp, oauthIssuer: ISSUER };
const AWS = {
  ...PROGRAM_BASE.aws,
  oauthIssuer: ISSUER,
};

async function run(config: Record<string, string>) {
  setConfig(config);
  const outputs = program.runProgram();
  if (outputs.mcpUrl) await valueOf(outputs.mcpUrl);
  await settle();
}

test('aws: telemetry adds the collector; alertEmail the alarms with an e-mail subscription; neither by default', async () => {
  await run(AWS);
  expect(cloud.ofType('aws:cloudwatch/metricAlarm:MetricAlarm')).toHaveLength(0);
  expect(JSON.parse(cloud.one('aws:ecs/taskDefinition:TaskDefinition').inputs.containerDefinitions)).toHaveLength(1);
  cloud.reset();
  await run({ ...AWS, telemetry: 'true', alertEmail: 'ops@example.com' });
  expect(cloud.ofType('aws:cloudwatch/metricAlarm:MetricAlarm')).toHaveLength(4);
  expect(cloud.one('aws:sns/topicSubscription:TopicSubscription').inputs.endpoint).toBe('ops@example.com');
  expect(
    JSON.parse(cloud.one('aws:ecs/taskDefinition:TaskDefinition').inputs.containerDefinitions).map((c: any) => c.name),
  ).toEqual(['mcp', 'otel-collector']);
});

test('gcp: telemetry adds the sidecar; alertEmail the alert policies and an e-mail channel', async () => {
  await run({ ...GCP, telemetry: 'true', alertEmail: 'ops@example.com' });
  expect(cloud.one('gcp:cloudrunv2/service:Service').inputs.template.containers.map((c: any) => c.name)).toEqual([
    'mcp',
    'otel-collector',
  ]);
  expect(cloud.ofType('gcp:monitoring/alertPolicy:AlertPolicy').length).toBeGreaterThanOrEqual(3);
  expect(cloud.one('gcp:monitoring/notificationChannel:NotificationChannel').inputs.labels).toEqual({
    email_address: 'ops@example.com',
  });
});
