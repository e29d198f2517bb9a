/**
 * The shared session store (`sessionStore`): an ElastiCache Serverless cache for Valkey that only the tasks reach,
 * a generated password that never appears in the template, and `REDIS_URL` injected as an ECS secret. Expected
 * values come from the server's contract (ENV, REDIS, redisUrl).
 */
import { type App, CfnElement, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { IConstruct } from 'constructs';
import { ENV, REDIS, redisUrl, type ServerSettings } from '../../../server/config/contract';
import {
  McpFargateService,
  McpServerlessSessionStore,
  addComplianceChecks,
  type McpFargateServiceProps,
} from '../../../infra/cdk';
import {
  baseProps,
  container,
  ISSUER,
  newApp,
  newStack,
  onlyResource,
  REGION,
  repoContext,
  synthService,
} from './helpers';

const STATEFUL: ServerSettings = { oauthIssuer: ISSUER, sessionMode: 'stateful' };
const URL_SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:valkey-url-AbCdEf';

/** The logical id of a resource, or of the resource behind an L2 construct. */
const idOf = (stack: Stack, c: IConstruct): string =>
  stack.getLogicalId((c instanceof CfnElement ? c : c.node.defaultChild) as CfnElement);

/** Every security group rule of the template, inline or separate, that concerns `groupId` (a logical id). */
function rulesOf(template: Template, groupId: string): { ingress: any[]; egress: any[] } {
  const sg = template.toJSON().Resources[groupId].Properties;
  const standalone = (type: string) =>
    Object.values(template.findResources(type))
      .map((r) => r.Properties)
      .filter((p) => JSON.stringify(p.GroupId).includes(`"${groupId}"`));
  return {
    ingress: [...(sg.SecurityGroupIngress ?? []), ...standalone('AWS::EC2::SecurityGroupIngress')],
    egress: [...(sg.SecurityGroupEgress ?? []), ...standalone('AWS::EC2::SecurityGroupEgress')],
  };
}

describe('sessionStore: true — a created ElastiCache Serverless cache', () => {
  // Stateful on the default 2 to 10 autoscaled tasks: accepted because the store is shared.
  const { stack, mcp, template } = synthService({ serverSettings: STATEFUL, sessionStore: true });
  const store = mcp.sessionStore as McpServerlessSessionStore;
  const json = JSON.stringify(template.toJSON());

  test('is exposed on the construct: the cache, its security group, its secrets', () => {
    expect(store).toBeInstanceOf(McpServerlessSessionStore);
    expect(store.cache).toBeDefined();
    expect(store.securityGroup).toBeDefined();
    expect(store.redisUrlSecret).toBeDefined();
    expect(store.node.path).toBe('Test/Mcp/SessionStore');
  });

  test('one Valkey 8 serverless cache, in the private subnets of the tasks, behind its own security group', () => {
    const cache = onlyResource(template, 'AWS::ElastiCache::ServerlessCache').Properties;
    expect(cache.Engine).toBe('valkey');
    expect(cache.MajorEngineVersion).toBe('8');
    expect(cache.ServerlessCacheName).toMatch(/^[a-z][a-z0-9-]{0,39}$/);
    expect(cache.ServerlessCacheName).not.toMatch(/--|-$/);
    const taskSubnets = onlyResource(template, 'AWS::ECS::Service').Properties.NetworkConfiguration.AwsvpcConfiguration
      .Subnets;
    const privateSubnets = mcp.vpc.privateSubnets.map((s) => stack.resolve(s.subnetId));
    expect(privateSubnets).toHaveLength(2);
    expect(cache.SubnetIds).toEqual(privateSubnets);
    expect(cache.SubnetIds).toEqual(taskSubnets);
    expect(cache.SecurityGroupIds).toEqual([{ 'Fn::GetAtt': [idOf(stack, store.securityGroup), 'GroupId'] }]);
    expect(cache.UserGroupId).toEqual({ Ref: idOf(stack, store.userGroup) });
    expect(cache.CacheUsageLimits).toBeUndefined();
  });

  test('network: the cache admits TCP 6379 from the tasks’ security group and nothing else; no egress', () => {
    const cacheSg = idOf(stack, store.securityGroup);
    const serviceSg = idOf(stack, mcp.serviceSecurityGroup);
    const { ingress, egress } = rulesOf(template, cacheSg);
    expect(ingress).toEqual([
      {
        IpProtocol: 'tcp',
        FromPort: REDIS.port,
        ToPort: REDIS.port,
        GroupId: { 'Fn::GetAtt': [cacheSg, 'GroupId'] },
        SourceSecurityGroupId: { 'Fn::GetAtt': [serviceSg, 'GroupId'] },
        Description: expect.any(String),
      },
    ]);
    // allowAllOutbound: false renders CDK's placeholder rule that matches no traffic.
    expect(egress).toEqual([
      expect.objectContaining({ CidrIp: '255.255.255.255/32', Description: 'Disallow all traffic' }),
    ]);
    const rules = JSON.stringify([ingress, egress]);
    expect(rules).not.toContain('0.0.0.0/0');
    expect(rules).not.toContain('::/0');
    // The tasks' group, which allows only 443 out, gets egress to the cache on 6379 (and nowhere else on 6379).
    const serviceEgress = rulesOf(template, serviceSg).egress;
    expect(serviceEgress.filter((r) => r.FromPort === REDIS.port)).toEqual([
      expect.objectContaining({
        IpProtocol: 'tcp',
        ToPort: REDIS.port,
        DestinationSecurityGroupId: { 'Fn::GetAtt': [cacheSg, 'GroupId'] },
      }),
    ]);
  });

  test('RBAC: one user named default with a password from the generated secret, alone in the cache’s user group', () => {
    const user = onlyResource(template, 'AWS::ElastiCache::User').Properties;
    const pwId = idOf(stack, store.passwordSecret);
    expect(user).toMatchObject({ Engine: 'valkey', UserName: 'default', AccessString: 'on ~* &* +@all' });
    expect(user.NoPasswordRequired).toBeUndefined();
    expect(user.AuthenticationMode).toEqual({
      Type: 'password',
      Passwords: [{ 'Fn::Join': ['', ['{{resolve:secretsmanager:', { Ref: pwId }, ':SecretString:password::}}']] }],
    });
    const group = onlyResource(template, 'AWS::ElastiCache::UserGroup').Properties;
    expect(group).toMatchObject({ Engine: 'valkey', UserIds: [{ Ref: idOf(stack, store.user) }] });
    // Generated by Secrets Manager at deploy: alphanumeric (no encoding in the URL), long.
    const pw = template.toJSON().Resources[pwId].Properties;
    expect(pw.SecretString).toBeUndefined();
    expect(pw.GenerateSecretString).toMatchObject({
      GenerateStringKey: 'password',
      ExcludePunctuation: true,
      PasswordLength: 64,
    });
  });

  test('REDIS_URL is an ECS secret from the URL secret, never in Environment', () => {
    const c = container(template);
    const names = (c.Environment as { Name: string }[]).map((e) => e.Name);
    expect(names).not.toContain(ENV.redisUrl);
    expect(c.Secrets).toContainEqual({ Name: ENV.redisUrl, ValueFrom: { Ref: idOf(stack, store.redisUrlSecret) } });
    // ElastiCache Serverless is a Redis Cluster endpoint: the server is told to connect as a cluster client.
    expect(c.Environment).toContainEqual({ Name: ENV.redisClusterMode, Value: 'true' });
  });

  test('the URL secret is the contract’s rediss:// URL, composed by CloudFormation from the endpoint and the password reference', () => {
    const secret = template.toJSON().Resources[idOf(stack, store.redisUrlSecret)].Properties;
    const parts = secret.SecretString['Fn::Join'][1] as unknown[];
    // Put stand-ins for the two deploy-time values and compare with the contract's own format.
    const text = parts
      .map((p) => {
        if (typeof p === 'string')
          return p.replace(/\{\{resolve:secretsmanager:$/, '').replace(/^:SecretString:password::\}\}/, '');
        const s = JSON.stringify(p);
        if (s === JSON.stringify({ Ref: idOf(stack, store.passwordSecret) })) return 'PASSWORD';
        if (s === JSON.stringify({ 'Fn::GetAtt': [idOf(stack, store.cache), 'Endpoint.Address'] })) return 'HOST';
        throw new Error(`unexpected part ${s}`);
      })
      .join('');
    expect(text).toBe(redisUrl('HOST', { password: 'PASSWORD', port: REDIS.port, tls: true }));
    expect(text.startsWith('rediss://')).toBe(true);
  });

  test('no plaintext password: the password secret is used only through dynamic references', () => {
    const pwId = idOf(stack, store.passwordSecret);
    // Every mention of the password secret, apart from its own definition, is the id of a {{resolve:…}} reference.
    const mentions = json.split(`{"Ref":"${pwId}"}`);
    expect(mentions.length).toBe(3); // the user's password and the URL
    for (const before of mentions.slice(0, -1)) expect(before).toMatch(/\{\{resolve:secretsmanager:"?,?$/);
    for (const after of mentions.slice(1)) expect(after).toMatch(/^,?":SecretString:password::\}\}/);
    // No literal secret string anywhere but the created OAuth secret's empty field.
    const literal = Object.values(template.findResources('AWS::SecretsManager::Secret'))
      .map((r) => r.Properties.SecretString)
      .filter((s) => typeof s === 'string');
    expect(literal).toEqual([JSON.stringify({ [ENV.oauthClientSecret]: '' })]);
    expect(json).not.toMatch(/"Passwords":\["[^"]/);
  });

  test('least privilege: the execution role reads the URL secret, nothing reads the password secret', () => {
    const policies = Object.values(template.findResources('AWS::IAM::Policy')).map((p) => p.Properties);
    const exec = policies.filter((p) =>
      JSON.stringify(p.Roles).includes(idOf(stack, mcp.taskDefinition.executionRole!)),
    );
    const reads = (exec[0]!.PolicyDocument.Statement as any[])
      .filter((s) => [s.Action].flat().includes('secretsmanager:GetSecretValue'))
      .flatMap((s) => [s.Resource].flat());
    expect(reads).toEqual([
      { Ref: idOf(stack, mcp.secret) },
      { Ref: idOf(stack, store.redisUrlSecret) },
      { Ref: idOf(stack, mcp.requestStateKeysSecret!) },
    ]);
    expect(JSON.stringify(policies)).not.toContain(idOf(stack, store.passwordSecret));
    const taskRole = idOf(stack, mcp.taskDefinition.taskRole);
    expect(policies.filter((p) => JSON.stringify(p.Roles).includes(taskRole))).toEqual([]);
  });

  test('the intended findings are acknowledged on the store’s two secrets only', () => {
    const acks = (c: { node: { metadata: { type: string; data: unknown }[] } }) =>
      Object.assign(
        {},
        ...c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY).map((m) => m.data),
      );
    expect(Object.keys(acks(store.passwordSecret))).toEqual(['AwsSolutions::AwsSolutions-SMG4']);
    expect(Object.keys(acks(store.redisUrlSecret))).toEqual(['AwsSolutions::AwsSolutions-SMG4']);
    expect(acks(store.securityGroup)).toEqual({});
    expect(acks(store.cache)).toEqual({});
  });
});

describe('sessionStore on stateless tasks — the store carries 2026-07-28 listen notifications between tasks', () => {
  test('two stateless tasks: the cache is created and REDIS_URL injected as for stateful sessions', () => {
    const { stack, mcp, template } = synthService({ autoScaling: false, desiredCount: 2, sessionStore: true });
    const store = mcp.sessionStore as McpServerlessSessionStore;
    expect(store).toBeInstanceOf(McpServerlessSessionStore);
    template.resourceCountIs('AWS::ElastiCache::ServerlessCache', 1);
    const c = container(template);
    expect(c.Secrets).toContainEqual({ Name: ENV.redisUrl, ValueFrom: { Ref: idOf(stack, store.redisUrlSecret) } });
    expect(c.Environment).toContainEqual({ Name: ENV.redisClusterMode, Value: 'true' });
    // Stateless: the server's default session mode, so the construct sets nothing stateful.
    expect(c.Environment).not.toContainEqual(expect.objectContaining({ Name: ENV.sessionMode, Value: 'stateful' }));
    expect(onlyResource(template, 'AWS::ECS::Service').Properties.DesiredCount).toBe(2);
  });

  test('an existing store on the default autoscaled tasks: its URL is injected', () => {
    const stack = newStack();
    const redisUrlSecret = secretsmanager.Secret.fromSecretCompleteArn(stack, 'Url', URL_SECRET_ARN);
    new McpFargateService(stack, 'Mcp', { ...baseProps(stack), sessionStore: { redisUrlSecret, field: 'url' } });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::ElastiCache::ServerlessCache', 0);
    expect(container(template).Secrets).toContainEqual({ Name: ENV.redisUrl, ValueFrom: `${URL_SECRET_ARN}:url::` });
  });

  test('exactly one stateless task: refused, every listen stream is in that task and nothing reads the store', () => {
    const stack = newStack();
    expect(
      () =>
        new McpFargateService(stack, 'Mcp', {
          ...baseProps(stack),
          autoScaling: false,
          desiredCount: 1,
          sessionStore: true,
        }),
    ).toThrow(
      "sessionStore is used only by sessionMode 'stateful', authMode 'broker', and 2026-07-28 listen streams on " +
        'several tasks (which hear list changes made on another task through it); this service runs one task, where ' +
        'stateless requests keep nothing between them and every listen stream is in that task, so it would be a ' +
        "billed cache that nothing reads: set `serverSettings: { sessionMode: 'stateful' }` (in the app: " +
        '-c sessionMode=stateful), or remove sessionStore',
    );
  });

  test('stateful sessions unchanged: one task with a store, several with a store, several without refused', () => {
    const one = synthService({ serverSettings: STATEFUL, autoScaling: false, desiredCount: 1, sessionStore: true });
    expect(container(one.template).Secrets).toContainEqual(expect.objectContaining({ Name: ENV.redisUrl }));
    const several = synthService({ serverSettings: STATEFUL, autoScaling: false, desiredCount: 2, sessionStore: true });
    expect(container(several.template).Secrets).toContainEqual(expect.objectContaining({ Name: ENV.redisUrl }));
    expect(() => synthService({ serverSettings: STATEFUL, autoScaling: false, desiredCount: 2 })).toThrow(
      /sessionMode 'stateful' needs exactly one task, and this service runs 2 tasks/,
    );
  });
});

describe('sessionStore options', () => {
  test('usage limits and a customer-managed key', () => {
    const stack = newStack();
    const encryptionKey = new kms.Key(stack, 'CacheKey', { enableKeyRotation: true });
    const mcp = new McpFargateService(stack, 'Mcp', {
      ...baseProps(stack, { serverSettings: STATEFUL }),
      sessionStore: { maxDataStorageGB: 10, maxEcpuPerSecond: 5000, encryptionKey },
    });
    const cache = onlyResource(Template.fromStack(stack), 'AWS::ElastiCache::ServerlessCache').Properties;
    expect(cache.CacheUsageLimits).toEqual({
      DataStorage: { Maximum: 10, Unit: 'GB' },
      ECPUPerSecond: { Maximum: 5000 },
    });
    expect(cache.KmsKeyId).toEqual({ 'Fn::GetAtt': [idOf(stack, encryptionKey), 'Arn'] });
    expect(mcp.sessionStore).toBeInstanceOf(McpServerlessSessionStore);
  });

  test('an existing store: its URL secret (a JSON field) is injected, no cache is created, its group is opened to the tasks', () => {
    const stack = newStack();
    const redisUrlSecret = secretsmanager.Secret.fromSecretCompleteArn(stack, 'Url', URL_SECRET_ARN);
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
    const securityGroup = ec2.SecurityGroup.fromSecurityGroupId(stack, 'StoreSg', 'sg-0123456789abcdef0');
    const mcp = new McpFargateService(stack, 'Mcp', {
      ...baseProps(stack, { serverSettings: STATEFUL, vpc }),
      sessionStore: { redisUrlSecret, field: 'url', securityGroup },
    });
    const template = Template.fromStack(stack);
    for (const type of ['AWS::ElastiCache::ServerlessCache', 'AWS::ElastiCache::User', 'AWS::ElastiCache::UserGroup'])
      template.resourceCountIs(type, 0);
    expect(container(template).Secrets).toContainEqual({ Name: ENV.redisUrl, ValueFrom: `${URL_SECRET_ARN}:url::` });
    expect(mcp.sessionStore).toEqual({ redisUrlSecret, redisUrlField: 'url' });
    const serviceSg = idOf(stack, mcp.serviceSecurityGroup);
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: 'sg-0123456789abcdef0',
      IpProtocol: 'tcp',
      FromPort: REDIS.port,
      ToPort: REDIS.port,
      SourceSecurityGroupId: { 'Fn::GetAtt': [serviceSg, 'GroupId'] },
    });
    expect(rulesOf(template, serviceSg).egress).toContainEqual(
      expect.objectContaining({
        FromPort: REDIS.port,
        ToPort: REDIS.port,
        DestinationSecurityGroupId: 'sg-0123456789abcdef0',
      }),
    );
  });

  test('an existing store without a security group: the whole secret is the URL, and no rule is added', () => {
    const stack = newStack();
    const redisUrlSecret = secretsmanager.Secret.fromSecretCompleteArn(stack, 'Url', URL_SECRET_ARN);
    new McpFargateService(stack, 'Mcp', {
      ...baseProps(stack, { serverSettings: STATEFUL }),
      sessionStore: { redisUrlSecret, port: 6380 },
    });
    const template = Template.fromStack(stack);
    expect(container(template).Secrets).toContainEqual({ Name: ENV.redisUrl, ValueFrom: URL_SECRET_ARN });
    expect(JSON.stringify(template.findResources('AWS::EC2::SecurityGroupEgress'))).not.toMatch(
      /"FromPort":(6379|6380)/,
    );
    expect(JSON.stringify(template.findResources('AWS::EC2::SecurityGroupIngress'))).not.toMatch(
      /"FromPort":(6379|6380)/,
    );
  });

  test('an imported VPC: the cache goes in its private subnets, one per AZ; one AZ is refused', () => {
    const stack = newStack();
    const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
      vpcId: 'vpc-0123456789abcdef0',
      availabilityZones: ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'],
      publicSubnetIds: ['subnet-0a1aaaaaaaaaaaaaa', 'subnet-0b1bbbbbbbbbbbbbb', 'subnet-0c1cccccccccccccc'],
      privateSubnetIds: ['subnet-0a2aaaaaaaaaaaaaa', 'subnet-0b2bbbbbbbbbbbbbb', 'subnet-0c2cccccccccccccc'],
    });
    new McpFargateService(stack, 'Mcp', { ...baseProps(stack, { serverSettings: STATEFUL, vpc }), sessionStore: true });
    expect(onlyResource(Template.fromStack(stack), 'AWS::ElastiCache::ServerlessCache').Properties.SubnetIds).toEqual([
      'subnet-0a2aaaaaaaaaaaaaa',
      'subnet-0b2bbbbbbbbbbbbbb',
      'subnet-0c2cccccccccccccc',
    ]);

    const one = newStack();
    const oneAz = ec2.Vpc.fromVpcAttributes(one, 'Vpc', {
      vpcId: 'vpc-0123456789abcdef0',
      availabilityZones: ['eu-west-1a'],
      publicSubnetIds: ['subnet-0a1aaaaaaaaaaaaaa'],
      privateSubnetIds: ['subnet-0a2aaaaaaaaaaaaaa'],
    });
    expect(
      () =>
        new McpFargateService(one, 'Mcp', {
          ...baseProps(one, { serverSettings: STATEFUL, vpc: oneAz }),
          sessionStore: true,
        }),
    ).toThrow(/sessionStore needs the tasks' subnets in at least two Availability Zones/);
  });
});

describe('validators with the session store', () => {
  function checkedApp(sessionStore: McpFargateServiceProps['sessionStore']): { app: App; stack: Stack } {
    const app = newApp({ context: repoContext() });
    const stack = new Stack(app, 'Store', { env: { region: REGION } });
    new McpFargateService(
      stack,
      'Mcp',
      baseProps(stack, { domainName: 'mcp.example.com', serverSettings: STATEFUL, sessionStore }),
    );
    addComplianceChecks(app, { verbose: false });
    return { app, stack };
  }

  test('cdk-nag and cfn-guard pass: every finding of the store is fixed or acknowledged', () => {
    expect(() => checkedApp(true).app.synth()).not.toThrow();
  });

  test('the acknowledgements stay on the store’s secrets: another secret without rotation still fails', () => {
    const { app, stack } = checkedApp({ maxDataStorageGB: 1 });
    new secretsmanager.Secret(stack, 'Unreviewed');
    let message = '';
    try {
      app.synth();
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/Store\/Unreviewed\/Resource[\s\S]*AwsSolutions-SMG4/);
    expect(message).not.toContain('SessionStore');
  });
});
