/**
 * McpFargateService: every default, and every option, as CloudFormation. Expected values come from the
 * server's contract (PATHS, DEFAULTS, serverEnvironment, stopTimeoutSeconds), not from copies of them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import {
  CONTAINER_PORT,
  DEFAULTS,
  ENV,
  MIN_BEARER_TOKEN_LENGTH,
  PATHS,
  SECRET_ENV,
  bearerTokenProblem,
  serverEnvironment,
  stopTimeoutSeconds,
} from '../../../server/config/contract';
import { McpFargateService } from '../../../infra/cdk';
import {
  baseProps,
  container,
  ISSUER,
  lbAttributes,
  newApp,
  newStack,
  onlyResource,
  REGION,
  synthService,
  tgAttributes,
} from './helpers';

const envMap = (c: Record<string, any>): Record<string, unknown> =>
  Object.fromEntries((c.Environment as { Name: string; Value: unknown }[]).map((e) => [e.Name, e.Value]));

describe('McpFargateService defaults', () => {
  const { stack, mcp, template } = synthService();

  test('load balancer: idle timeout 3600 s, invalid headers dropped, access logs on, internet-facing', () => {
    const attrs = lbAttributes(template);
    expect(attrs['idle_timeout.timeout_seconds']).toBe('3600');
    expect(Number(attrs['idle_timeout.timeout_seconds'])).toBeGreaterThan(DEFAULTS.keepAliveSeconds);
    expect(attrs['routing.http.drop_invalid_header_fields.enabled']).toBe('true');
    expect(attrs['access_logs.s3.enabled']).toBe('true');
    expect(attrs['access_logs.s3.prefix']).toBe('alb');
    expect(attrs['access_logs.s3.bucket']).toEqual({
      Ref: stack.getLogicalId(mcp.accessLogsBucket.node.defaultChild as s3.CfnBucket),
    });
    expect(attrs['deletion_protection.enabled']).toBe('false');
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      Scheme: 'internet-facing',
      Type: 'application',
    });
  });

  test('HTTPS listener on 443 with a TLS 1.3 policy and the certificate; HTTP 80 only redirects', () => {
    template.resourceCountIs('AWS::ElasticLoadBalancingV2::Listener', 2);
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 443,
      Protocol: 'HTTPS',
      SslPolicy: 'ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09',
      Certificates: [{ CertificateArn: mcp.certificate.certificateArn }],
      DefaultActions: [{ Type: 'forward', TargetGroupArn: Match.anyValue() }],
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 80,
      Protocol: 'HTTP',
      DefaultActions: [
        { Type: 'redirect', RedirectConfig: { Protocol: 'HTTPS', Port: '443', StatusCode: 'HTTP_301' } },
      ],
    });
  });

  test('access-log bucket: SSE-S3, TLS only, private, expiring, and writable by the regional ELB account', () => {
    const bucket = onlyResource(template, 'AWS::S3::Bucket').Properties;
    expect(bucket.BucketEncryption.ServerSideEncryptionConfiguration).toEqual([
      { ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } },
    ]);
    expect(bucket.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(bucket.LifecycleConfiguration.Rules[0].ExpirationInDays).toBe(90);
    expect(bucket.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    const policy = onlyResource(template, 'AWS::S3::BucketPolicy').Properties.PolicyDocument.Statement as any[];
    expect(policy).toContainEqual(
      expect.objectContaining({
        Effect: 'Deny',
        Action: 's3:*',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    );
    // eu-west-1's Elastic Load Balancing account delivers the logs.
    expect(policy).toContainEqual(
      expect.objectContaining({ Effect: 'Allow', Action: 's3:PutObject', Principal: { AWS: expect.anything() } }),
    );
    expect(JSON.stringify(policy)).toContain(':iam::156460612806:root');
  });

  test('target group: health check on /readyz, deregistration delay = drain time, no stickiness', () => {
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      HealthCheckPath: PATHS.readyz,
      Matcher: { HttpCode: '200' },
      Port: CONTAINER_PORT,
      Protocol: 'HTTP',
      TargetType: 'ip',
    });
    const attrs = tgAttributes(template);
    expect(attrs['deregistration_delay.timeout_seconds']).toBe(String(DEFAULTS.drainSeconds));
    expect(attrs['stickiness.enabled']).toBe('false');
    expect(attrs['load_balancing.algorithm.type']).toBe('least_outstanding_requests');
  });

  test('container: stopTimeout from the drain time, non-root, read-only root filesystem, memory limit', () => {
    const c = container(template);
    expect(c.StopTimeout).toBe(25); // the default drain (20 s) plus the 5 s shutdown margin
    expect(c.StopTimeout).toBeLessThanOrEqual(120);
    expect(c.StopTimeout).toBeGreaterThan(DEFAULTS.drainSeconds);
    expect(c.User).toBe('1000:1000');
    expect(c.User).not.toMatch(/^(0|root)(:|$)/);
    expect(c.ReadonlyRootFilesystem).toBe(true);
    expect(c.Privileged).toBe(false);
    expect(c.Memory).toBe(1024);
    expect(c.PortMappings).toEqual([{ ContainerPort: CONTAINER_PORT, Name: 'http', Protocol: 'tcp' }]);
    // A custom image gets no ECS health check by default (it may not have node).
    expect(c.HealthCheck).toBeUndefined();
    const task = onlyResource(template, 'AWS::ECS::TaskDefinition').Properties;
    expect(task).toMatchObject({
      Cpu: '512',
      Memory: '1024',
      RuntimePlatform: { CpuArchitecture: 'X86_64', OperatingSystemFamily: 'LINUX' },
    });
  });

  test('environment is exactly the contract environment of the deployed settings, with oauth by default', () => {
    const c = container(template);
    const expected = serverEnvironment({ authMode: 'oauth', oauthIssuer: ISSUER, publicUrl: mcp.url });
    const env = envMap(c);
    expect(Object.keys(env).sort()).toEqual(Object.keys(expected).sort());
    expect(env[ENV.authMode]).toBe('oauth');
    expect(env[ENV.oauthIssuer]).toBe(ISSUER);
    expect(env[ENV.port]).toBe(String(CONTAINER_PORT));
    expect(env[ENV.host]).toBe('0.0.0.0');
    for (const name of SECRET_ENV) expect(env).not.toHaveProperty(name);
  });

  test('secrets come from the secret JSON field (`<arn>:FIELD::`), never from Environment', () => {
    const c = container(template);
    const secretId = stack.getLogicalId(mcp.secret.node.defaultChild as secretsmanager.CfnSecret);
    const keysId = stack.getLogicalId(mcp.requestStateKeysSecret!.node.defaultChild as secretsmanager.CfnSecret);
    expect(c.Secrets).toEqual([
      {
        Name: ENV.oauthClientSecret,
        ValueFrom: { 'Fn::Join': ['', [{ Ref: secretId }, `:${ENV.oauthClientSecret}::`]] },
      },
      { Name: ENV.requestStateKeys, ValueFrom: { Ref: keysId } },
    ]);
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      SecretString: JSON.stringify({ [ENV.oauthClientSecret]: '' }),
    });
  });

  test('logs: CloudWatch with one-year retention, encrypted with a rotating key that only CloudWatch Logs may use', () => {
    const c = container(template);
    expect(c.LogConfiguration.LogDriver).toBe('awslogs');
    expect(c.LogConfiguration.Options).toMatchObject({ mode: 'non-blocking', 'awslogs-region': REGION });
    const groups = Object.values(template.findResources('AWS::Logs::LogGroup'));
    expect(groups).toHaveLength(2); // service + flow logs
    for (const g of groups) {
      expect(g.Properties.RetentionInDays).toBe(365);
      expect(g.Properties.KmsKeyId).toEqual({ 'Fn::GetAtt': [expect.any(String), 'Arn'] });
    }
    const key = onlyResource(template, 'AWS::KMS::Key').Properties;
    expect(key.EnableKeyRotation).toBe(true);
    expect(key.KeyPolicy.Statement).toContainEqual(
      expect.objectContaining({ Effect: 'Allow', Principal: { Service: `logs.${REGION}.amazonaws.com` } }),
    );
    expect(key.KeyPolicy.Statement).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Action: 'kms:CreateGrant' }),
    );
  });

  test('Container Insights on the created cluster', () => {
    template.hasResourceProperties('AWS::ECS::Cluster', {
      ClusterSettings: [{ Name: 'containerInsights', Value: 'enabled' }],
    });
  });

  test('service: circuit breaker with rollback, 100/200 rolling deploys, private subnets, no public IP', () => {
    const svc = onlyResource(template, 'AWS::ECS::Service').Properties;
    expect(svc.DeploymentConfiguration).toMatchObject({
      DeploymentCircuitBreaker: { Enable: true, Rollback: true },
      MinimumHealthyPercent: 100,
      MaximumPercent: 200,
    });
    expect(svc.NetworkConfiguration.AwsvpcConfiguration.AssignPublicIp).toBe('DISABLED');
    const privateIds = mcp.vpc.privateSubnets.map((s) => ({ Ref: stack.getLogicalId(s.node.defaultChild as any) }));
    expect(svc.NetworkConfiguration.AwsvpcConfiguration.Subnets).toEqual(privateIds);
    expect(svc.EnableExecuteCommand).toBe(false);
    const tg = stack.getLogicalId(mcp.targetGroup.node.defaultChild as elbv2.CfnTargetGroup);
    expect(svc.LoadBalancers).toEqual([
      { ContainerName: 'mcp', ContainerPort: CONTAINER_PORT, TargetGroupArn: { Ref: tg } },
    ]);
    // With autoscaling, no DesiredCount: a deployment never resets a scaled-out service.
    expect(svc.DesiredCount).toBeUndefined();
  });

  test('tasks accept traffic only from the load balancer, on the container port', () => {
    const svcSg = stack.getLogicalId(mcp.serviceSecurityGroup.node.defaultChild as any);
    const albSg = stack.getLogicalId(mcp.loadBalancerSecurityGroup.node.defaultChild as any);
    const sgs = template.findResources('AWS::EC2::SecurityGroup');
    expect(sgs[svcSg]!.Properties.SecurityGroupIngress).toBeUndefined();
    const ingress = Object.values(template.findResources('AWS::EC2::SecurityGroupIngress')).map((r) => r.Properties);
    const toTasks = ingress.filter((i) => JSON.stringify(i.GroupId).includes(svcSg));
    expect(toTasks).toEqual([
      expect.objectContaining({
        IpProtocol: 'tcp',
        FromPort: CONTAINER_PORT,
        ToPort: CONTAINER_PORT,
        SourceSecurityGroupId: { 'Fn::GetAtt': [albSg, 'GroupId'] },
      }),
    ]);
    // The load balancer is open on 443 and 80 only, and talks only to the tasks.
    const albIngress = sgs[albSg]!.Properties.SecurityGroupIngress as any[];
    expect(albIngress.map((r) => [r.CidrIp, r.FromPort, r.ToPort]).sort()).toEqual([
      ['0.0.0.0/0', 443, 443],
      ['0.0.0.0/0', 80, 80],
    ]);
    const egress = Object.values(template.findResources('AWS::EC2::SecurityGroupEgress')).map((r) => r.Properties);
    expect(egress).toEqual([
      expect.objectContaining({
        FromPort: CONTAINER_PORT,
        DestinationSecurityGroupId: { 'Fn::GetAtt': [svcSg, 'GroupId'] },
      }),
    ]);
  });

  test('autoscaling on requests per target and on CPU, 2 to 10 tasks', () => {
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { MinCapacity: 2, MaxCapacity: 10 });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      TargetTrackingScalingPolicyConfiguration: {
        PredefinedMetricSpecification: { PredefinedMetricType: 'ALBRequestCountPerTarget' },
        TargetValue: 1000,
        ScaleInCooldown: 300,
        ScaleOutCooldown: 60,
      },
    });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      TargetTrackingScalingPolicyConfiguration: {
        PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' },
        TargetValue: 60,
      },
    });
  });

  test('least privilege: no task role permissions; the execution role reads only its secrets and log group', () => {
    const policies = Object.values(template.findResources('AWS::IAM::Policy')).map((p) => p.Properties);
    const taskRole = stack.getLogicalId(mcp.taskDefinition.taskRole.node.defaultChild as any);
    expect(policies.filter((p) => JSON.stringify(p.Roles).includes(taskRole))).toEqual([]);
    const execRole = stack.getLogicalId(mcp.taskDefinition.executionRole!.node.defaultChild as any);
    const exec = policies.filter((p) => JSON.stringify(p.Roles).includes(execRole));
    expect(exec).toHaveLength(1);
    const statements = exec[0]!.PolicyDocument.Statement as any[];
    for (const s of statements) expect(s.Resource).not.toBe('*');
    const secretId = stack.getLogicalId(mcp.secret.node.defaultChild as any);
    const keysId = stack.getLogicalId(mcp.requestStateKeysSecret!.node.defaultChild as any);
    const logId = stack.getLogicalId(mcp.logGroup.node.defaultChild as any);
    const grants = statements.map((st) => [[st.Action].flat().sort(), st.Resource]);
    expect(grants).toEqual([
      [['logs:CreateLogStream', 'logs:PutLogEvents'], { 'Fn::GetAtt': [logId, 'Arn'] }],
      [['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'], { Ref: secretId }],
      [['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'], { Ref: keysId }],
    ]);
  });

  test('created VPC: 2 AZs without lookups, private subnets for tasks, one NAT gateway per AZ, flow logs', () => {
    template.resourceCountIs('AWS::EC2::Subnet', 4);
    template.resourceCountIs('AWS::EC2::NatGateway', 2);
    template.resourceCountIs('AWS::EC2::FlowLog', 1);
    const subnets = Object.values(template.findResources('AWS::EC2::Subnet')).map((s) => s.Properties);
    for (const s of subnets) {
      expect(s.AvailabilityZone).toEqual({ 'Fn::Select': [expect.any(Number), { 'Fn::GetAZs': '' }] });
      expect(s.MapPublicIpOnLaunch).toBe(false);
    }
    expect(mcp.vpc.privateSubnets).toHaveLength(2);
    expect(mcp.vpc.publicSubnets).toHaveLength(2);
  });

  test('URL: with only a certificate, the load balancer DNS name, with a warning to pass domainName', () => {
    expect(stack.resolve(mcp.url)).toEqual({
      'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [expect.any(String), 'DNSName'] }, PATHS.mcp]],
    });
    Annotations.fromStack(stack).hasWarning('/Test/Mcp', Match.stringLikeRegexp('Pass domainName for a stable URL'));
  });

  test('exposes the underlying resources', () => {
    for (const k of [
      'loadBalancer',
      'listener',
      'targetGroup',
      'service',
      'taskDefinition',
      'secret',
      'url',
    ] as const) {
      expect(mcp[k]).toBeDefined();
    }
    expect(mcp.listener.node.path).toBe('Test/Mcp/LoadBalancer/Https');
    expect(mcp.serverSettings.authMode).toBe('oauth');
  });
});

describe('McpFargateService options', () => {
  test('idleTimeout is the ALB attribute', () => {
    const { template } = synthService({ idleTimeout: Duration.seconds(120) });
    expect(lbAttributes(template)['idle_timeout.timeout_seconds']).toBe('120');
  });

  test('domainName + hostedZone: a DNS-validated certificate, an alias A record, and a stable public URL', () => {
    const stack = newStack();
    const hostedZone = route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', {
      hostedZoneId: 'Z123',
      zoneName: 'example.com',
    });
    const mcp = new McpFargateService(stack, 'Mcp', {
      ...baseProps(stack),
      certificate: undefined,
      domainName: 'mcp.example.com',
      hostedZone,
    });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::CertificateManager::Certificate', {
      DomainName: 'mcp.example.com',
      ValidationMethod: 'DNS',
      DomainValidationOptions: [{ DomainName: 'mcp.example.com', HostedZoneId: 'Z123' }],
    });
    template.hasResourceProperties('AWS::Route53::RecordSet', {
      Name: 'mcp.example.com.',
      Type: 'A',
      HostedZoneId: 'Z123',
      AliasTarget: {
        DNSName: Match.anyValue(),
        HostedZoneId: { 'Fn::GetAtt': [Match.anyValue(), 'CanonicalHostedZoneID'] },
      },
    });
    expect(mcp.url).toBe('https://mcp.example.com/mcp');
    expect(envMap(container(template))[ENV.publicUrl]).toBe('https://mcp.example.com/mcp');
    Annotations.fromStack(stack).hasNoWarning('*', Match.stringLikeRegexp('domainName'));
  });

  test('certificate + domainName without a zone: the given certificate, no record, URL from the domain', () => {
    const { template, mcp } = synthService({ domainName: 'mcp.example.org' });
    template.resourceCountIs('AWS::CertificateManager::Certificate', 0);
    template.resourceCountIs('AWS::Route53::RecordSet', 0);
    expect(mcp.url).toBe('https://mcp.example.org/mcp');
  });

  test('an explicit publicUrl (e.g. behind a CDN) is the URL and the audience base', () => {
    const { mcp, template } = synthService({
      domainName: 'origin.example.com',
      serverSettings: { oauthIssuer: ISSUER, publicUrl: 'https://mcp.example.com/mcp' },
    });
    expect(mcp.url).toBe('https://mcp.example.com/mcp');
    expect(envMap(container(template))[ENV.publicUrl]).toBe('https://mcp.example.com/mcp');
  });

  test('WAF web ACL association by ARN', () => {
    const arn = 'arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/mcp/abcd';
    const { template, stack, mcp } = synthService({ webAclArn: arn });
    template.hasResourceProperties('AWS::WAFv2::WebACLAssociation', {
      WebACLArn: arn,
      ResourceArn: { Ref: stack.getLogicalId(mcp.loadBalancer.node.defaultChild as elbv2.CfnLoadBalancer) },
    });
    expect(synthService().template.findResources('AWS::WAFv2::WebACLAssociation')).toEqual({});
  });

  test('no autoscaling: a fixed desired count (default 2)', () => {
    const fixed = synthService({ autoScaling: false });
    fixed.template.resourceCountIs('AWS::ApplicationAutoScaling::ScalableTarget', 0);
    expect(onlyResource(fixed.template, 'AWS::ECS::Service').Properties.DesiredCount).toBe(2);
    const three = synthService({ autoScaling: false, desiredCount: 3 });
    expect(onlyResource(three.template, 'AWS::ECS::Service').Properties.DesiredCount).toBe(3);
  });

  test('autoscaling settings', () => {
    const { template } = synthService({
      autoScaling: { minCapacity: 3, maxCapacity: 6, requestsPerTarget: 500, cpuTargetPercent: 45 },
    });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { MinCapacity: 3, MaxCapacity: 6 });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({ TargetValue: 500 }),
    });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({ TargetValue: 45 }),
    });
  });

  test('server settings reach the environment; drain time drives deregistration delay and stopTimeout', () => {
    const { template } = synthService({
      // stateful sessions need exactly one task
      autoScaling: false,
      desiredCount: 1,
      serverSettings: {
        sessionMode: 'stateful',
        oauthIssuer: ISSUER,
        oauthAudience: 'https://mcp.example.com/mcp',
        oauthScopes: ['mcp:tools', 'mcp:read'],
        allowedOrigins: ['https://app.example.com'],
        keepAliveSeconds: 30,
        drainSeconds: 60,
      },
    });
    const env = envMap(container(template));
    expect(env).toMatchObject({
      [ENV.sessionMode]: 'stateful',
      [ENV.oauthAudience]: 'https://mcp.example.com/mcp',
      [ENV.oauthScopes]: 'mcp:tools,mcp:read',
      [ENV.allowedOrigins]: 'https://app.example.com',
      [ENV.keepAliveSeconds]: '30',
      [ENV.drainSeconds]: '60',
    });
    expect(tgAttributes(template)['deregistration_delay.timeout_seconds']).toBe('60');
    expect(container(template).StopTimeout).toBe(65);
  });

  test("authMode 'token': bearer tokens from a generated secret, no issuer needed", () => {
    const { template } = synthService({ serverSettings: { authMode: 'token', oauthIssuer: undefined } });
    const c = container(template);
    expect(envMap(c)[ENV.authMode]).toBe('token');
    expect(c.Secrets.map((s: { Name: string }) => s.Name)).toEqual([ENV.bearerTokens, ENV.requestStateKeys]);
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: {
        GenerateStringKey: ENV.bearerTokens,
        ExcludePunctuation: true,
        SecretStringTemplate: '{}',
      },
    });
    // The generated token passes the server's own rule (the contract's bearerTokenProblem), so the task starts.
    const [tokens] = Object.values(
      template.findResources('AWS::SecretsManager::Secret', {
        Properties: { GenerateSecretString: { GenerateStringKey: ENV.bearerTokens } },
      }),
    );
    const generated = tokens!.Properties.GenerateSecretString;
    expect(generated.PasswordLength).toBeGreaterThanOrEqual(MIN_BEARER_TOKEN_LENGTH);
    expect(bearerTokenProblem('x'.repeat(generated.PasswordLength))).toBeUndefined();
  });

  test('an existing secret is injected field by field, and no secret is created', () => {
    const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:mcp-oauth-AbCdEf';
    const stack = newStack();
    const oauthSecret = secretsmanager.Secret.fromSecretCompleteArn(stack, 'Existing', arn);
    new McpFargateService(
      stack,
      'Mcp',
      baseProps(stack, { secret: oauthSecret, secretFields: [ENV.oauthClientSecret, ENV.bearerTokens] }),
    );
    const template = Template.fromStack(stack);
    // Only the request-state keys' own secret (their value is generated, so not a field of a secret the user fills).
    template.resourceCountIs('AWS::SecretsManager::Secret', 1);
    expect(container(template).Secrets).toEqual([
      { Name: ENV.oauthClientSecret, ValueFrom: `${arn}:${ENV.oauthClientSecret}::` },
      { Name: ENV.bearerTokens, ValueFrom: `${arn}:${ENV.bearerTokens}::` },
      { Name: ENV.requestStateKeys, ValueFrom: { Ref: expect.any(String) } },
    ]);
  });

  test('extra environment and secrets', () => {
    const stack = newStack();
    const other = secretsmanager.Secret.fromSecretCompleteArn(
      stack,
      'Other',
      'arn:aws:secretsmanager:eu-west-1:123456789012:secret:other-AbCdEf',
    );
    new McpFargateService(
      stack,
      'Mcp',
      baseProps(stack, {
        environment: { [ENV.maxBodyBytes]: '1048576', FEATURE_X: 'on' },
        secrets: { UPSTREAM_API_KEY: ecs.Secret.fromSecretsManager(other, 'key') },
      }),
    );
    const c = container(Template.fromStack(stack));
    expect(envMap(c)).toMatchObject({ [ENV.maxBodyBytes]: '1048576', FEATURE_X: 'on' });
    expect(c.Secrets).toContainEqual({
      Name: 'UPSTREAM_API_KEY',
      ValueFrom: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:other-AbCdEf:key::',
    });
  });

  test('cpu, memory, architecture, TLS policy, deletion protection, log retention, NAT gateways', () => {
    const { template } = synthService({
      cpu: 1024,
      memoryLimitMiB: 2048,
      cpuArchitecture: ecs.CpuArchitecture.ARM64,
      sslPolicy: elbv2.SslPolicy.TLS13_13,
      deletionProtection: true,
      logRetention: logs.RetentionDays.TWO_YEARS,
      natGateways: 1,
    });
    const task = onlyResource(template, 'AWS::ECS::TaskDefinition').Properties;
    expect(task).toMatchObject({ Cpu: '1024', Memory: '2048', RuntimePlatform: { CpuArchitecture: 'ARM64' } });
    expect(container(template).Memory).toBe(2048);
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 443,
      SslPolicy: 'ELBSecurityPolicy-TLS13-1-3-2021-06',
    });
    expect(lbAttributes(template)['deletion_protection.enabled']).toBe('true');
    template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 731 });
    template.resourceCountIs('AWS::EC2::NatGateway', 1);
  });

  test('a given access-log bucket is used, none is created', () => {
    const stack = newStack();
    const bucket = new s3.Bucket(stack, 'Central', { encryption: s3.BucketEncryption.S3_MANAGED });
    new McpFargateService(stack, 'Mcp', baseProps(stack, { accessLogsBucket: bucket }));
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::S3::Bucket', 1);
    expect(lbAttributes(template)['access_logs.s3.bucket']).toEqual({
      Ref: stack.getLogicalId(bucket.node.defaultChild as s3.CfnBucket),
    });
  });

  test('a region-agnostic stack works with a given bucket (attributes only)', () => {
    const stack = new Stack(newApp(), 'Agnostic');
    const bucket = s3.Bucket.fromBucketName(stack, 'Logs', 'central-alb-logs');
    new McpFargateService(stack, 'Mcp', baseProps(stack, { accessLogsBucket: bucket }));
    const attrs = lbAttributes(Template.fromStack(stack));
    expect(attrs['access_logs.s3.bucket']).toBe('central-alb-logs');
    expect(attrs['access_logs.s3.enabled']).toBe('true');
  });

  test('a custom container health check replaces the default one', () => {
    const custom = synthService({ containerHealthCheck: { command: ['CMD', '/bin/check'] } });
    expect(container(custom.template).HealthCheck.Command).toEqual(['CMD', '/bin/check']);
  });
});

describe('acknowledgements', () => {
  const acks = (c: { node: { metadata: { type: string; data: unknown }[] } } | undefined): Record<string, string> =>
    Object.assign(
      {},
      ...(c?.node.metadata ?? [])
        .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .map((m) => m.data),
    );

  test('each intended finding is acknowledged with its reason on the resource it concerns', () => {
    const { mcp } = synthService();
    expect(acks(mcp.loadBalancerSecurityGroup)['AwsSolutions::AwsSolutions-EC23']).toMatch(/internet-facing/);
    expect(Object.keys(acks(mcp.accessLogsBucket)).sort()).toEqual([
      'AwsSolutions::AwsSolutions-S1',
      'cdk-validator-cfnguard::s3_bucket_default_encryption_kms_check',
      'cdk-validator-cfnguard::s3_bucket_logging_enabled_check',
      'cdk-validator-cfnguard::s3_bucket_object_lock_enabled_check',
      'cdk-validator-cfnguard::s3_event_notifications_enabled_check',
    ]);
    expect(acks(mcp.secret)['AwsSolutions::AwsSolutions-SMG4']).toBeDefined();
    expect(acks(mcp.requestStateKeysSecret)['AwsSolutions::AwsSolutions-SMG4']).toMatch(/<new>,<old>/);
    expect(acks(mcp.loadBalancer)['cdk-validator-cfnguard::elbv2_deletion_protection_enabled_check']).toBeDefined();
    // Nothing is acknowledged on the tasks' security group or the service.
    expect(acks(mcp.serviceSecurityGroup)).toEqual({});
    expect(acks(mcp.service)).toEqual({});
  });

  test('what the user brings or turns on is not acknowledged for them', () => {
    const stack = newStack();
    const oauthSecret = secretsmanager.Secret.fromSecretCompleteArn(
      stack,
      'S',
      'arn:aws:secretsmanager:eu-west-1:123456789012:secret:mcp-AbCdEf',
    );
    const accessLogsBucket = new s3.Bucket(stack, 'Mine');
    const mcp = new McpFargateService(
      stack,
      'Mcp',
      baseProps(stack, { secret: oauthSecret, accessLogsBucket, deletionProtection: true }),
    );
    expect(acks(accessLogsBucket)).toEqual({});
    expect(acks(mcp.loadBalancer)).toEqual({});
    expect(Object.keys(acks(mcp.taskDefinition))).toEqual(['AwsSolutions::AwsSolutions-ECS2']);
  });
});

describe('McpFargateService default image', () => {
  test('builds the repository Dockerfile as an asset for the task architecture; staging leaves out node_modules', () => {
    const app = newApp();
    const stack = newStack(app);
    new McpFargateService(stack, 'Mcp', { ...baseProps(stack), image: undefined });
    const assembly = app.synth();
    const c = container(Template.fromStack(stack));
    expect(JSON.stringify(c.Image)).toContain('container-assets');
    expect(c.HealthCheck.Command.join(' ')).toContain(`127.0.0.1:${CONTAINER_PORT}${PATHS.healthz}`);
    const manifest = JSON.parse(fs.readFileSync(path.join(assembly.directory, 'Test.assets.json'), 'utf8'));
    const images = Object.values(manifest.dockerImages) as { source: { directory: string; platform?: string } }[];
    expect(images).toHaveLength(1);
    expect(images[0]!.source.platform).toBe('linux/amd64');
    const staged = path.join(assembly.directory, images[0]!.source.directory);
    const entries = fs.readdirSync(staged);
    expect(entries).toEqual(expect.arrayContaining(['Dockerfile', 'package.json', 'package-lock.json', 'server']));
    for (const excluded of ['node_modules', 'cdk.out', '.git', 'cdk.json', 'infra', 'test'])
      expect(entries).not.toContain(excluded);
  });
});
