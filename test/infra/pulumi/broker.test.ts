/**
 * Broker mode (`authMode: 'broker'`) in the Pulumi program and both components, under mocks: the settings from stack
 * configuration reach the container as plain contract variables, and the two secrets (`upstreamClientSecret`,
 * `brokerSigningKeys`) go from `pulumi config set --secret` to Secret Manager / Secrets Manager as Pulumi secrets —
 * never plain environment, never unencrypted state. Expected names come from the server's contract.
 */
import { generateKeyPairSync } from 'node:crypto';
import * as pulumi from '@pulumi/pulumi';
import { ENV, PATHS, SECRET_ENV } from '../../../server/config/contract';
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
let gcpApi: typeof import('../../../infra/pulumi/gcp');
let awsApi: typeof import('../../../infra/pulumi/aws');
const cloud = mockCloudPerTest(
  async () => {
    program = await import('../../../infra/pulumi/program');
    gcpApi = await import('../../../infra/pulumi/gcp');
    awsApi = await import('../../../infra/pulumi/aws');
  },
  { resetConfig: true },
);

/** A JWKS the server accepts: one private ES256 key (what `npm run broker:keys` prints). */
const SIGNING_KEYS = JSON.stringify({
  keys: [
    {
      ...generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }),
      kid: '2026-01',
      alg: 'ES256',
    },
  ],
});
const CLIENT_SECRET = 'GOCSPX-upstream-secret-7Hq2';
const GOOGLE = 'https://accounts.google.com';
const CLIENT_ID = '1234567890-abc.apps.googleusercontent.com';

const BROKER = {
  authMode: 'broker',
  upstreamIssuer: GOOGLE,
  upstreamClientId: CLIENT_ID,
  brokerAllowedEmailDomains: 'example.com',
  upstreamClientSecret: CLIENT_SECRET,
  brokerSigningKeys: SIGNING_KEYS,
};
const SECRET_KEYS = ['upstreamClientSecret', 'brokerSigningKeys'];
/** The broker keys unset: an oauth stack. */
const NOT_BROKER = {
  authMode: 'oauth',
  oauthIssuer: 'https://auth.example.com',
  upstreamIssuer: undefined,
  upstreamClientId: undefined,
  brokerAllowedEmailDomains: undefined,
  upstreamClientSecret: undefined,
  brokerSigningKeys: undefined,
};
const GCP: Record<string, string> = {
  ...PROGRAM_BASE.gcp,
  domainName: 'mcp.example.com',
  ...BROKER,
};
const AWS: Record<string, string> = {
  ...PROGRAM_BASE.aws,
  ...BROKER,
};

async function run(config: Record<string, string | undefined>, secretKeys: string[] = SECRET_KEYS) {
  setConfig(
    Object.fromEntries(Object.entries(config).filter((e): e is [string, string] => e[1] !== undefined)),
    secretKeys,
  );
  const outputs = program.runProgram();
  if (outputs.mcpUrl) await valueOf(outputs.mcpUrl);
  await settle();
  return outputs;
}

async function failure(
  config: Record<string, string | undefined>,
  secretKeys: string[] = SECRET_KEYS,
): Promise<string> {
  setConfig(
    Object.fromEntries(Object.entries(config).filter((e): e is [string, string] => e[1] !== undefined)),
    secretKeys,
  );
  return (await configErrorOf(cloud, () => program.runProgram())).message;
}

/** No plain string of any resource contains the client secret or any part of the private key. */
function expectNoPlainSecret(): void {
  const d = (JSON.parse(SIGNING_KEYS) as { keys: { d: string }[] }).keys[0]!.d;
  const plain = cloud.resources.flatMap((r) => plainStrings(r.inputs));
  expect(plain.filter((s) => s.includes(CLIENT_SECRET) || s.includes(d))).toEqual([]);
}

describe('gcp: broker from stack configuration', () => {
  test('the redirect URI to register is an output: the origin of the MCP URL plus /oauth/callback', async () => {
    const outputs = await run({ ...GCP, domainName: undefined });
    expect(await valueOf(outputs.upstreamCallbackUrl!)).toBe(
      `https://remote-mcp-${GCP_PROJECT_NUMBER}.europe-west1.run.app${PATHS.upstreamCallback}`,
    );
    cloud.reset();
    expect(
      await valueOf((await run({ ...GCP, publicUrl: 'https://edge.example.com/team/mcp' })).upstreamCallbackUrl!),
    ).toBe(`https://edge.example.com${PATHS.upstreamCallback}`);
    cloud.reset();
    expect((await run({ ...GCP, ...NOT_BROKER })).upstreamCallbackUrl).toBeUndefined();
  });

  test('settings are plain contract variables; both secrets go to Secret Manager and reach the container by secretKeyRef', async () => {
    const outputs = await run(GCP);
    expect(await valueOf(outputs.mcpUrl!)).toBe('https://mcp.example.com/mcp');
    const envs = cloud.one('gcp:cloudrunv2/service:Service').inputs.template.containers[0].envs as {
      name: string;
      value?: string;
      valueSource?: any;
    }[];
    const plain = Object.fromEntries(envs.filter((e) => e.value !== undefined).map((e) => [e.name, e.value]));
    expect(plain).toMatchObject({
      [ENV.authMode]: 'broker',
      [ENV.upstreamIssuer]: GOOGLE,
      [ENV.upstreamClientId]: CLIENT_ID,
      [ENV.brokerAllowedEmailDomains]: 'example.com',
    });
    for (const name of SECRET_ENV) expect(plain).not.toHaveProperty(name);
    expect(envs.filter((e) => e.valueSource).map((e) => [e.name, e.valueSource.secretKeyRef.secret])).toEqual([
      [ENV.upstreamClientSecret, 'remote-mcp-upstream-client-secret'],
      [ENV.brokerSigningKeys, 'remote-mcp-broker-signing-keys'],
      [ENV.requestStateKeys, 'remote-mcp-request-state-keys'],
    ]);
    const versions = cloud
      .ofType('gcp:secretmanager/secretVersion:SecretVersion')
      .filter((v) => !v.name.endsWith('request-state-keys'));
    for (const v of versions) expect(isSecretValue(v.inputs.secretData)).toBe(true);
    expect(versions.map((v) => v.inputs.secretData.value).sort()).toEqual([CLIENT_SECRET, SIGNING_KEYS].sort());
    expectNoPlainSecret();
  });

  test('Google puts no groups in ID tokens: the e-mail domain list is how to restrict, and more settings pass through', async () => {
    await run({
      ...GCP,
      upstreamScopes: 'openid,email',
      brokerAllowedGroups: 'a,b',
      brokerGroupsClaim: 'roles',
      brokerRedirectHosts: 'claude.ai',
      brokerRedirectSchemes: 'cursor',
    });
    const envs = cloud.one('gcp:cloudrunv2/service:Service').inputs.template.containers[0].envs as {
      name: string;
      value?: string;
    }[];
    const plain = Object.fromEntries(envs.filter((e) => e.value !== undefined).map((e) => [e.name, e.value]));
    expect(plain).toMatchObject({
      [ENV.upstreamScopes]: 'openid,email',
      [ENV.brokerAllowedGroups]: 'a,b',
      [ENV.brokerGroupsClaim]: 'roles',
      [ENV.brokerRedirectHosts]: 'claude.ai',
      [ENV.brokerRedirectSchemes]: 'cursor',
    });
  });

  test('without signing keys: deployed, with warnings that tokens end with the instance and that instances do not share state', async () => {
    const warnings = await warningsDuring(() =>
      run({ ...GCP, brokerSigningKeys: undefined }, ['upstreamClientSecret']),
    );
    const text = warnings.join('\n');
    expect(text).toMatch(
      /authMode 'broker' without signing keys \(BROKER_SIGNING_KEYS\).*every scale from zero.*pulumi config set --secret brokerSigningKeys/,
    );
    expect(text).toMatch(/authMode 'broker' runs on up to 10 instances without a shared session store/);
    cloud.reset();
    // One instance with keys: nothing to warn about.
    const quiet = await warningsDuring(() => run({ ...GCP, maxInstances: '1' }));
    expect(quiet.join('\n')).not.toMatch(/authMode 'broker'/);
  });

  test('with sessionStore (stateless sessions too), the signing keys are required', async () => {
    const stateful = { ...GCP, sessionStore: 'true' };
    expect(await failure({ ...stateful, brokerSigningKeys: undefined }, ['upstreamClientSecret'])).toBe(
      "Missing configuration remote-mcp-stacks:brokerSigningKeys: authMode 'broker' with sessionStore needs the signing keys, the same on every instance " +
        '(the server refuses to start without them) (npm run -s broker:keys | pulumi config set --secret brokerSigningKeys)',
    );
    const warnings = await warningsDuring(() => run(stateful));
    expect(warnings.join('\n')).not.toMatch(/authMode 'broker'/);
    expect(cloud.ofType('gcp:redis/instance:Instance')).toHaveLength(1);
    const envs = cloud.one('gcp:cloudrunv2/service:Service').inputs.template.containers[0].envs as {
      name: string;
      valueSource?: any;
    }[];
    expect(envs.filter((e) => e.valueSource).map((e) => e.name)).toEqual([
      ENV.upstreamClientSecret,
      ENV.brokerSigningKeys,
      ENV.requestStateKeys,
      ENV.redisUrl,
    ]);
    cloud.reset();
    // Other modes on one instance still refuse a store that stateless requests would not read.
    expect(await failure({ ...GCP, ...NOT_BROKER, maxInstances: '1', sessionStore: 'true' })).toMatch(
      /sessionStore: is used only by sessionMode 'stateful', authMode 'broker'/,
    );
  });
});

describe('aws: broker from stack configuration', () => {
  test('settings are plain contract variables; both secrets are JSON fields of a Secrets Manager secret, injected by ECS', async () => {
    const outputs = await run(AWS);
    expect(await valueOf(outputs.upstreamCallbackUrl!)).toBe(`https://mcp.example.com${PATHS.upstreamCallback}`);
    const container = JSON.parse(cloud.one('aws:ecs/taskDefinition:TaskDefinition').inputs.containerDefinitions)[0];
    const plain = Object.fromEntries(
      (container.environment as { name: string; value: string }[]).map((e) => [e.name, e.value]),
    );
    expect(plain).toMatchObject({
      [ENV.authMode]: 'broker',
      [ENV.upstreamIssuer]: GOOGLE,
      [ENV.upstreamClientId]: CLIENT_ID,
    });
    for (const name of SECRET_ENV) expect(plain).not.toHaveProperty(name);
    expect(
      (container.secrets as { name: string; valueFrom: string }[]).map((s) => [
        s.name,
        s.valueFrom.split(':').slice(-3).join(':'),
      ]),
    ).toEqual([
      [ENV.upstreamClientSecret, `${ENV.upstreamClientSecret}::`],
      [ENV.brokerSigningKeys, `${ENV.brokerSigningKeys}::`],
      [ENV.requestStateKeys, 'eu-west-1:123456789012:secretsmanager/remote-mcp-request-state-keys-1a2b3c4'],
    ]);
    const version = cloud.named('aws:secretsmanager/secretVersion:SecretVersion', 'remote-mcp-secret');
    expect(isSecretValue(version.inputs.secretString)).toBe(true);
    expect(JSON.parse(version.inputs.secretString.value)).toEqual({
      [ENV.upstreamClientSecret]: CLIENT_SECRET,
      [ENV.brokerSigningKeys]: SIGNING_KEYS,
    });
    expectNoPlainSecret();
  });

  test('sessionStore (stateless sessions too: the broker keeps its state there) needs the keys; with them, no warning', async () => {
    const stateful = { ...AWS, sessionStore: 'true' };
    expect(await failure({ ...stateful, brokerSigningKeys: undefined }, ['upstreamClientSecret'])).toMatch(
      /^Missing configuration remote-mcp-stacks:brokerSigningKeys/,
    );
    const warnings = await warningsDuring(() => run(stateful));
    expect(warnings.join('\n')).not.toMatch(/authMode 'broker'/);
    const container = JSON.parse(cloud.one('aws:ecs/taskDefinition:TaskDefinition').inputs.containerDefinitions)[0];
    expect((container.secrets as { name: string }[]).map((s) => s.name)).toEqual([
      ENV.upstreamClientSecret,
      ENV.brokerSigningKeys,
      ENV.redisUrl,
      ENV.requestStateKeys,
    ]);
    expect(cloud.ofType('aws:elasticache/serverlessCache:ServerlessCache')).toHaveLength(1);
  });

  test('several tasks without a store: a warning that sign-ins may fail', async () => {
    const warnings = await warningsDuring(() => run(AWS));
    expect(warnings.join('\n')).toMatch(
      /authMode 'broker' runs on up to 10 tasks without a shared session store.*no stickiness/,
    );
  });
});

describe('broker configuration errors name the key', () => {
  test('missing provider settings, with the command to set them', async () => {
    expect(await failure({ ...GCP, upstreamIssuer: undefined })).toBe(
      "Missing configuration remote-mcp-stacks:upstreamIssuer: authMode 'broker' needs the OpenID Connect provider users sign in with (Google: https://accounts.google.com) (pulumi config set upstreamIssuer https://accounts.google.com)",
    );
    expect(await failure({ ...AWS, upstreamClientId: undefined })).toMatch(
      /^Missing configuration remote-mcp-stacks:upstreamClientId: .*\(pulumi config set upstreamClientId <client id>\)$/,
    );
    expect(await failure({ ...GCP, upstreamIssuer: 'http://accounts.example.com' })).toBe(
      'Invalid configuration remote-mcp-stacks:upstreamIssuer: upstreamIssuer must be an https:// URL, got http://accounts.example.com',
    );
  });

  test('secrets set without --secret are refused, the value never shown', async () => {
    const message = await failure(GCP, ['brokerSigningKeys']);
    expect(message).toBe(
      "Invalid configuration remote-mcp-stacks:upstreamClientSecret: is stored in plain text in the stack's configuration file: set it again with `pulumi config set --secret upstreamClientSecret <value>`",
    );
    expect(await failure(GCP, ['upstreamClientSecret'])).toMatch(
      /remote-mcp-stacks:brokerSigningKeys: is stored in plain text/,
    );
  });

  test('signing keys the server would refuse stop the preview, without showing them', async () => {
    const cases: [string, RegExp][] = [
      ['not json', /must be a JWKS in JSON/],
      ['{"keys":[]}', /at least one key/],
      [JSON.stringify({ keys: [{ kty: 'EC', kid: 'a', alg: 'ES256' }] }), /key 1 is not a private key \(no "d"\)/],
      [
        JSON.stringify({ keys: [{ kty: 'oct', kid: 'a', alg: 'HS256', k: 'x', d: 'x' }] }),
        /"alg" must be one of ES256, ES384, RS256, PS256, EdDSA/,
      ],
    ];
    for (const [keys, problem] of cases) {
      const message = await failure({ ...GCP, brokerSigningKeys: keys });
      expect(message).toMatch(
        /^Invalid configuration remote-mcp-stacks:brokerSigningKeys: the server would refuse these keys: /,
      );
      expect(message).toMatch(problem);
      expect(message).not.toContain(keys);
    }
  });
});

describe('broker in the components', () => {
  const gcpArgs = {
    image: 'img',
    project: GCP_PROJECT,
    region: 'europe-west1',
    server: { authMode: 'broker', upstreamIssuer: GOOGLE, upstreamClientId: CLIENT_ID },
  } as const;

  test('signing keys given as an output are checked when known, and stay secret', async () => {
    const svc = new gcpApi.McpCloudRunService('remote-mcp', {
      ...gcpArgs,
      secrets: { brokerSigningKeys: pulumi.output(SIGNING_KEYS), upstreamClientSecret: CLIENT_SECRET },
    });
    await valueOf(svc.serviceUrl);
    await settle();
    const versions = cloud
      .ofType('gcp:secretmanager/secretVersion:SecretVersion')
      .filter((v) => !v.name.endsWith('request-state-keys'));
    expect(versions).toHaveLength(2);
    for (const v of versions) expect(isSecretValue(v.inputs.secretData)).toBe(true);
    expectNoPlainSecret();
  });

  test('a plain malformed key set is refused before anything is created', async () => {
    const error = await configErrorOf(
      cloud,
      () =>
        new gcpApi.McpCloudRunService('remote-mcp', {
          ...gcpArgs,
          secrets: { brokerSigningKeys: '{"keys":[{"kid":"a"}]}' },
        }),
    );
    expect(error.message).toMatch(
      /^McpCloudRunService remote-mcp: signing keys \(BROKER_SIGNING_KEYS\) the server would refuse: key 1: "alg" must be one of/,
    );
  });

  test('a shared store without signing keys is refused on both clouds', async () => {
    const stateful = { ...gcpArgs.server, sessionMode: 'stateful' as const };
    const gcpError = await configErrorOf(
      cloud,
      () => new gcpApi.McpCloudRunService('remote-mcp', { ...gcpArgs, server: stateful, sessionStore: true }),
    );
    expect(gcpError.message).toMatch(
      /authMode 'broker' with a shared session store \(REDIS_URL\) needs the signing keys \(BROKER_SIGNING_KEYS/,
    );
    const awsError = await configErrorOf(
      cloud,
      () =>
        new awsApi.McpFargateService('remote-mcp', {
          image: 'img',
          vpcId: 'vpc-1',
          publicSubnetIds: ['subnet-a', 'subnet-b'],
          privateSubnetIds: ['subnet-c', 'subnet-d'],
          certificateArn: `arn:aws:acm:eu-west-1:${AWS_ACCOUNT}:certificate/abc`,
          server: stateful,
          secretArn: `arn:aws:secretsmanager:eu-west-1:${AWS_ACCOUNT}:secret:mcp-AbCdEf`,
          secretFields: [ENV.upstreamClientSecret, ENV.redisUrl],
        }),
    );
    expect(awsError.message).toMatch(
      /authMode 'broker' with a shared session store \(REDIS_URL\) needs the signing keys/,
    );
  });
});
