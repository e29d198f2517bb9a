/**
 * McpCloudRunService observability under mocks: alert policies with the shared thresholds, the /healthz uptime
 * check, notification channels, and the OpenTelemetry collector sidecar with its two roles.
 */
import { ALARM_THRESHOLDS, GOOGLE_COLLECTOR_IMAGE, GOOGLE_TELEMETRY_ROLES } from '../../../infra/shared/observability';
import { GCP_PROJECT, GCP_PROJECT_NUMBER, configErrorOf, settle, mockCloudPerTest, valueOf } from './mocks';

let gcpApi: typeof import('../../../infra/pulumi/gcp');
const cloud = mockCloudPerTest(async () => {
  gcpApi = await import('../../../infra/pulumi/gcp');
});

const T = {
  service: 'gcp:cloudrunv2/service:Service',
  policy: 'gcp:monitoring/alertPolicy:AlertPolicy',
  uptime: 'gcp:monitoring/uptimeCheckConfig:UptimeCheckConfig',
  channel: 'gcp:monitoring/notificationChannel:NotificationChannel',
  iam: 'gcp:projects/iAMMember:IAMMember',
  api: 'gcp:projects/service:Service',
} as const;
const REGION = 'europe-west1';
type Args = import('../../../infra/pulumi/gcp').McpCloudRunServiceArgs;

async function deploy(args: Partial<Args> = {}) {
  const svc = new gcpApi.McpCloudRunService('remote-mcp', {
    image: 'img',
    project: GCP_PROJECT,
    region: REGION,
    server: { oauthIssuer: 'https://auth.example.com' },
    ...args,
  });
  await valueOf(svc.serviceUrl);
  await settle();
  return { svc, template: cloud.one(T.service).inputs.template };
}
const policyByKey = (key: string) => cloud.named(T.policy, `remote-mcp-${key}`).inputs;

test('defaults: no alert policy, uptime check, channel, role, sidecar or monitoring API', async () => {
  const { template } = await deploy();
  for (const type of [T.policy, T.uptime, T.channel, T.iam]) expect(cloud.ofType(type)).toHaveLength(0);
  expect(template.containers).toHaveLength(1);
  expect(cloud.ofType(T.api).map((a) => a.inputs.service)).not.toContain('monitoring.googleapis.com');
});

describe('alerts', () => {
  test('an e-mail: one channel; 5xx ratio, p99 latency, instances at max and uptime policies with the shared thresholds', async () => {
    await deploy({
      alerts: { email: 'ops@example.com', notificationChannels: ['projects/demo-project/notificationChannels/42'] },
      maxInstances: 7,
    });
    const channel = cloud.one(T.channel);
    expect(channel.inputs).toMatchObject({ type: 'email', labels: { email_address: 'ops@example.com' } });
    expect(cloud.ofType(T.policy)).toHaveLength(4);
    for (const p of cloud.ofType(T.policy))
      expect(p.inputs.notificationChannels).toEqual([
        'projects/demo-project/notificationChannels/42',
        'remote-mcp-alerts-email-id',
      ]);
    const t = ALARM_THRESHOLDS;

    const errors = policyByKey('error-rate').conditions[0].conditionThreshold;
    expect(errors.filter).toContain('metric.labels.response_code_class="5xx"');
    expect(errors.filter).toContain('resource.labels.service_name="remote-mcp"');
    expect(errors.denominatorFilter).not.toContain('5xx');
    expect(errors).toMatchObject({
      comparison: 'COMPARISON_GT',
      thresholdValue: t.errorRatePercent.threshold / 100,
      duration: '300s',
    });

    const latency = policyByKey('p99-latency').conditions[0].conditionThreshold;
    expect(latency).toMatchObject({ thresholdValue: 10000, duration: '900s' });
    expect(latency.aggregations[0]).toMatchObject({ perSeriesAligner: 'ALIGN_PERCENTILE_99', alignmentPeriod: '300s' });

    const instances = policyByKey('instances-at-max').conditions[0].conditionThreshold;
    expect(instances.filter).toContain('run.googleapis.com/container/instance_count');
    expect(instances).toMatchObject({ comparison: 'COMPARISON_GT', thresholdValue: 6.5, duration: '600s' });

    expect(policyByKey('error-rate').documentation.content).toBe(`MCP server: ${t.errorRatePercent.why}`);
  });

  test('the uptime check probes /healthz over TLS on the run.app host, and its policy watches that check', async () => {
    await deploy({ alerts: {} });
    const uptime = cloud.one(T.uptime).inputs;
    expect(uptime.httpCheck).toMatchObject({ path: '/healthz', port: 443, useSsl: true, validateSsl: true });
    expect(uptime.monitoredResource).toEqual({
      type: 'uptime_url',
      labels: { project_id: GCP_PROJECT, host: `remote-mcp-${GCP_PROJECT_NUMBER}.${REGION}.run.app` },
    });
    const cond = policyByKey('uptime').conditions[0].conditionThreshold;
    expect(cond.filter).toContain('monitoring.googleapis.com/uptime_check/check_passed');
    expect(cond).toMatchObject({ comparison: 'COMPARISON_GT', thresholdValue: 1 });
    expect(cloud.ofType(T.channel)).toHaveLength(0);
    expect(cloud.ofType(T.api).map((a) => a.inputs.service)).toContain('monitoring.googleapis.com');
  });

  test('without public access there is no uptime check (the checkers would get 403)', async () => {
    await deploy({ alerts: {}, publicAccess: 'none' });
    expect(cloud.ofType(T.uptime)).toHaveLength(0);
    expect(cloud.ofType(T.policy)).toHaveLength(3);
  });

  test('a malformed e-mail stops before any resource', async () => {
    const err = await configErrorOf(
      cloud,
      () =>
        new gcpApi.McpCloudRunService('remote-mcp', {
          image: 'img',
          project: GCP_PROJECT,
          region: REGION,
          server: { oauthIssuer: 'https://auth.example.com' },
          alerts: { email: 'ops' },
        }),
    );
    expect(err.message).toMatch(/alerts\.email must be one e-mail address/);
  });
});

describe('telemetry', () => {
  test('the collector sidecar with its config from a variable; the server points OTLP at it', async () => {
    const { template } = await deploy({ telemetry: true });
    expect(template.containers).toHaveLength(2);
    const [server, collector] = template.containers;
    expect(collector).toMatchObject({
      name: 'otel-collector',
      image: GOOGLE_COLLECTOR_IMAGE,
      args: ['--config=env:OTELCOL_CONFIG'],
    });
    expect(collector.ports).toBeUndefined();
    expect(collector.resources).toMatchObject({ limits: { cpu: '1', memory: '512Mi' }, cpuIdle: false });
    const config = collector.envs[0].value as string;
    expect(config).toContain('endpoint: 127.0.0.1:4318');
    expect(config).toContain('googlecloud:');
    expect(config).toContain(`project: ${GCP_PROJECT}`);
    const env = Object.fromEntries(
      server.envs.filter((e: any) => e.value !== undefined).map((e: any) => [e.name, e.value]),
    );
    expect(env).toMatchObject({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://localhost:4318',
      OTEL_SERVICE_NAME: 'remote-mcp',
    });
  });

  test('the service account gets exactly roles/cloudtrace.agent and roles/monitoring.metricWriter; the APIs are enabled', async () => {
    await deploy({ telemetry: true });
    const grants = cloud.ofType(T.iam).map((r) => [r.inputs.role, r.inputs.member, r.inputs.project]);
    const sa = `serviceAccount:remote-mcp-run@${GCP_PROJECT}.iam.gserviceaccount.com`;
    expect(grants.sort()).toEqual(GOOGLE_TELEMETRY_ROLES.map((role) => [role, sa, GCP_PROJECT]).sort());
    expect(cloud.ofType(T.api).map((a) => a.inputs.service)).toEqual(
      expect.arrayContaining(['cloudtrace.googleapis.com', 'monitoring.googleapis.com']),
    );
  });
});
