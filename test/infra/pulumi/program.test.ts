/**
 * The Pulumi program (infra/pulumi/program.ts, run by index.ts) under mocks with stack configuration from
 * `pulumi.runtime.setAllConfig`: what each cloud's stack deploys, and how bad configuration fails.
 */
import * as pulumi from '@pulumi/pulumi';
import { ENV } from '../../../server/config/contract';
import {
  PROGRAM_BASE,
  AWS_ACCOUNT,
  GCP_PROJECT,
  GCP_PROJECT_NUMBER,
  configErrorOf,
  isSecretValue,
  plainStrings,
  setConfig,
  settle,
  mockCloudPerTest,
  valueOf,
  warningsDuring,
} from './mocks';

let program: typeof import('../../../infra/pulumi/program');
const cloud = mockCloudPerTest(
  async () => {
    program = await import('../../../infra/pulumi/program');
  },
  { resetConfig: true },
);

const ISSUER = 'https://auth.example.com';
/** Bearer tokens the server accepts (at least 16 characters). */
const TOKEN_A = 'tok-aaaaaaaaaaaaaaaa';
const TOKEN_B = 'tok-bbbbbbbbbbbbbbbb';
const GCP: Record<string, string> = {
  ...PROGRAM_BASE.gcp,
  oauthIssuer: ISSUER,
};
const T_LB = 'aws:lb/loadBalancer:LoadBalancer';
const AWS: Record<string, string> = {
  ...PROGRAM_BASE.aws,
  oauthIssuer: ISSUER,
};

/** Runs the program with `config` and returns the error it must throw; nothing may have been created. */
async function failure(config: Record<string, string | undefined>, secretKeys: string[] = []): Promise<string> {
  const clean = Object.fromEntries(Object.entries(config).filter((e): e is [string, string] => e[1] !== undefined));
  setConfig(clean, secretKeys);
  return (await configErrorOf(cloud, () => program.runProgram())).message;
}

async function run(config: Record<string, string>, secretKeys: string[] = []) {
  setConfig(config, secretKeys);
  const outputs = program.runProgram();
  if (outputs.mcpUrl) await valueOf(outputs.mcpUrl);
  await settle();
  return outputs;
}

function withoutEnv<T>(names: string[], f: () => Promise<T>): Promise<T> {
  const saved = names.map((n) => [n, process.env[n]] as const);
  names.forEach((n) => delete process.env[n]);
  return f().finally(() => {
    for (const [n, v] of saved) if (v !== undefined) process.env[n] = v;
  });
}

describe('configuration errors name the key', () => {
  test('cloud missing or invalid', async () => {
    expect(await failure({})).toBe(
      "Missing configuration remote-mcp-stacks:cloud: choose where to deploy, 'gcp' (Cloud Run) or 'aws' (ECS Fargate) (pulumi config set cloud gcp)",
    );
    expect(await failure({ cloud: 'azure' })).toBe(
      "Invalid configuration remote-mcp-stacks:cloud: must be one of 'gcp', 'aws', got 'azure'",
    );
  });

  test('gcp: provider project and region', async () => {
    await withoutEnv(
      ['GOOGLE_PROJECT', 'GOOGLE_CLOUD_PROJECT', 'GCLOUD_PROJECT', 'CLOUDSDK_CORE_PROJECT'],
      async () => {
        expect(await failure({ ...GCP, 'gcp:project': undefined })).toMatch(
          /^Missing configuration gcp:project: .*\(pulumi config set gcp:project <project-id>\)$/,
        );
      },
    );
    await withoutEnv(['GOOGLE_REGION', 'GCLOUD_REGION', 'CLOUDSDK_COMPUTE_REGION'], async () => {
      expect(await failure({ ...GCP, 'gcp:region': undefined })).toMatch(/^Missing configuration gcp:region/);
    });
  });

  test('gcp: request timeout 4000 s, or not above the keep-alive', async () => {
    expect(await failure({ ...GCP, requestTimeoutSeconds: '4000' })).toBe(
      'Invalid configuration remote-mcp-stacks:requestTimeoutSeconds: must be from 1 to 3600, got 4000',
    );
    expect(await failure({ ...GCP, requestTimeoutSeconds: '10' })).toMatch(
      /^Invalid configuration remote-mcp-stacks:requestTimeoutSeconds: must exceed keepAliveSeconds \(15\)/,
    );
    expect(await failure({ ...GCP, requestTimeoutSeconds: '30', keepAliveSeconds: '30' })).toMatch(
      /requestTimeoutSeconds: must exceed keepAliveSeconds \(30\)/,
    );
  });

  test('gcp: drain longer than Cloud Run allows, concurrency, sizes', async () => {
    expect(await failure({ ...GCP, drainSeconds: '9' })).toMatch(
      /^Invalid configuration remote-mcp-stacks:drainSeconds: must be at most 8 on Cloud Run/,
    );
    expect(await failure({ ...GCP, concurrency: '0' })).toMatch(
      /remote-mcp-stacks:concurrency: must be from 1 to 1000/,
    );
    expect(await failure({ ...GCP, memory: '1GB' })).toMatch(/remote-mcp-stacks:memory: on gcp looks like/);
    expect(await failure({ ...GCP, serviceName: 'a'.repeat(50) })).toMatch(
      /remote-mcp-stacks:serviceName: must be at most 49 characters on Cloud Run/,
    );
    expect(await failure({ ...GCP, publicAccess: 'public' })).toMatch(/remote-mcp-stacks:publicAccess: must be one of/);
  });

  test('gcp: without image nor image repository there is nothing to deploy', async () => {
    expect(await failure({ ...GCP, image: undefined, createImageRepository: 'false' })).toMatch(
      /^Missing configuration remote-mcp-stacks:image/,
    );
  });

  test('aws: certificate, image, region are required; a network is all of its keys', async () => {
    expect(await failure({ ...AWS, certificateArn: undefined })).toMatch(
      /^Missing configuration remote-mcp-stacks:certificateArn: .*\(pulumi config set certificateArn arn:aws:acm:/,
    );
    expect(await failure({ ...AWS, certificateArn: 'my-cert' })).toBe(
      "Invalid configuration remote-mcp-stacks:certificateArn: must be an ACM certificate ARN, got 'my-cert'",
    );
    expect(await failure({ ...AWS, image: undefined })).toMatch(/^Missing configuration remote-mcp-stacks:image/);
    // A network is all three keys, or none (then it is created): a partial one is refused, naming what is missing.
    expect(await failure({ ...AWS, vpcId: undefined })).toMatch(
      /^Missing configuration remote-mcp-stacks:vpcId: .*or unset all three: a network is created/,
    );
    expect(await failure({ ...AWS, publicSubnetIds: undefined })).toMatch(
      /^Missing configuration remote-mcp-stacks:publicSubnetIds: .*comma-separated .*\(pulumi config set publicSubnetIds subnet-aaa,subnet-bbb\)$/,
    );
    expect(await failure({ ...AWS, privateSubnetIds: '[]' })).toMatch(
      /^Missing configuration remote-mcp-stacks:privateSubnetIds/,
    );
    // What the CLI passes for a key left at its empty default in Pulumi.yaml: still missing.
    expect(await failure({ ...AWS, privateSubnetIds: '' })).toMatch(
      /^Missing configuration remote-mcp-stacks:privateSubnetIds/,
    );
    await withoutEnv(['AWS_REGION', 'AWS_DEFAULT_REGION'], async () => {
      expect(await failure({ ...AWS, 'aws:region': undefined })).toMatch(
        /^Missing configuration aws:region: .*\(pulumi config set aws:region us-east-1\)$/,
      );
    });
  });

  test('aws: without vpcId the program creates the network (natGateways applies only to it)', async () => {
    const out = await run({ ...AWS, vpcId: '', publicSubnetIds: '', privateSubnetIds: '', natGateways: '1' });
    expect(await valueOf(out.mcpUrl!)).toBe('https://mcp.example.com/mcp');
    expect(cloud.ofType('aws:ec2/vpc:Vpc')).toHaveLength(1);
    expect(cloud.ofType('aws:ec2/natGateway:NatGateway')).toHaveLength(1);
    expect(cloud.one(T_LB).inputs.subnets).toEqual(['remote-mcp-net-public-0-id', 'remote-mcp-net-public-1-id']);
    cloud.reset();
    await run(AWS);
    expect(cloud.ofType('aws:ec2/vpc:Vpc')).toEqual([]);
    cloud.reset();
    expect(await failure({ ...AWS, natGateways: '1' })).toBe(
      'Invalid configuration remote-mcp-stacks:natGateways: applies only to the created network: unset it with vpcId',
    );
    expect(await failure({ ...AWS, vpcId: '', publicSubnetIds: '', privateSubnetIds: '', natGateways: '3' })).toBe(
      'Invalid configuration remote-mcp-stacks:natGateways: must be from 1 to 2, got 3',
    );
  });

  test('aws: idle timeout, drain, scaling, sizes', async () => {
    expect(await failure({ ...AWS, idleTimeoutSeconds: '4001' })).toBe(
      'Invalid configuration remote-mcp-stacks:idleTimeoutSeconds: must be from 1 to 4000, got 4001',
    );
    expect(await failure({ ...AWS, idleTimeoutSeconds: '10' })).toMatch(
      /idleTimeoutSeconds: must exceed the server's keepAliveSeconds \(15 s\)/,
    );
    expect(await failure({ ...AWS, drainSeconds: '116' })).toMatch(
      /remote-mcp-stacks:drainSeconds: must be at most 115 on Fargate/,
    );
    expect(await failure({ ...AWS, minInstances: '0' })).toMatch(
      /remote-mcp-stacks:minInstances: must be at least 1 on aws/,
    );
    expect(await failure({ ...AWS, minInstances: '4', maxInstances: '2' })).toMatch(
      /remote-mcp-stacks:maxInstances: must be at least minInstances \(4\)/,
    );
    expect(await failure({ ...AWS, logRetentionDays: '31' })).toMatch(
      /^Invalid configuration remote-mcp-stacks:logRetentionDays: must be one of CloudWatch's values/,
    );
    expect(await failure({ ...AWS, cpu: '0.5' })).toMatch(/remote-mcp-stacks:cpu: on aws is Fargate CPU units/);
    expect(await failure({ ...AWS, cpuArchitecture: 'arm' })).toMatch(
      /remote-mcp-stacks:cpuArchitecture: must be one of 'X86_64', 'ARM64'/,
    );
    expect(await failure({ ...AWS, serviceName: 'a-service-name-far-too-long' })).toMatch(
      /remote-mcp-stacks:serviceName: must be at most 20 characters on aws/,
    );
    expect(await failure({ ...AWS, serviceName: 'a'.repeat(21) })).toMatch(
      /remote-mcp-stacks:serviceName: must be at most 20 characters on aws/,
    );
    expect(await failure({ ...AWS, hostedZoneId: 'Z1', domainName: undefined })).toMatch(
      /^Missing configuration remote-mcp-stacks:domainName/,
    );
  });

  test('server settings: auth mode, issuer, tokens, values', async () => {
    expect(await failure({ ...GCP, authMode: 'dev' })).toBe(
      "Invalid configuration remote-mcp-stacks:authMode: 'dev' only runs on loopback; a deployed service needs 'oauth', 'token' or 'broker'",
    );
    expect(await failure({ ...GCP, authMode: 'saml' })).toMatch(
      /remote-mcp-stacks:authMode: must be one of 'none', 'dev', 'oauth', 'token', 'broker'/,
    );
    expect(await failure({ ...GCP, oauthIssuer: undefined })).toMatch(
      /^Missing configuration remote-mcp-stacks:oauthIssuer: .*\(pulumi config set oauthIssuer https:/,
    );
    expect(await failure({ ...GCP, oauthIssuer: 'http://auth.example.com' })).toBe(
      'Invalid configuration remote-mcp-stacks:oauthIssuer: oauthIssuer must be an https:// URL, got http://auth.example.com',
    );
    expect(await failure({ ...GCP, authMode: 'token', oauthIssuer: undefined })).toMatch(
      /^Missing configuration remote-mcp-stacks:bearerTokens: .*\(pulumi config set --secret bearerTokens <token1>,<token2>\)$/,
    );
    expect(
      await failure({ ...GCP, authMode: 'token', oauthIssuer: undefined, bearerTokens: '' }, ['bearerTokens']),
    ).toMatch(/^Missing configuration remote-mcp-stacks:bearerTokens/);
    expect(await failure({ ...GCP, oauthIntrospectionUrl: 'https://auth.example.com/introspect' })).toMatch(
      /^Missing configuration remote-mcp-stacks:oauthClientId/,
    );
    expect(
      await failure({ ...GCP, oauthIntrospectionUrl: 'https://auth.example.com/introspect', oauthClientId: 'mcp' }),
    ).toMatch(
      /^Missing configuration remote-mcp-stacks:oauthClientSecret: .*\(pulumi config set --secret oauthClientSecret <client secret>\)$/,
    );
    expect(await failure({ ...GCP, keepAliveSeconds: 'soon' })).toBe(
      "Invalid configuration remote-mcp-stacks:keepAliveSeconds: must be a whole number, got 'soon'",
    );
    expect(await failure({ ...GCP, sessionMode: 'sticky' })).toMatch(
      /remote-mcp-stacks:sessionMode: must be one of 'stateless', 'stateful'/,
    );
    expect(await failure({ ...GCP, domainName: 'https://mcp.example.com' })).toMatch(
      /remote-mcp-stacks:domainName: must be a host name/,
    );
    expect(await failure({ ...GCP, serviceName: 'Remote' })).toMatch(
      /remote-mcp-stacks:serviceName: must be lowercase/,
    );
    expect(await failure({ ...GCP, deletionProtection: 'yes' })).toMatch(
      /remote-mcp-stacks:deletionProtection: must be true or false/,
    );
    expect(await failure({ ...GCP, oauthScopes: '["a", 3]' })).toMatch(
      /remote-mcp-stacks:oauthScopes: must be a list of strings/,
    );
    expect(await failure({ ...GCP, publicUrl: 'https://x/mcp?q=1', oauthIssuer: 'ftp://x' })).toMatch(
      /remote-mcp-stacks:oauthIssuer/,
    );
    // checked by the contract, as the server checks it at start-up
    expect(await failure({ ...GCP, publicUrl: 'https://x.example.com/mcp?q=1' })).toBe(
      'Invalid configuration remote-mcp-stacks:publicUrl: publicUrl must not contain a query or fragment, got https://x.example.com/mcp?q=1',
    );
  });
});

describe('secret values are Pulumi secrets before any provider sees them', () => {
  test('secret configuration is read as Pulumi secrets', async () => {
    const { readProgramConfig } = await import('../../../infra/pulumi/config');
    setConfig({ ...GCP, oauthClientSecret: 'read-me-1', bearerTokens: TOKEN_A }, ['oauthClientSecret', 'bearerTokens']);
    const config = readProgramConfig();
    const clientSecret = pulumi.output(config.secrets.oauthClientSecret!);
    const tokens = pulumi.output(config.secrets.bearerTokens!);
    expect(await pulumi.isSecret(clientSecret)).toBe(true);
    expect(await pulumi.isSecret(tokens)).toBe(true);
    expect(await valueOf(clientSecret)).toBe('read-me-1');
    expect(await valueOf(tokens)).toBe(TOKEN_A);
  });

  test('the components wrap every secret value, plain strings and lists included', async () => {
    const { secretEntries } = await import('../../../infra/pulumi/common/server-settings');
    const entries = secretEntries({ oauthClientSecret: 'plain-1', bearerTokens: [TOKEN_A, TOKEN_B] });
    expect(entries.map((e) => e.env)).toEqual([ENV.oauthClientSecret, ENV.bearerTokens]);
    for (const e of entries) expect(await pulumi.isSecret(e.value)).toBe(true);
    expect(await valueOf(entries[1]!.value)).toBe(`${TOKEN_A},${TOKEN_B}`);
    expect(secretEntries(undefined)).toEqual([]);
  });
});

describe('gcp stack', () => {
  test('an image repository beside the Cloud Run service, every setting from the configuration', async () => {
    const outputs = await run({
      ...GCP,
      oauthScopes: '["mcp:tools","mcp:read"]',
      allowedOrigins: 'https://a.example.com, https://b.example.com',
      minInstances: '1',
      maxInstances: '4',
      requestTimeoutSeconds: '1800',
      deletionProtection: 'false',
    });
    expect(outputs.cloud).toBe('gcp');
    expect(cloud.ofType('remote-mcp-stacks:gcp:McpImageRepository').map((r) => r.name)).toEqual(['remote-mcp-images']);
    expect(cloud.ofType('remote-mcp-stacks:gcp:McpCloudRunService').map((r) => r.name)).toEqual(['remote-mcp']);
    expect(cloud.ofType('gcp:artifactregistry/repository:Repository')).toHaveLength(1);
    const service = cloud.one('gcp:cloudrunv2/service:Service');
    expect(service.inputs.deletionProtection).toBe(false);
    expect(service.inputs.template).toMatchObject({
      timeout: '1800s',
      scaling: { minInstanceCount: 1, maxInstanceCount: 4 },
      maxInstanceRequestConcurrency: 200,
    });
    const env = Object.fromEntries(
      service.inputs.template.containers[0].envs
        .filter((e: { value?: string }) => e.value)
        .map((e: { name: string; value: string }) => [e.name, e.value]),
    );
    expect(env[ENV.oauthScopes]).toBe('mcp:tools,mcp:read');
    expect(env[ENV.allowedOrigins]).toBe('https://a.example.com,https://b.example.com');
    expect(env[ENV.drainSeconds]).toBe('8');
    const url = `https://remote-mcp-${GCP_PROJECT_NUMBER}.europe-west1.run.app/mcp`;
    expect(await valueOf(outputs.mcpUrl!)).toBe(url);
    expect(await valueOf(outputs.imageRepository!)).toBe(`europe-west1-docker.pkg.dev/${GCP_PROJECT}/remote-mcp`);
    expect((await valueOf(outputs.clientConfig!)).claudeCode).toBe(`claude mcp add --transport http remote-mcp ${url}`);
  });

  test('secret configuration stays secret from `config --secret` to the secret version', async () => {
    const tokens = `cfg-tok-1-${TOKEN_A},cfg-tok-2-${TOKEN_B}`;
    await run({ ...GCP, oauthClientSecret: 'cfg-secret-1', bearerTokens: tokens }, [
      'oauthClientSecret',
      'bearerTokens',
    ]);
    // Besides the generated MCP_REQUEST_STATE_KEYS version (itself a secret, checked by the component's tests).
    const versions = cloud
      .ofType('gcp:secretmanager/secretVersion:SecretVersion')
      .filter((v) => !v.name.endsWith('request-state-keys'));
    expect(versions).toHaveLength(2);
    for (const v of versions) expect(isSecretValue(v.inputs.secretData)).toBe(true);
    expect(versions.map((v) => v.inputs.secretData.value).sort()).toEqual(['cfg-secret-1', tokens]);
    const plain = cloud.resources.flatMap((r) => plainStrings(r.inputs));
    expect(plain.filter((s) => s.includes('cfg-secret-1') || s.includes('cfg-tok-1'))).toEqual([]);
  });

  test('a secret key set without --secret is refused (it sits in plain text in the stack file), the value never shown', async () => {
    const message = await failure({ ...GCP, oauthClientSecret: 'plain-set-secret' });
    expect(message).toBe(
      "Invalid configuration remote-mcp-stacks:oauthClientSecret: is stored in plain text in the stack's configuration file: set it again with `pulumi config set --secret oauthClientSecret <value>`",
    );
    expect(await failure({ ...GCP, authMode: 'token', bearerTokens: TOKEN_A })).toMatch(
      /remote-mcp-stacks:bearerTokens: is stored in plain text/,
    );
  });

  test('bearer tokens the server would refuse stop the preview, without showing any token', async () => {
    const short = await failure({ ...GCP, authMode: 'token', bearerTokens: `${TOKEN_A},tiny-token` }, ['bearerTokens']);
    expect(short).toBe(
      'Invalid configuration remote-mcp-stacks:bearerTokens: the server would refuse these tokens: entry 2: tokens must be at least 16 characters long (got 10); generate one with: openssl rand -base64 32',
    );
    expect(short).not.toContain('tiny-token');
    expect(short).not.toContain(TOKEN_A);
    expect(await failure({ ...GCP, authMode: 'token', bearerTokens: 'sha256:abc' }, ['bearerTokens'])).toMatch(
      /entry 1: a sha256: entry must be followed by 64 hex digits$/,
    );
    expect(await failure({ ...GCP, authMode: 'token', bearerTokens: ' , ' }, ['bearerTokens'])).toMatch(
      /bearerTokens: the server would refuse these tokens: no token/,
    );
    // What the server accepts passes: tokens of 16 characters or more, and sha256 digests.
    await run({ ...GCP, authMode: 'token', bearerTokens: `${TOKEN_A}, sha256:${'ab'.repeat(32)}` }, ['bearerTokens']);
    expect(
      cloud
        .ofType('gcp:secretmanager/secretVersion:SecretVersion')
        .filter((v) => !v.name.endsWith('request-state-keys')),
    ).toHaveLength(1);
  });

  test('token mode with tokens from the secret configuration', async () => {
    await run({ ...GCP, authMode: 'token', oauthIssuer: '', bearerTokens: TOKEN_A }, ['bearerTokens']);
    const envs = cloud.one('gcp:cloudrunv2/service:Service').inputs.template.containers[0].envs;
    expect(envs.find((e: { name: string }) => e.name === ENV.authMode).value).toBe('token');
    expect(envs.find((e: { name: string }) => e.name === ENV.bearerTokens).valueSource.secretKeyRef.secret).toBe(
      'remote-mcp-bearer-tokens',
    );
  });

  test('first run without an image: only the image repository, and what to do next', async () => {
    let outputs!: Awaited<ReturnType<typeof run>>;
    const warnings = await warningsDuring(async () => {
      outputs = await run({ ...GCP, image: '' });
    });
    expect(warnings.join('\n')).toMatch(/remote-mcp-stacks:image is not set: only the image repository is deployed/);
    expect(cloud.ofType('gcp:cloudrunv2/service:Service')).toEqual([]);
    expect(
      cloud
        .customResources()
        .map((r) => r.type)
        .sort(),
    ).toEqual(['gcp:artifactregistry/repository:Repository', 'gcp:projects/service:Service']);
    expect(outputs.nextStep).toMatch(/pulumi config set image/);
    expect(await valueOf(outputs.imageRepository!)).toBe(`europe-west1-docker.pkg.dev/${GCP_PROJECT}/remote-mcp`);
    expect(outputs.mcpUrl).toBeUndefined();
  });

  test('sessionStore true: Memorystore behind Direct VPC egress, REDIS_URL by secretKeyRef; stateful without the scale-out warning', async () => {
    const warnings = await warningsDuring(() => run({ ...GCP, sessionMode: 'stateful', sessionStore: 'true' }));
    expect(warnings.join('\n')).not.toMatch(/sessions break/);
    expect(cloud.one('gcp:redis/instance:Instance').inputs).toMatchObject({
      tier: 'BASIC',
      authEnabled: true,
      transitEncryptionMode: 'SERVER_AUTHENTICATION',
    });
    const template = cloud.one('gcp:cloudrunv2/service:Service').inputs.template;
    expect(template.vpcAccess.egress).toBe('PRIVATE_RANGES_ONLY');
    expect(
      template.containers[0].envs.find((e: { name: string }) => e.name === ENV.redisUrl).valueSource.secretKeyRef
        .secret,
    ).toBe('remote-mcp-redis-url');
    // the default is no store
    cloud.reset();
    await run({ ...GCP });
    expect(cloud.ofType('gcp:redis/instance:Instance')).toEqual([]);
    cloud.reset();
    expect(await failure({ ...GCP, sessionStore: 'yes' })).toBe(
      "Invalid configuration remote-mcp-stacks:sessionStore: must be true or false, got 'yes'",
    );
    // Stateless on one instance: nothing would read the store.
    expect(await failure({ ...GCP, maxInstances: '1', sessionStore: 'true' })).toMatch(
      /^Invalid configuration remote-mcp-stacks:sessionStore: is used only by sessionMode 'stateful', authMode 'broker', and 2026-07-28 listen streams on several instances.*never runs more than one instance.*pulumi config set sessionMode stateful/,
    );
    expect(await failure({ ...AWS, minInstances: '1', maxInstances: '1', sessionStore: 'true' })).toMatch(
      /^Invalid configuration remote-mcp-stacks:sessionStore: is used only by sessionMode 'stateful'.*listen streams on several tasks.*this service runs one task/,
    );
  });

  test('sessionStore true on several stateless instances: created, REDIS_URL injected (listen notifications across instances)', async () => {
    await run({ ...GCP, sessionStore: 'true' }); // the default 0 to 10 instances
    expect(cloud.ofType('gcp:redis/instance:Instance')).toHaveLength(1);
    const envs = cloud.one('gcp:cloudrunv2/service:Service').inputs.template.containers[0].envs;
    expect(envs.find((e: { name: string }) => e.name === ENV.redisUrl).valueSource.secretKeyRef.secret).toBe(
      'remote-mcp-redis-url',
    );
    cloud.reset();
    await run({ ...AWS, minInstances: '2', maxInstances: '2', sessionStore: 'true' });
    expect(cloud.ofType('aws:elasticache/serverlessCache:ServerlessCache')).toHaveLength(1);
    expect(cloud.one('aws:ecs/service:Service').inputs.desiredCount).toBe(2);
    const task = cloud.one('aws:ecs/taskDefinition:TaskDefinition');
    const [container] = JSON.parse(task.inputs.containerDefinitions);
    expect(container.secrets.map((s: { name: string }) => s.name)).toContain(ENV.redisUrl);
  });

  test('createImageRepository false and enableApis false', async () => {
    await run({ ...GCP, createImageRepository: 'false', enableApis: 'false' });
    expect(cloud.ofType('gcp:artifactregistry/repository:Repository')).toEqual([]);
    expect(cloud.ofType('gcp:projects/service:Service')).toEqual([]);
  });
});

describe('aws stack', () => {
  test('the Fargate service with the configuration, autoscaling between min and max', async () => {
    const outputs = await run(
      { ...AWS, minInstances: '2', maxInstances: '6', cpu: '1024', memory: '2048', oauthClientSecret: 'aws-secret-1' },
      ['oauthClientSecret'],
    );
    expect(outputs.cloud).toBe('aws');
    expect(await valueOf(outputs.mcpUrl!)).toBe('https://mcp.example.com/mcp');
    expect(await valueOf(outputs.loadBalancerDnsName!)).toMatch(/elb\.amazonaws\.com$/);
    expect(cloud.one('aws:appautoscaling/target:Target').inputs).toMatchObject({ minCapacity: 2, maxCapacity: 6 });
    expect(cloud.one('aws:ecs/taskDefinition:TaskDefinition').inputs).toMatchObject({ cpu: '1024', memory: '2048' });
    expect(cloud.one('aws:lb/loadBalancer:LoadBalancer').inputs).toMatchObject({
      idleTimeout: 3600,
      subnets: ['subnet-pa', 'subnet-pb'],
    });
    expect(cloud.one('aws:ecs/service:Service').inputs.networkConfiguration.subnets).toEqual([
      'subnet-qa',
      'subnet-qb',
    ]);
    const version = cloud.named('aws:secretsmanager/secretVersion:SecretVersion', 'remote-mcp-secret');
    expect(isSecretValue(version.inputs.secretString)).toBe(true);
    expect(cloud.resources.flatMap((r) => plainStrings(r.inputs)).filter((s) => s.includes('aws-secret-1'))).toEqual(
      [],
    );
  });

  test("sessionMode 'stateful' is refused unless exactly one task runs (minInstances = maxInstances = 1)", async () => {
    const message = await failure({ ...AWS, sessionMode: 'stateful' });
    expect(message).toMatch(
      /^Invalid configuration remote-mcp-stacks:sessionMode: sessionMode 'stateful' needs exactly one task, and this service runs 2 to 10 tasks/,
    );
    expect(message).toMatch(
      /404 \(session not found\).*pulumi config set minInstances 1 && pulumi config set maxInstances 1/,
    );
    expect(await failure({ ...AWS, sessionMode: 'stateful', minInstances: '2', maxInstances: '2' })).toMatch(
      /this service runs 2 tasks/,
    );
    expect(await failure({ ...AWS, sessionMode: 'stateful', minInstances: '1' })).toMatch(
      /this service runs 1 to 10 tasks/,
    );
    await run({ ...AWS, sessionMode: 'stateful', minInstances: '1', maxInstances: '1' });
    expect(cloud.one('aws:ecs/service:Service').inputs.desiredCount).toBe(1);
    expect(cloud.ofType('aws:appautoscaling/target:Target')).toEqual([]);
  });

  test('sessionStore true: stateful on 2–10 tasks with ElastiCache Serverless for Valkey; without it the refusal says how to add it', async () => {
    expect(await failure({ ...AWS, sessionMode: 'stateful' })).toMatch(
      /or give the service a shared session store \(pulumi config set sessionStore true\)$/,
    );
    await run({ ...AWS, sessionMode: 'stateful', sessionStore: 'true' });
    expect(cloud.one('aws:appautoscaling/target:Target').inputs).toMatchObject({ minCapacity: 2, maxCapacity: 10 });
    expect(cloud.one('aws:elasticache/serverlessCache:ServerlessCache').inputs).toMatchObject({
      engine: 'valkey',
      subnetIds: ['subnet-qa', 'subnet-qb'],
    });
    const container = JSON.parse(cloud.one('aws:ecs/taskDefinition:TaskDefinition').inputs.containerDefinitions)[0];
    expect(container.secrets.map((s: { name: string }) => s.name)).toEqual([ENV.redisUrl, ENV.requestStateKeys]);
    expect(
      isSecretValue(
        cloud.named('aws:secretsmanager/secretVersion:SecretVersion', 'remote-mcp-redis-url').inputs.secretString,
      ),
    ).toBe(true);
  });

  test('a certificate from another region than aws:region is refused', async () => {
    const message = await failure({ ...AWS, certificateArn: `arn:aws:acm:us-east-1:${AWS_ACCOUNT}:certificate/abc` });
    expect(message).toBe(
      'Invalid configuration remote-mcp-stacks:certificateArn: the certificate is in us-east-1 but the load balancer is in eu-west-1: an Application Load Balancer needs an ACM certificate of its own region (request or import one in eu-west-1) (aws:region)',
    );
  });

  test('minInstances = maxInstances: a fixed task count, no autoscaling', async () => {
    await run({ ...AWS, minInstances: '3', maxInstances: '3' });
    expect(cloud.ofType('aws:appautoscaling/target:Target')).toEqual([]);
    expect(cloud.one('aws:ecs/service:Service').inputs.desiredCount).toBe(3);
  });

  test('subnet lists: comma- or space-separated, or a JSON array', async () => {
    await run({ ...AWS, publicSubnetIds: '["subnet-1","subnet-2"]', privateSubnetIds: 'subnet-3 subnet-4' });
    expect(cloud.one('aws:lb/loadBalancer:LoadBalancer').inputs.subnets).toEqual(['subnet-1', 'subnet-2']);
    expect(cloud.one('aws:ecs/service:Service').inputs.networkConfiguration.subnets).toEqual(['subnet-3', 'subnet-4']);
  });
});
