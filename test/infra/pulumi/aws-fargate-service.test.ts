/**
 * McpFargateService under Pulumi mocks: what the component asks AWS for.
 */
import * as pulumi from '@pulumi/pulumi';
import {
  CONTAINER_PORT,
  DEFAULTS,
  ENV,
  PATHS,
  SECRET_ENV,
  redisUrl,
  requestStateKeysProblem,
  serverEnvironment,
  stopTimeoutSeconds,
} from '../../../server/config/contract';
import { clientConfigFor } from '../../../infra/shared/client-config';
import { FARGATE_LIMITS } from '../../../infra/pulumi/aws/fargate-service';
import {
  AWS_ACCOUNT,
  AWS_REGION,
  configErrorOf,
  isSecretValue,
  parentTracker,
  plainStrings,
  setConfig,
  settle,
  mockCloudPerTest,
  valueOf,
  warningsDuring,
} from './mocks';

let awsApi: typeof import('../../../infra/pulumi/aws');
const cloud = mockCloudPerTest(async () => {
  awsApi = await import('../../../infra/pulumi/aws');
});

const T = {
  lb: 'aws:lb/loadBalancer:LoadBalancer',
  tg: 'aws:lb/targetGroup:TargetGroup',
  listener: 'aws:lb/listener:Listener',
  sg: 'aws:ec2/securityGroup:SecurityGroup',
  ingress: 'aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule',
  egress: 'aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule',
  task: 'aws:ecs/taskDefinition:TaskDefinition',
  service: 'aws:ecs/service:Service',
  cluster: 'aws:ecs/cluster:Cluster',
  role: 'aws:iam/role:Role',
  rolePolicy: 'aws:iam/rolePolicy:RolePolicy',
  secret: 'aws:secretsmanager/secret:Secret',
  secretVersion: 'aws:secretsmanager/secretVersion:SecretVersion',
  logGroup: 'aws:cloudwatch/logGroup:LogGroup',
  scalingTarget: 'aws:appautoscaling/target:Target',
  scalingPolicy: 'aws:appautoscaling/policy:Policy',
  record: 'aws:route53/record:Record',
  waf: 'aws:wafv2/webAclAssociation:WebAclAssociation',
} as const;

const ISSUER = 'https://auth.example.com';
const CLIENT_SECRET = 'client-secret-Xp92kd';
/** The secret the component generates MCP_REQUEST_STATE_KEYS into (its mock ARN), and how the container gets it. */
const KEYS_ARN = `arn:aws:secretsmanager:${AWS_REGION}:${AWS_ACCOUNT}:secretsmanager/remote-mcp-request-state-keys-1a2b3c4`;
const KEYS_ENTRY = { name: ENV.requestStateKeys, valueFrom: KEYS_ARN };
/** The secrets other than the generated request-state keys. */
const userSecrets = () => cloud.ofType(T.secret).filter((r) => !r.name.endsWith('-request-state-keys'));
/** Bearer tokens the server accepts (at least 16 characters). */
const TOKEN_1 = 'token-one-aaaaaaaaaaaa';
const TOKEN_2 = 'token-two-bbbbbbbbbbbb';
const IMAGE = `${AWS_ACCOUNT}.dkr.ecr.${AWS_REGION}.amazonaws.com/remote-mcp:1.0.0`;
const CERT = `arn:aws:acm:${AWS_REGION}:${AWS_ACCOUNT}:certificate/0b1c2d3e`;
const PUBLIC = ['subnet-pub-a', 'subnet-pub-b'];
const PRIVATE = ['subnet-priv-a', 'subnet-priv-b'];

type Args = import('../../../infra/pulumi/aws').McpFargateServiceArgs;

function baseArgs(): Args {
  return {
    image: IMAGE,
    vpcId: 'vpc-123',
    publicSubnetIds: PUBLIC,
    privateSubnetIds: PRIVATE,
    certificateArn: CERT,
    domainName: 'mcp.example.com',
    serverSettings: { oauthIssuer: ISSUER },
    secrets: { oauthClientSecret: CLIENT_SECRET },
  };
}

async function deploy(overrides: Partial<Args> = {}, name = 'remote-mcp') {
  const tracker = parentTracker();
  const svc = new awsApi.McpFargateService(name, { ...baseArgs(), ...overrides }, tracker.opts);
  await valueOf(svc.serviceName);
  await settle();
  const task = cloud.one(T.task);
  const containers = JSON.parse(task.inputs.containerDefinitions);
  return { svc, tracker, task, container: containers[0], containers };
}

function configError(overrides: Partial<Args>, name = 'remote-mcp'): Promise<Error> {
  return configErrorOf(cloud, () => new awsApi.McpFargateService(name, { ...baseArgs(), ...overrides }));
}

const sgId = (nameEnd: string) => `sg-remote-mcp-${nameEnd}`;

describe('load balancer', () => {
  test('internet-facing ALB in the public subnets, idle timeout 3600 s, invalid headers dropped', async () => {
    await deploy();
    const lb = cloud.one(T.lb);
    expect(lb.inputs).toMatchObject({
      loadBalancerType: 'application',
      internal: false,
      idleTimeout: 3600,
      dropInvalidHeaderFields: true,
      enableDeletionProtection: false,
      subnets: PUBLIC,
      securityGroups: [sgId('alb')],
    });
    expect(lb.inputs.accessLogs).toBeUndefined();
  });

  test('HTTPS on 443 with a TLS 1.3 policy and the certificate; HTTP on 80 only redirects', async () => {
    await deploy();
    const https = cloud.named(T.listener, 'remote-mcp-https');
    expect(https.inputs).toMatchObject({
      port: 443,
      protocol: 'HTTPS',
      certificateArn: CERT,
      sslPolicy: 'ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09',
    });
    expect(https.inputs.sslPolicy).toMatch(/^ELBSecurityPolicy-TLS13-/);
    expect(https.inputs.defaultActions).toEqual([
      { type: 'forward', targetGroupArn: expect.stringContaining('remote-mcp-tg') },
    ]);
    expect(cloud.ofType(T.listener)).toHaveLength(2);
    const http = cloud.named(T.listener, 'remote-mcp-http');
    expect(http.inputs).toMatchObject({ port: 80, protocol: 'HTTP' });
    expect(http.inputs.defaultActions).toEqual([
      { type: 'redirect', redirect: { protocol: 'HTTPS', port: '443', statusCode: 'HTTP_301' } },
    ]);
  });

  test('target group: IP targets on the container port, /readyz health check, deregistration delay = drain', async () => {
    await deploy();
    const tg = cloud.one(T.tg);
    expect(tg.inputs).toMatchObject({
      targetType: 'ip',
      protocol: 'HTTP',
      port: CONTAINER_PORT,
      vpcId: 'vpc-123',
      deregistrationDelay: DEFAULTS.drainSeconds,
      loadBalancingAlgorithmType: 'least_outstanding_requests',
    });
    expect(tg.inputs.healthCheck).toEqual({
      enabled: true,
      path: PATHS.readyz,
      port: 'traffic-port',
      protocol: 'HTTP',
      matcher: '200',
      interval: 10,
      timeout: 5,
      healthyThreshold: 2,
      unhealthyThreshold: 2,
    });
    expect(tg.inputs.stickiness).toBeUndefined();
  });

  test('deregistration delay follows drainSeconds', async () => {
    await deploy({ serverSettings: { oauthIssuer: ISSUER, drainSeconds: 45 } });
    expect(cloud.one(T.tg).inputs.deregistrationDelay).toBe(45);
  });

  test('idle timeout, TLS policy, deletion protection, access logs and WAF are settable', async () => {
    await deploy({
      idleTimeoutSeconds: 600,
      sslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06',
      deletionProtection: true,
      accessLogsBucket: 'my-logs',
      webAclArn: 'arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/x/1',
    });
    expect(cloud.one(T.lb).inputs).toMatchObject({
      idleTimeout: 600,
      enableDeletionProtection: true,
      accessLogs: { bucket: 'my-logs', prefix: 'alb', enabled: true },
    });
    expect(cloud.named(T.listener, 'remote-mcp-https').inputs.sslPolicy).toBe('ELBSecurityPolicy-TLS13-1-2-2021-06');
    expect(cloud.one(T.waf).inputs.webAclArn).toBe('arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/x/1');
  });
});

describe('network isolation', () => {
  test('tasks are reachable only from the load balancer security group, on the container port', async () => {
    await deploy();
    const taskIngress = cloud.ofType(T.ingress).filter((r) => r.inputs.securityGroupId === sgId('tasks'));
    expect(taskIngress).toHaveLength(1);
    expect(taskIngress[0]!.inputs).toMatchObject({
      referencedSecurityGroupId: sgId('alb'),
      ipProtocol: 'tcp',
      fromPort: CONTAINER_PORT,
      toPort: CONTAINER_PORT,
    });
    expect(taskIngress[0]!.inputs.cidrIpv4).toBeUndefined();
    expect(taskIngress[0]!.inputs.cidrIpv6).toBeUndefined();
  });

  test('the load balancer takes 443 and 80 from clients and talks only to the tasks', async () => {
    await deploy();
    const albIngress = cloud.ofType(T.ingress).filter((r) => r.inputs.securityGroupId === sgId('alb'));
    expect(albIngress.map((r) => [r.inputs.fromPort, r.inputs.toPort, r.inputs.cidrIpv4]).sort()).toEqual([
      [443, 443, '0.0.0.0/0'],
      [80, 80, '0.0.0.0/0'],
    ]);
    const albEgress = cloud.ofType(T.egress).filter((r) => r.inputs.securityGroupId === sgId('alb'));
    expect(albEgress).toHaveLength(1);
    expect(albEgress[0]!.inputs).toMatchObject({
      referencedSecurityGroupId: sgId('tasks'),
      fromPort: CONTAINER_PORT,
      toPort: CONTAINER_PORT,
    });
    const taskEgress = cloud.ofType(T.egress).filter((r) => r.inputs.securityGroupId === sgId('tasks'));
    expect(taskEgress.map((r) => [r.inputs.cidrIpv4, r.inputs.fromPort, r.inputs.toPort])).toEqual([
      ['0.0.0.0/0', 443, 443],
    ]);
    // no inline rules (which would fight the rule resources)
    for (const sg of cloud.ofType(T.sg)) {
      expect(sg.inputs.ingress).toBeUndefined();
      expect(sg.inputs.egress).toBeUndefined();
      expect(sg.inputs.vpcId).toBe('vpc-123');
    }
  });

  test('client CIDRs can be narrowed', async () => {
    await deploy({ ingressCidrs: ['203.0.113.0/24'] });
    const albIngress = cloud.ofType(T.ingress).filter((r) => r.inputs.securityGroupId === sgId('alb'));
    expect(new Set(albIngress.map((r) => r.inputs.cidrIpv4))).toEqual(new Set(['203.0.113.0/24']));
  });
});

describe('task definition', () => {
  test('Fargate, awsvpc, size, architecture, roles', async () => {
    const { task } = await deploy();
    expect(task.inputs).toMatchObject({
      family: 'remote-mcp',
      requiresCompatibilities: ['FARGATE'],
      networkMode: 'awsvpc',
      cpu: '512',
      memory: '1024',
      runtimePlatform: { operatingSystemFamily: 'LINUX', cpuArchitecture: 'X86_64' },
    });
    expect(task.inputs.executionRoleArn).toContain('remote-mcp-execution');
    expect(task.inputs.taskRoleArn).toContain('remote-mcp-task');
  });

  test('container: port, stopTimeout = stopTimeoutSeconds(drain), non-root, read-only root filesystem', async () => {
    const { container, containers } = await deploy();
    expect(containers).toHaveLength(1);
    expect(container).toMatchObject({
      name: 'mcp',
      image: IMAGE,
      essential: true,
      portMappings: [{ containerPort: CONTAINER_PORT, protocol: 'tcp', name: 'http' }],
      stopTimeout: stopTimeoutSeconds(DEFAULTS.drainSeconds),
      user: '1000:1000',
      readonlyRootFilesystem: true,
      privileged: false,
    });
    expect(container.stopTimeout).toBe(25);
    expect(container.healthCheck).toBeUndefined();
  });

  test("environment is exactly the contract's serverEnvironment (publicUrl on the domain, drain 20 s)", async () => {
    const { container } = await deploy();
    const expected = serverEnvironment({
      authMode: 'oauth',
      oauthIssuer: ISSUER,
      drainSeconds: DEFAULTS.drainSeconds,
      publicUrl: 'https://mcp.example.com/mcp',
    });
    expect(
      Object.fromEntries(container.environment.map((e: { name: string; value: string }) => [e.name, e.value])),
    ).toEqual(expected);
    expect(container.environment.find((e: { name: string }) => e.name === ENV.port).value).toBe(String(CONTAINER_PORT));
  });

  test('secrets come from Secrets Manager as <arn>:FIELD:: and never as environment', async () => {
    const { container, svc } = await deploy({
      secrets: { oauthClientSecret: CLIENT_SECRET, bearerTokens: [TOKEN_1, TOKEN_2] },
      serverSettings: { oauthIssuer: ISSUER },
    });
    const secretArn = await valueOf(svc.secret!.arn);
    expect(container.secrets).toEqual([
      { name: ENV.oauthClientSecret, valueFrom: `${secretArn}:${ENV.oauthClientSecret}::` },
      { name: ENV.bearerTokens, valueFrom: `${secretArn}:${ENV.bearerTokens}::` },
      KEYS_ENTRY,
    ]);
    const envNames = container.environment.map((e: { name: string }) => e.name);
    for (const name of SECRET_ENV) expect(envNames).not.toContain(name);
  });

  test('the secret string is a Pulumi secret and its text appears nowhere else', async () => {
    const { task } = await deploy({
      secrets: { oauthClientSecret: CLIENT_SECRET, bearerTokens: `${TOKEN_1},${TOKEN_2}` },
    });
    const version = cloud.one(T.secretVersion, '-secret');
    expect(isSecretValue(version.inputs.secretString)).toBe(true);
    expect(JSON.parse(version.inputs.secretString.value)).toEqual({
      [ENV.oauthClientSecret]: CLIENT_SECRET,
      [ENV.bearerTokens]: `${TOKEN_1},${TOKEN_2}`,
    });
    // the task definition is plain (a leaked secret would have made it secret) and does not contain the text
    expect(typeof task.inputs.containerDefinitions).toBe('string');
    const plain = cloud.resources.flatMap((r) => plainStrings(r.inputs));
    for (const text of [CLIENT_SECRET, TOKEN_1]) expect(plain.filter((s) => s.includes(text))).toEqual([]);
  });

  test('logs: awslogs to the created log group (one year), non-blocking', async () => {
    const { container } = await deploy();
    const logGroup = cloud.one(T.logGroup);
    expect(logGroup.inputs.retentionInDays).toBe(365);
    expect(logGroup.inputs.kmsKeyId).toBeUndefined();
    expect(container.logConfiguration).toEqual({
      logDriver: 'awslogs',
      options: {
        'awslogs-group': 'remote-mcp-logs-1a2b3c4',
        'awslogs-region': AWS_REGION,
        'awslogs-stream-prefix': 'mcp',
        mode: 'non-blocking',
        'max-buffer-size': '25m',
      },
    });
  });

  test('size, architecture, user, health check and log retention are settable', async () => {
    const kms = `arn:aws:kms:${AWS_REGION}:${AWS_ACCOUNT}:key/1234`;
    const { task, container } = await deploy({
      cpu: 1024,
      memoryLimitMiB: 2048,
      cpuArchitecture: 'ARM64',
      containerUser: '10001:10001',
      containerHealthCheck: true,
      logRetentionDays: 90,
      logsKmsKeyArn: kms,
    });
    expect(cloud.one(T.logGroup).inputs.kmsKeyId).toBe(kms);
    expect(task.inputs).toMatchObject({ cpu: '1024', memory: '2048', runtimePlatform: { cpuArchitecture: 'ARM64' } });
    expect(container.user).toBe('10001:10001');
    expect(container.healthCheck.command.join(' ')).toContain(`127.0.0.1:${CONTAINER_PORT}${PATHS.healthz}`);
    expect(cloud.one(T.logGroup).inputs.retentionInDays).toBe(90);
  });
});

describe('least privilege', () => {
  function policyOf(roleName: string) {
    const attached = cloud.ofType(T.rolePolicy).filter((p) => p.inputs.role === `${roleName}-id`);
    return attached.map((p) => JSON.parse(p.inputs.policy));
  }

  test('the execution role reads only this secret, writes only this log group, pulls only this repository', async () => {
    const { svc } = await deploy();
    const secretArn = await valueOf(svc.secret!.arn);
    const [policy, ...more] = policyOf('remote-mcp-execution');
    expect(more).toEqual([]);
    const logGroupArn = `arn:aws:logs:${AWS_REGION}:${AWS_ACCOUNT}:log-group:remote-mcp-logs-1a2b3c4`;
    expect(policy.Statement).toEqual([
      { Sid: 'EcrAuth', Effect: 'Allow', Action: ['ecr:GetAuthorizationToken'], Resource: '*' },
      {
        Sid: 'PullImage',
        Effect: 'Allow',
        Action: ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'],
        Resource: `arn:aws:ecr:${AWS_REGION}:${AWS_ACCOUNT}:repository/remote-mcp`,
      },
      {
        Sid: 'WriteLogs',
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: `${logGroupArn}:log-stream:*`,
      },
      {
        Sid: 'ReadSecret',
        Effect: 'Allow',
        Action: ['secretsmanager:GetSecretValue'],
        Resource: [secretArn, KEYS_ARN],
      },
    ]);
  });

  test('the task role has no permissions; no managed policy is attached anywhere', async () => {
    await deploy();
    expect(policyOf('remote-mcp-task')).toEqual([]);
    expect(cloud.ofType('aws:iam/rolePolicyAttachment:RolePolicyAttachment')).toEqual([]);
    for (const role of cloud.ofType(T.role)) {
      expect(JSON.parse(role.inputs.assumeRolePolicy).Statement).toEqual([
        { Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' },
      ]);
      expect(role.inputs.managedPolicyArns).toBeUndefined();
    }
  });

  test('an image from a dual-stack or FIPS ECR endpoint, or given as an output, still gets pull rights on its repository only', async () => {
    for (const image of [
      `${AWS_ACCOUNT}.dkr-ecr.${AWS_REGION}.on.aws/team/mcp:2.0.0`,
      `${AWS_ACCOUNT}.dkr.ecr-fips.${AWS_REGION}.amazonaws.com/team/mcp:2.0.0`,
      pulumi.output(`${AWS_ACCOUNT}.dkr.ecr.${AWS_REGION}.amazonaws.com/team/mcp:2.0.0`),
    ]) {
      cloud.reset();
      await deploy({ image });
      const [policy] = policyOf('remote-mcp-execution');
      const ecrStatements = policy.Statement.filter((s: { Action: string[] }) =>
        s.Action.some((a) => a.startsWith('ecr:')),
      );
      expect(ecrStatements).toEqual([
        { Sid: 'EcrAuth', Effect: 'Allow', Action: ['ecr:GetAuthorizationToken'], Resource: '*' },
        {
          Sid: 'PullImage',
          Effect: 'Allow',
          Action: ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'],
          Resource: `arn:aws:ecr:${AWS_REGION}:${AWS_ACCOUNT}:repository/team/mcp`,
        },
      ]);
    }
  });

  test('an image outside ECR needs no ECR permission; no secret needs no Secrets Manager permission', async () => {
    await deploy({ image: 'ghcr.io/example/remote-mcp:1.0.0', secrets: undefined });
    const [policy] = policyOf('remote-mcp-execution');
    // The generated request-state keys are the only secret read.
    expect(policy.Statement.map((s: { Sid: string }) => s.Sid)).toEqual(['WriteLogs', 'ReadSecret']);
    expect(policy.Statement[1].Resource).toBe(KEYS_ARN);
    expect(userSecrets()).toEqual([]);
    const { container } = { container: JSON.parse(cloud.one(T.task).inputs.containerDefinitions)[0] };
    expect(container.secrets).toEqual([KEYS_ENTRY]);
  });

  test('an existing secret: its fields are injected and only it is readable', async () => {
    const arn = `arn:aws:secretsmanager:${AWS_REGION}:${AWS_ACCOUNT}:secret:mcp-abc123`;
    const { container } = await deploy({ secrets: undefined, secretArn: arn, secretFields: [ENV.oauthClientSecret] });
    expect(userSecrets()).toEqual([]);
    expect(container.secrets).toEqual([
      { name: ENV.oauthClientSecret, valueFrom: `${arn}:${ENV.oauthClientSecret}::` },
      KEYS_ENTRY,
    ]);
    const [policy] = policyOf('remote-mcp-execution');
    expect(policy.Statement.find((s: { Sid: string }) => s.Sid === 'ReadSecret').Resource).toEqual([arn, KEYS_ARN]);
  });

  test('MCP_REQUEST_STATE_KEYS: generated once as a Pulumi secret into its own secret, kept across runs, injected from it', async () => {
    const { container, svc } = await deploy();
    expect(container.secrets).toContainEqual(KEYS_ENTRY);
    expect(container.environment.map((e: { name: string }) => e.name)).not.toContain(ENV.requestStateKeys);
    expect(await valueOf(svc.requestStateKeysSecret!.arn)).toBe(KEYS_ARN);
    const version = cloud.named(T.secretVersion, 'remote-mcp-request-state-keys');
    expect(isSecretValue(version.inputs.secretString)).toBe(true);
    const key = (version.inputs.secretString as { value: string }).value;
    expect(requestStateKeysProblem(key)).toBeUndefined();
    // Never in plain text anywhere else (the task definition names the secret's ARN only).
    for (const r of cloud.resources) expect(plainStrings(r.inputs).join('\n')).not.toContain(key);
  });

  test('MCP_REQUEST_STATE_KEYS given as a secret value: a field of the service secret, checked by the server rule', async () => {
    const keys = `${'n'.repeat(40)},${'o'.repeat(40)}`;
    const { container, svc } = await deploy({ secrets: { oauthClientSecret: CLIENT_SECRET, requestStateKeys: keys } });
    expect(svc.requestStateKeysSecret).toBeUndefined();
    expect(cloud.ofType(T.secret).map((r) => r.name)).toEqual(['remote-mcp-secret']);
    const secretArn = await valueOf(svc.secret!.arn);
    expect(container.secrets).toContainEqual({
      name: ENV.requestStateKeys,
      valueFrom: `${secretArn}:${ENV.requestStateKeys}::`,
    });
    cloud.reset();
    const e = await configError({ secrets: { requestStateKeys: 'short-key' } });
    expect(e.message).toMatch(
      /request-state keys \(MCP_REQUEST_STATE_KEYS\) the server would refuse: entry 1 is 9 bytes/,
    );
    expect(e.message).not.toContain('short-key');
  });

  test('ecrRepositoryArn recognises ECR images only', () => {
    expect(awsApi.ecrRepositoryArn('123456789012.dkr.ecr.us-east-1.amazonaws.com/team/mcp@sha256:abc')).toBe(
      'arn:aws:ecr:us-east-1:123456789012:repository/team/mcp',
    );
    expect(awsApi.ecrRepositoryArn('123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/mcp:1')).toBe(
      'arn:aws-cn:ecr:cn-north-1:123456789012:repository/mcp',
    );
    expect(awsApi.ecrRepositoryArn('public.ecr.aws/x/mcp:1')).toBeUndefined();
    expect(awsApi.ecrRepositoryArn('node:24-slim')).toBeUndefined();
  });
});

describe('service and scaling', () => {
  test('Fargate in the private subnets, no public IP, circuit breaker with rollback, rolling deploys', async () => {
    await deploy();
    const s = cloud.one(T.service);
    expect(s.inputs).toMatchObject({
      launchType: 'FARGATE',
      platformVersion: 'LATEST',
      networkConfiguration: { subnets: PRIVATE, securityGroups: [sgId('tasks')], assignPublicIp: false },
      deploymentCircuitBreaker: { enable: true, rollback: true },
      deploymentMinimumHealthyPercent: 100,
      deploymentMaximumPercent: 200,
      healthCheckGracePeriodSeconds: 60,
      enableExecuteCommand: false,
      desiredCount: 2,
    });
    expect(s.inputs.loadBalancers).toEqual([
      { targetGroupArn: expect.stringContaining('remote-mcp-tg'), containerName: 'mcp', containerPort: CONTAINER_PORT },
    ]);
    expect(s.inputs.cluster).toContain('remote-mcp-cluster');
  });

  test('a new secret value rolls the tasks (ECS reads secrets at task start)', async () => {
    await deploy();
    expect(cloud.one(T.service).inputs).toMatchObject({
      forceNewDeployment: true,
      triggers: { secretVersion: 'version-1' },
    });
  });

  test('autoscaling by default: 2–10 tasks on requests per target and CPU', async () => {
    await deploy();
    const target = cloud.one(T.scalingTarget);
    expect(target.inputs).toMatchObject({
      minCapacity: 2,
      maxCapacity: 10,
      serviceNamespace: 'ecs',
      scalableDimension: 'ecs:service:DesiredCount',
    });
    expect(target.inputs.resourceId).toMatch(/^service\/remote-mcp-cluster-1a2b3c4\/remote-mcp-service-1a2b3c4$/);
    const policies = cloud.ofType(T.scalingPolicy).map((p) => p.inputs.targetTrackingScalingPolicyConfiguration);
    expect(policies).toHaveLength(2);
    const requests = policies.find(
      (p) => p.predefinedMetricSpecification.predefinedMetricType === 'ALBRequestCountPerTarget',
    );
    expect(requests).toMatchObject({ targetValue: 1000, scaleInCooldown: 300, scaleOutCooldown: 60 });
    expect(requests.predefinedMetricSpecification.resourceLabel).toMatch(/^app\/.+\/targetgroup\/.+$/);
    const cpu = policies.find(
      (p) => p.predefinedMetricSpecification.predefinedMetricType === 'ECSServiceAverageCPUUtilization',
    );
    expect(cpu).toMatchObject({ targetValue: 60 });
  });

  test('autoScaling false: a fixed task count', async () => {
    await deploy({ autoScaling: false, desiredCount: 3 });
    expect(cloud.ofType(T.scalingTarget)).toEqual([]);
    expect(cloud.one(T.service).inputs.desiredCount).toBe(3);
  });

  test('cluster with Container Insights, or an existing cluster', async () => {
    await deploy();
    expect(cloud.one(T.cluster).inputs.settings).toEqual([{ name: 'containerInsights', value: 'enabled' }]);
    cloud.reset();
    await deploy({ clusterArn: `arn:aws:ecs:${AWS_REGION}:${AWS_ACCOUNT}:cluster/shared` });
    expect(cloud.ofType(T.cluster)).toEqual([]);
    expect(cloud.one(T.scalingTarget).inputs.resourceId).toMatch(/^service\/shared\//);
  });
});

describe('URL, DNS and outputs', () => {
  test('domainName: MCP URL on the domain, alias record in the hosted zone', async () => {
    const { svc } = await deploy({ hostedZoneId: 'Z123' });
    expect(await valueOf(svc.url)).toBe('https://mcp.example.com/mcp');
    const record = cloud.one(T.record);
    expect(record.inputs).toMatchObject({ zoneId: 'Z123', name: 'mcp.example.com', type: 'A' });
    expect(record.inputs.aliases[0]).toMatchObject({ evaluateTargetHealth: true, zoneId: 'Z32O12XQLNTSW2' });
    expect(record.inputs.aliases[0].name).toMatch(/elb\.amazonaws\.com$/);
  });

  test('without a domain the MCP URL is the load balancer DNS name', async () => {
    let deployed!: Awaited<ReturnType<typeof deploy>>;
    const warnings = await warningsDuring(async () => {
      deployed = await deploy({ domainName: undefined });
    });
    expect(warnings.join('\n')).toMatch(/no domainName: the MCP URL .* is the load balancer's DNS name/);
    const { svc, container } = deployed;
    const url = await valueOf(svc.url);
    expect(url).toMatch(/^https:\/\/remote-mcp-alb-1a2b3c4-42\.eu-west-1\.elb\.amazonaws\.com\/mcp$/);
    expect(container.environment.find((e: { name: string }) => e.name === ENV.publicUrl).value).toBe(url);
  });

  test('client configuration snippets', async () => {
    const { svc } = await deploy();
    const c = await valueOf(svc.clientConfig);
    expect(c.claudeDesktop).toBe('Settings > Connectors > Add custom connector: https://mcp.example.com/mcp');
    expect(c.claudeCode).toBe('claude mcp add --transport http remote-mcp https://mcp.example.com/mcp');
    expect(JSON.parse(c.vscode)).toEqual({
      servers: { 'remote-mcp': { type: 'http', url: 'https://mcp.example.com/mcp' } },
    });
    expect(c).toEqual(clientConfigFor('remote-mcp', 'https://mcp.example.com/mcp'));
    expect(await pulumi.isSecret(svc.clientConfig)).toBe(false);
  });

  test('client configuration in token mode sends the header (Claude Desktop through mcp-remote), without the token', async () => {
    const { svc } = await deploy({ serverSettings: { authMode: 'token' }, secrets: { bearerTokens: TOKEN_1 } });
    const c = await valueOf(svc.clientConfig);
    expect(c).toEqual(clientConfigFor('remote-mcp', 'https://mcp.example.com/mcp', 'token'));
    expect(JSON.parse(c.claudeDesktop).mcpServers['remote-mcp'].command).toBe('npx');
    expect(JSON.stringify(c)).not.toContain(TOKEN_1);
  });

  test('every resource is a child of the component (parent: this)', async () => {
    const { tracker } = await deploy({
      hostedZoneId: 'Z1',
      webAclArn: 'arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/x/1',
    });
    const created = cloud.resources
      .filter((r) => r.type !== 'remote-mcp-stacks:aws:McpFargateService')
      .map((r) => `${r.type}::${r.name}`);
    expect(created.length).toBeGreaterThan(20);
    for (const c of created) expect(tracker.seen).toContain(c);
  });
});

describe('bad arguments fail before anything is created', () => {
  test('idle timeout outside the ALB range or not above the keep-alive', async () => {
    expect((await configError({ idleTimeoutSeconds: 4001 })).message).toMatch(
      /idleTimeoutSeconds must be a whole number of seconds from 1 to 4000 \(the ALB's range\), got 4001/,
    );
    expect((await configError({ idleTimeoutSeconds: 0 })).message).toMatch(
      /idleTimeoutSeconds must be a whole number of seconds from 1 to 4000/,
    );
    expect((await configError({ idleTimeoutSeconds: 15 })).message).toMatch(
      /idleTimeoutSeconds must exceed the server's keepAliveSeconds \(15 s\), or the load balancer cuts idle streams; got 15 s/,
    );
    expect(
      (await configError({ idleTimeoutSeconds: 100, serverSettings: { oauthIssuer: ISSUER, keepAliveSeconds: 120 } }))
        .message,
    ).toMatch(/must exceed/);
  });
  test('a drain the Fargate stopTimeout cap cannot cover', async () => {
    expect((await configError({ serverSettings: { oauthIssuer: ISSUER, drainSeconds: 116 } })).message).toMatch(
      /drainSeconds must be at most 115 on Fargate .*capped at 120 s\), got 116/,
    );
  });
  test('auth modes', async () => {
    expect((await configError({ serverSettings: { authMode: 'none' } })).message).toMatch(/only runs on loopback/);
    expect(
      (await configError({ serverSettings: { authMode: 'token' }, secrets: { oauthClientSecret: 'x' } })).message,
    ).toMatch(/authMode 'token' needs bearer tokens/);
    expect((await configError({ serverSettings: {} })).message).toMatch(/needs oauthIssuer/);
    const introspection = {
      oauthIssuer: ISSUER,
      oauthIntrospectionUrl: 'https://auth.example.com/introspect',
      oauthClientId: 'mcp',
    };
    expect((await configError({ serverSettings: introspection, secrets: { bearerTokens: TOKEN_1 } })).message).toMatch(
      /oauthIntrospectionUrl needs the client secret/,
    );
    expect((await configError({ serverSettings: { ...introspection, oauthClientId: undefined } })).message).toMatch(
      /oauthIntrospectionUrl needs oauthClientId/,
    );
  });
  test('secret sources', async () => {
    expect((await configError({ secretArn: 'arn:aws:secretsmanager:eu-west-1:1:secret:x' })).message).toMatch(
      /either `secrets`.*or `secretArn`/,
    );
    expect(
      (await configError({ secrets: undefined, secretArn: 'arn:aws:secretsmanager:eu-west-1:1:secret:x' })).message,
    ).toMatch(/needs `secretFields`/);
    expect(
      (await configError({ secrets: undefined, secretArn: 'arn:x', secretFields: ['OAUTH_ISSUER' as never] })).message,
    ).toMatch(/secretFields may only name/);
    expect((await configError({ secrets: undefined, secretFields: [ENV.bearerTokens] })).message).toMatch(
      /applies only to `secretArn`/,
    );
  });
  test('sizes, names, DNS', async () => {
    expect((await configError({ cpu: 300 })).message).toMatch(/cpu must be a Fargate CPU value/);
    expect((await configError({ logRetentionDays: 31 })).message).toMatch(/logRetentionDays must be one of/);
    expect((await configError({ autoScaling: { minCapacity: 5, maxCapacity: 2 } })).message).toMatch(
      /autoScaling.maxCapacity/,
    );
    expect((await configError({ autoScaling: { cpuTargetPercent: 0 } })).message).toMatch(/cpuTargetPercent/);
    expect((await configError({ desiredCount: 20 })).message).toMatch(/desiredCount \(20\) must be within/);
    expect((await configError({ domainName: 'mcp.example.com/mcp' })).message).toMatch(
      /domainName must be a host name/,
    );
    expect((await configError({ domainName: undefined, hostedZoneId: 'Z1' })).message).toMatch(
      /`hostedZoneId` needs `domainName`/,
    );
    expect((await configError({}, 'a-name-that-is-far-too-long')).message).toMatch(/at most 20 characters/);
    expect((await configError({}, 'a'.repeat(21))).message).toMatch(/at most 20 characters/);
  });

  test("sessionMode 'stateful' needs exactly one task: the ALB has no stickiness, so other tasks would answer 404", async () => {
    const stateful = { oauthIssuer: ISSUER, sessionMode: 'stateful' as const };
    const message = (await configError({ serverSettings: stateful })).message;
    expect(message).toMatch(
      /^McpFargateService remote-mcp: sessionMode 'stateful' needs exactly one task, and this service runs 2 to 10 tasks/,
    );
    expect(message).toMatch(
      /404 \(session not found\)\. Use sessionMode 'stateless' \(the default\), or run exactly one task \(`autoScaling: false` with `desiredCount: 1`/,
    );
    expect((await configError({ serverSettings: stateful, autoScaling: false })).message).toMatch(
      /this service runs 2 tasks/,
    );
    expect(
      (await configError({ serverSettings: stateful, autoScaling: { minCapacity: 1, maxCapacity: 3 } })).message,
    ).toMatch(/this service runs 1 to 3 tasks/);
  });

  test('bearer tokens the server would refuse (shorter than 16 characters, or a bad sha256: digest); no token in the message', async () => {
    const server = { authMode: 'token' as const };
    const short = (await configError({ serverSettings: server, secrets: { bearerTokens: [TOKEN_1, 'short-token'] } }))
      .message;
    expect(short).toBe(
      'McpFargateService remote-mcp: bearer tokens (MCP_BEARER_TOKENS) the server would refuse: entry 2: tokens must be at least 16 characters long (got 11); generate one with: openssl rand -base64 32',
    );
    expect(short).not.toContain('short-token');
    expect(short).not.toContain(TOKEN_1);
    expect(
      (await configError({ serverSettings: server, secrets: { bearerTokens: `sha256:${'0'.repeat(63)}` } })).message,
    ).toMatch(/entry 1: a sha256: entry must be followed by 64 hex digits/);
    expect((await configError({ serverSettings: server, secrets: { bearerTokens: '' } })).message).toMatch(
      /the server would refuse: no token/,
    );
  });

  test('a certificate from another region than aws:region is refused (an ALB takes only certificates of its own region)', async () => {
    setConfig({ 'aws:region': AWS_REGION });
    try {
      const other = `arn:aws:acm:us-east-1:${AWS_ACCOUNT}:certificate/0b1c2d3e`;
      expect((await configError({ certificateArn: other })).message).toBe(
        `McpFargateService remote-mcp: certificateArn: the certificate is in us-east-1 but the load balancer is in ${AWS_REGION}: an Application Load Balancer needs an ACM certificate of its own region (request or import one in ${AWS_REGION})`,
      );
      // the same region passes; an output ARN cannot be compared before deployment
      await deploy();
      cloud.reset();
      await deploy({ certificateArn: pulumi.output(other) });
    } finally {
      setConfig({});
    }
  });
});

describe('stateful sessions on one task', () => {
  test('a fixed count of 1, or autoscaling between 1 and 1, runs stateful', async () => {
    const server = { oauthIssuer: ISSUER, sessionMode: 'stateful' as const };
    const { container } = await deploy({ serverSettings: server, autoScaling: false, desiredCount: 1 });
    expect(cloud.one(T.service).inputs.desiredCount).toBe(1);
    expect(container.environment).toContainEqual({ name: 'MCP_SESSION_MODE', value: 'stateful' });
    cloud.reset();
    await deploy({ serverSettings: server, autoScaling: { minCapacity: 1, maxCapacity: 1 } });
    expect(cloud.one(T.scalingTarget).inputs).toMatchObject({ minCapacity: 1, maxCapacity: 1 });
  });
});

describe('bearer tokens given as an output', () => {
  test('are checked by the same rule once known; valid ones reach the secret as a Pulumi secret', async () => {
    await deploy({
      serverSettings: { authMode: 'token' },
      secrets: { bearerTokens: pulumi.secret(`${TOKEN_1},${TOKEN_2}`) },
    });
    const version = cloud.one(T.secretVersion, '-secret');
    expect(isSecretValue(version.inputs.secretString)).toBe(true);
    expect(JSON.parse(version.inputs.secretString.value)[ENV.bearerTokens]).toBe(`${TOKEN_1},${TOKEN_2}`);
  });
});

describe('physical names fit AWS limits with the longest component name', () => {
  // Pulumi auto-names a resource `<logical name>-<7 random characters>` (the mocks do not, so compute it).
  const AUTO_NAME_SUFFIX = 8;
  const LIMITS: Record<string, number> = {
    [T.lb]: 32,
    [T.tg]: 32,
    [T.role]: 64,
    [T.rolePolicy]: 128,
    [T.sg]: 255,
    [T.cluster]: 255,
    [T.service]: 255,
    [T.scalingPolicy]: 255,
    [T.logGroup]: 512,
    [T.secret]: 512,
  };

  test(`a ${FARGATE_LIMITS.nameMaxLength}-character name: every auto-named load balancer and target group name fits 32 characters`, async () => {
    const name = `m${'x'.repeat(FARGATE_LIMITS.nameMaxLength - 1)}`;
    await deploy({ secrets: { oauthClientSecret: CLIENT_SECRET } }, name);
    const autoNamed = cloud
      .customResources()
      .filter((r) => r.inputs.name === undefined && LIMITS[r.type] !== undefined);
    expect(
      autoNamed
        .filter((r) => r.type === T.lb || r.type === T.tg)
        .map((r) => r.name)
        .sort(),
    ).toEqual([`${name}-alb`, `${name}-tg`]);
    for (const r of autoNamed) {
      const longest = r.name.length + AUTO_NAME_SUFFIX;
      expect([r.type, r.name, longest <= LIMITS[r.type]!]).toEqual([r.type, r.name, true]);
    }
    // the load balancer is the longest: exactly at the limit
    expect(`${name}-alb`.length + AUTO_NAME_SUFFIX).toBe(32);
  });
});

describe('shared session store (sessionStore)', () => {
  const S = {
    cache: 'aws:elasticache/serverlessCache:ServerlessCache',
    user: 'aws:elasticache/user:User',
    userGroup: 'aws:elasticache/userGroup:UserGroup',
  } as const;
  const STATEFUL = { oauthIssuer: ISSUER, sessionMode: 'stateful' as const };
  const ids = () => awsApi.sessionStoreIds('remote-mcp');

  function policyOf(roleName: string) {
    return cloud
      .ofType(T.rolePolicy)
      .filter((p) => p.inputs.role === `${roleName}-id`)
      .map((p) => JSON.parse(p.inputs.policy));
  }

  /** Resource options as the component passed them (seen by a v1 transformation). */
  function optionsTracker() {
    const seen = new Map<string, pulumi.ResourceOptions>();
    const opts: pulumi.ComponentResourceOptions = {
      transformations: [
        (a) => {
          seen.set(`${a.type}::${a.name}`, a.opts);
          return undefined;
        },
      ],
    };
    return { seen, opts };
  }

  test('true: ElastiCache Serverless for Valkey 8 in the private subnets, behind its own security group, with an RBAC user group', async () => {
    const { svc } = await deploy({ serverSettings: STATEFUL, sessionStore: true });
    const { cacheName, userGroupId, userId } = ids();
    expect(cloud.one(S.cache).inputs).toMatchObject({
      name: cacheName,
      engine: 'valkey',
      majorEngineVersion: '8',
      subnetIds: PRIVATE,
      securityGroupIds: [sgId('sessions')],
      userGroupId,
    });
    expect(cloud.one(S.cache).inputs.cacheUsageLimits).toBeUndefined();
    expect(cloud.one(S.userGroup).inputs).toMatchObject({ userGroupId, engine: 'valkey', userIds: [userId] });
    // REDIS_URL carries no user name, so the client authenticates as `default`: the user takes that name
    expect(cloud.one(S.user).inputs).toMatchObject({
      userId,
      userName: 'default',
      engine: 'valkey',
      accessString: 'on ~* &* +@all',
    });
    expect(cloud.named(T.sg, 'remote-mcp-sessions').inputs.vpcId).toBe('vpc-123');
    expect(svc.sessionStore).toBeDefined();
    expect(await valueOf(svc.sessionStoreEndpoint!)).toMatch(
      /^mcp-remote-mcp-[0-9a-f]{8}-abc123\.serverless\.euw1\.cache\.amazonaws\.com:6379$/,
    );
  });

  test('the store takes 6379 from the task security group only, and the tasks may open 6379 to it alone', async () => {
    await deploy({ serverSettings: STATEFUL, sessionStore: true });
    const storeIngress = cloud.ofType(T.ingress).filter((r) => r.inputs.securityGroupId === sgId('sessions'));
    expect(storeIngress).toHaveLength(1);
    expect(storeIngress[0]!.inputs).toMatchObject({
      referencedSecurityGroupId: sgId('tasks'),
      ipProtocol: 'tcp',
      fromPort: 6379,
      toPort: 6379,
    });
    expect(storeIngress[0]!.inputs.cidrIpv4).toBeUndefined();
    expect(storeIngress[0]!.inputs.cidrIpv6).toBeUndefined();
    // the store itself opens nothing outwards
    expect(cloud.ofType(T.egress).filter((r) => r.inputs.securityGroupId === sgId('sessions'))).toEqual([]);
    const taskEgress = cloud.ofType(T.egress).filter((r) => r.inputs.securityGroupId === sgId('tasks'));
    expect(
      taskEgress
        .map((r) => [r.inputs.cidrIpv4 ?? r.inputs.referencedSecurityGroupId, r.inputs.fromPort, r.inputs.toPort])
        .sort(),
    ).toEqual([
      ['0.0.0.0/0', 443, 443],
      [sgId('sessions'), 6379, 6379],
    ]);
    for (const sg of cloud.ofType(T.sg)) {
      expect(sg.inputs.ingress).toBeUndefined();
      expect(sg.inputs.egress).toBeUndefined();
    }
  });

  test('its resources are children of an McpServerlessSessionStore component, each aliased to the service (their parent before), so deployed stacks move them instead of replacing them', async () => {
    const tracker = optionsTracker();
    const svc = new awsApi.McpFargateService(
      'remote-mcp',
      { ...baseArgs(), serverSettings: STATEFUL, sessionStore: true },
      tracker.opts,
    );
    await settle();
    const store = svc.serverlessSessionStore!;
    expect(store).toBeInstanceOf(awsApi.McpServerlessSessionStore);
    const moved = [
      `${T.sg}::remote-mcp-sessions`,
      `${T.ingress}::remote-mcp-sessions-from-tasks`,
      `${T.egress}::remote-mcp-tasks-to-sessions`,
      `${S.user}::remote-mcp-sessions`,
      `${S.userGroup}::remote-mcp-sessions`,
      `${S.cache}::remote-mcp-sessions`,
      `${T.secret}::remote-mcp-redis-url`,
      `${T.secretVersion}::remote-mcp-redis-url`,
    ];
    for (const key of moved) {
      const opts = tracker.seen.get(key);
      expect([key, opts?.parent === store, opts?.aliases]).toEqual([key, true, [{ parent: svc }]]);
    }
    // Everything else keeps its parent: no parent alias (@pulumi/aws adds type aliases of its own to some).
    const direct = [...tracker.seen.entries()].filter(([key]) => !moved.includes(key) && key.startsWith('aws:'));
    for (const [key, opts] of direct) {
      const parentAliases = (opts.aliases ?? []).filter((alias) => typeof alias === 'object' && 'parent' in alias);
      expect([key, parentAliases]).toEqual([key, []]);
    }
    expect(svc.sessionStore).toBe(store.cache);
    expect(svc.redisUrlSecret).toBe(store.redisUrlSecret);
  });

  test('the password is generated, a Pulumi secret, and kept once the user exists (ignoreChanges)', async () => {
    const tracker = optionsTracker();
    new awsApi.McpFargateService(
      'remote-mcp',
      { ...baseArgs(), serverSettings: STATEFUL, sessionStore: true },
      tracker.opts,
    );
    await settle();
    const user = cloud.one(S.user);
    expect(isSecretValue(user.inputs.passwords)).toBe(true);
    expect(user.inputs.passwords.value).toHaveLength(1);
    const password = (user.inputs.passwords.value as string[])[0]!;
    expect(password).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(tracker.seen.get(`${S.user}::remote-mcp-sessions`)?.ignoreChanges).toEqual(['passwords']);
    // a second component draws another password (nothing fixed in the code)
    cloud.reset();
    new awsApi.McpFargateService('other-mcp', { ...baseArgs(), serverSettings: STATEFUL, sessionStore: true });
    await settle();
    const other = cloud.one(S.user).inputs.passwords;
    expect(JSON.stringify(other)).not.toContain(password);
  });

  test('REDIS_URL: rediss:// with that password, a Pulumi secret in its own secret, injected by ECS, never in the environment', async () => {
    const { svc, container } = await deploy({ serverSettings: STATEFUL, sessionStore: true });
    const user = cloud.one(S.user);
    expect(isSecretValue(user.inputs.passwords)).toBe(true);
    const password = (user.inputs.passwords.value as string[])[0]!;
    const version = cloud.named(T.secretVersion, 'remote-mcp-redis-url');
    expect(isSecretValue(version.inputs.secretString)).toBe(true);
    const endpoint = await valueOf(svc.sessionStoreEndpoint!);
    expect(version.inputs.secretString.value).toBe(
      redisUrl(endpoint.split(':')[0]!, { port: 6379, tls: true, password }),
    );
    expect(version.inputs.secretString.value).toMatch(/^rediss:\/\/:[A-Za-z0-9_-]{43}@.+:6379$/);
    expect(await pulumi.isSecret(svc.redisUrl!)).toBe(true);
    expect(await valueOf(svc.redisUrl!)).toBe(version.inputs.secretString.value);
    expect(await pulumi.isSecret(svc.sessionStoreEndpoint!)).toBe(false);
    const redisArn = await valueOf(svc.redisUrlSecret!.arn);
    expect(await valueOf(svc.redisUrlSecretArn!)).toBe(redisArn);
    expect(container.secrets).toContainEqual({ name: ENV.redisUrl, valueFrom: redisArn });
    expect(container.environment.map((e: { name: string }) => e.name)).not.toContain(ENV.redisUrl);
    // the password appears nowhere outside Pulumi secrets (not in the task definition, not in any input)
    expect(cloud.resources.flatMap((r) => plainStrings(r.inputs)).filter((s) => s.includes(password))).toEqual([]);
  });

  test('the execution role reads exactly the secrets it injects', async () => {
    const { svc } = await deploy({ serverSettings: STATEFUL, sessionStore: true });
    const [policy] = policyOf('remote-mcp-execution');
    const read = policy.Statement.find((s: { Sid: string }) => s.Sid === 'ReadSecret');
    expect(read.Resource).toEqual([await valueOf(svc.secret!.arn), await valueOf(svc.redisUrlSecret!.arn), KEYS_ARN]);
    cloud.reset();
    const alone = await deploy({ serverSettings: STATEFUL, secrets: undefined, sessionStore: true });
    const [only] = policyOf('remote-mcp-execution');
    expect(only.Statement.find((s: { Sid: string }) => s.Sid === 'ReadSecret').Resource).toEqual([
      await valueOf(alone.svc.redisUrlSecret!.arn),
      KEYS_ARN,
    ]);
  });

  test('a new URL rolls the tasks (ECS reads secrets at task start)', async () => {
    await deploy({ serverSettings: STATEFUL, sessionStore: true });
    expect(cloud.one(T.service).inputs).toMatchObject({
      forceNewDeployment: true,
      triggers: { secretVersion: 'version-1', redisUrlVersion: 'version-1' },
    });
  });

  test('stateful on several tasks: accepted with the store, refused without it (the message names sessionStore)', async () => {
    await deploy({ serverSettings: STATEFUL, sessionStore: true });
    expect(cloud.one('aws:appautoscaling/target:Target').inputs).toMatchObject({ minCapacity: 2, maxCapacity: 10 });
    cloud.reset();
    const message = (await configError({ serverSettings: STATEFUL })).message;
    expect(message).toMatch(/needs exactly one task, and this service runs 2 to 10 tasks/);
    expect(message).toMatch(
      /give the service a shared session store \(`sessionStore: true` creates ElastiCache Serverless for Valkey\)/,
    );
  });

  test('a store on several stateless tasks is created and injected: it carries listen notifications between them', async () => {
    const { svc, container } = await deploy({ autoScaling: false, desiredCount: 2, sessionStore: true });
    expect(cloud.ofType(S.cache)).toHaveLength(1);
    expect(cloud.one(T.service).inputs.desiredCount).toBe(2);
    expect(container.secrets).toContainEqual({ name: ENV.redisUrl, valueFrom: await valueOf(svc.redisUrlSecret!.arn) });
    const env = Object.fromEntries(
      container.environment.map((e: { name: string; value: string }) => [e.name, e.value]),
    );
    expect(env[ENV.redisClusterMode]).toBe('true');
    expect(env[ENV.sessionMode]).not.toBe('stateful');
    cloud.reset();
    // The default 2 to 10 autoscaled tasks, with an existing store.
    const existing = await deploy({
      sessionStore: { redisUrlSecretArn: 'arn:aws:secretsmanager:eu-west-1:1:secret:x' },
    });
    expect(existing.container.secrets).toContainEqual({
      name: ENV.redisUrl,
      valueFrom: 'arn:aws:secretsmanager:eu-west-1:1:secret:x',
    });
  });

  test('a store on exactly one stateless task is refused: nothing would read it', async () => {
    const oneTask = { autoScaling: false, desiredCount: 1 } as const;
    expect((await configError({ ...oneTask, sessionStore: true })).message).toMatch(
      /sessionStore is used only by sessionMode 'stateful', authMode 'broker', and 2026-07-28 listen streams on several tasks.*this service runs one task.*billed cache that nothing reads/,
    );
    const oneAutoscaled = { autoScaling: { minCapacity: 1, maxCapacity: 1 } };
    expect((await configError({ ...oneAutoscaled, sessionStore: true })).message).toMatch(/this service runs one task/);
    // Stateful on one task keeps its store.
    const { container } = await deploy({ ...oneTask, serverSettings: STATEFUL, sessionStore: true });
    expect(container.secrets).toContainEqual(expect.objectContaining({ name: ENV.redisUrl }));
  });

  test('the created store speaks the cluster protocol: the server is told so (REDIS_CLUSTER_MODE), for an existing store it is not', async () => {
    const { container } = await deploy({ serverSettings: STATEFUL, sessionStore: true });
    const env = Object.fromEntries(
      container.environment.map((e: { name: string; value: string }) => [e.name, e.value]),
    );
    expect(env[ENV.redisClusterMode]).toBe('true');
    cloud.reset();
    const existing = await deploy({
      serverSettings: STATEFUL,
      sessionStore: { redisUrlSecretArn: 'arn:aws:secretsmanager:eu-west-1:1:secret:x' },
    });
    expect(existing.container.environment.map((e: { name: string }) => e.name)).not.toContain(ENV.redisClusterMode);
    cloud.reset();
    const { container: plain } = await deploy();
    expect(plain.environment.map((e: { name: string }) => e.name)).not.toContain(ENV.redisClusterMode);
  });

  test("REDIS_URL as a field of the service's own secret counts as a shared store; with sessionStore it is refused", async () => {
    const arn = `arn:aws:secretsmanager:${AWS_REGION}:${AWS_ACCOUNT}:secret:mcp-abc123`;
    const { container } = await deploy({
      serverSettings: STATEFUL,
      secrets: undefined,
      secretArn: arn,
      secretFields: [ENV.redisUrl],
    });
    expect(container.secrets).toEqual([{ name: ENV.redisUrl, valueFrom: `${arn}:${ENV.redisUrl}::` }, KEYS_ENTRY]);
    cloud.reset();
    expect(
      (
        await configError({
          serverSettings: STATEFUL,
          secrets: undefined,
          secretArn: arn,
          secretFields: [ENV.redisUrl],
          sessionStore: true,
        })
      ).message,
    ).toMatch(/'REDIS_URL' comes from sessionStore: remove it from secretFields/);
  });

  test('no store: no cache, user, user group, store security group or REDIS_URL', async () => {
    const { container } = await deploy();
    for (const t of Object.values(S)) expect(cloud.ofType(t)).toEqual([]);
    expect(
      cloud
        .ofType(T.sg)
        .map((s) => s.name)
        .sort(),
    ).toEqual(['remote-mcp-alb', 'remote-mcp-tasks']);
    expect(userSecrets()).toHaveLength(1);
    expect(container.secrets.map((s: { name: string }) => s.name)).toEqual([
      ENV.oauthClientSecret,
      ENV.requestStateKeys,
    ]);
  });

  test('settings: Valkey 7, usage caps, KMS key', async () => {
    const kms = `arn:aws:kms:${AWS_REGION}:${AWS_ACCOUNT}:key/abcd`;
    await deploy({
      serverSettings: STATEFUL,
      sessionStore: { majorEngineVersion: '7', maxDataStorageGB: 5, maxEcpuPerSecond: 5000, kmsKeyArn: kms },
    });
    expect(cloud.one(S.cache).inputs).toMatchObject({
      majorEngineVersion: '7',
      kmsKeyId: kms,
      cacheUsageLimits: { dataStorage: { maximum: 5, unit: 'GB' }, ecpuPerSeconds: [{ maximum: 5000 }] },
    });
  });

  test('an existing store: injected from its secret, readable alone, a network path to its security group only', async () => {
    const arn = `arn:aws:secretsmanager:${AWS_REGION}:${AWS_ACCOUNT}:secret:redis-url-abc`;
    const { container } = await deploy({
      serverSettings: STATEFUL,
      secrets: undefined,
      sessionStore: { redisUrlSecretArn: arn, securityGroupId: 'sg-store', port: 6380 },
    });
    for (const t of Object.values(S)) expect(cloud.ofType(t)).toEqual([]);
    expect(userSecrets()).toEqual([]);
    expect(container.secrets).toEqual([{ name: ENV.redisUrl, valueFrom: arn }, KEYS_ENTRY]);
    expect(
      policyOf('remote-mcp-execution')[0].Statement.find((s: { Sid: string }) => s.Sid === 'ReadSecret').Resource,
    ).toEqual([arn, KEYS_ARN]);
    expect(
      cloud
        .ofType(T.ingress)
        .filter((r) => r.inputs.securityGroupId === 'sg-store')
        .map((r) => r.inputs),
    ).toEqual([expect.objectContaining({ referencedSecurityGroupId: sgId('tasks'), fromPort: 6380, toPort: 6380 })]);
    expect(cloud.named(T.egress, 'remote-mcp-tasks-to-sessions').inputs).toMatchObject({
      referencedSecurityGroupId: 'sg-store',
      fromPort: 6380,
      toPort: 6380,
    });
    // a JSON field of the secret; without the store's security group no rule is added (the path is the user's to open)
    cloud.reset();
    const field = await deploy({ serverSettings: STATEFUL, sessionStore: { redisUrlSecretArn: arn, field: 'url' } });
    expect(field.container.secrets).toContainEqual({ name: ENV.redisUrl, valueFrom: `${arn}:url::` });
    expect([...cloud.ofType(T.ingress), ...cloud.ofType(T.egress)].filter((r) => r.name.includes('sessions'))).toEqual(
      [],
    );
  });

  test('every store resource is a child of the component', async () => {
    const { tracker } = await deploy({ serverSettings: STATEFUL, sessionStore: true });
    const created = cloud.customResources().map((r) => `${r.type}::${r.name}`);
    expect(created.filter((c) => c.startsWith('aws:elasticache'))).toHaveLength(3);
    for (const c of created) expect(tracker.seen).toContain(c);
  });

  test('store names: unique per stack, the same on every run, valid ElastiCache IDs', () => {
    const longest = 'a'.repeat(FARGATE_LIMITS.nameMaxLength);
    const a = awsApi.sessionStoreIds(longest, 'remote-mcp-stacks', 'prod');
    expect(awsApi.sessionStoreIds(longest, 'remote-mcp-stacks', 'prod')).toEqual(a);
    expect(awsApi.sessionStoreIds(longest, 'remote-mcp-stacks', 'staging').cacheName).not.toBe(a.cacheName);
    for (const id of [...Object.values(a), ...Object.values(awsApi.sessionStoreIds('My--Service', 'p', 's'))]) {
      expect(id.length).toBeLessThanOrEqual(40);
      expect(id).toMatch(/^[a-z]([a-z0-9]|-(?!-))*[a-z0-9]$/);
    }
  });

  test('bad store settings fail before anything is created', async () => {
    const err = async (sessionStore: Args['sessionStore'], extra: Partial<Args> = {}) =>
      (await configError({ serverSettings: STATEFUL, sessionStore, ...extra })).message;
    expect(await err({ majorEngineVersion: '6' })).toMatch(
      /sessionStore.majorEngineVersion must be a Valkey major version, 7 or later/,
    );
    expect(await err({ maxDataStorageGB: 0 })).toMatch(
      /sessionStore.maxDataStorageGB must be a whole number from 1 to 5000/,
    );
    expect(await err({ maxEcpuPerSecond: 10 })).toMatch(
      /sessionStore.maxEcpuPerSecond must be a whole number from 1000/,
    );
    expect(await err({ redisUrlSecretArn: 'arn:x', port: 0 })).toMatch(
      /sessionStore.port must be a whole number from 1 to 65535/,
    );
    expect(await err({ redisUrlSecretArn: 'arn:x', majorEngineVersion: '8' } as never)).toMatch(
      /redisUrlSecretArn names an existing store: majorEngineVersion/,
    );
  });
});

describe("renamed arguments and fields (issue 15: the CDK construct's names)", () => {
  test('`server` and `memoryMiB`, the deprecated former names of `serverSettings` and `memoryLimitMiB`, still work', async () => {
    const { svc, task, container } = await deploy({
      serverSettings: undefined,
      server: { oauthIssuer: ISSUER, drainSeconds: 30 },
      memoryMiB: 2048,
    });
    expect(task.inputs.memory).toBe('2048');
    expect(container.stopTimeout).toBe(stopTimeoutSeconds(30));
    // `mcpUrl` and `httpsListener`, the former names of `url` and `listener`, are the same objects
    expect(svc.mcpUrl).toBe(svc.url);
    expect(svc.httpsListener).toBe(svc.listener);
    expect(await valueOf(svc.url)).toBe('https://mcp.example.com/mcp');
  });

  test('a name and its former name together are refused', async () => {
    const both = await configError({ server: { oauthIssuer: ISSUER } });
    expect(both.message).toMatch(/pass `serverSettings` only \(`server` is its deprecated former name\), not both/);
    const memory = await configError({ memoryLimitMiB: 2048, memoryMiB: 2048 });
    expect(memory.message).toMatch(
      /pass `memoryLimitMiB` only \(`memoryMiB` is its deprecated former name\), not both/,
    );
  });
});
