/**
 * "No behaviour change" for refactors of the infrastructure code: the CloudFormation templates the CDK app
 * synthesizes and the resource inputs the Pulumi program registers (AWS and GCP, under the unit-test mocks) must
 * equal the committed snapshots. A refactor that changes one of them either is a behaviour change, or a documented
 * rename whose snapshot update is reviewed with it. (`jest --ci` refuses to write a missing snapshot.)
 */
import { MockMonitor } from '@pulumi/pulumi/runtime/mocks';
import { Template } from 'aws-cdk-lib/assertions';
import { McpServerStack, readAppContext, servicePropsFromContext, type ContextKey } from '../../infra/cdk';
import { CERT_ARN, ISSUER, newApp, REGION, repoContext } from './cdk/helpers';
import {
  AWS_ACCOUNT,
  PROGRAM_BASE,
  GCP_PROJECT,
  setConfig,
  settle,
  useMocks,
  valueOf,
  type MockCloud,
  type Recorded,
} from './pulumi/mocks';

/**
 * The Pulumi components draw generated secrets (request-state keys, the session store's password) with
 * `randomBytes` on every run: here the n-th draw of a test is n repeated, so that a snapshot holds stable values
 * (and still shows which secret got which draw).
 */
let mockDraws = 0;
jest.mock('node:crypto', () => ({
  ...jest.requireActual<typeof import('node:crypto')>('node:crypto'),
  randomBytes: (size: number) => Buffer.alloc(size, ++mockDraws),
}));

/**
 * Replaces the values that legitimately vary between two unchanged checkouts: asset hashes (64 hex digits) are
 * digests of source files — the default image's asset hashes the server's sources, so any edit of a server file
 * changes it without changing what the template deploys.
 */
function normalized(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value).replace(/[0-9a-f]{64}/g, '<asset-hash>'));
}

// ---------------------------------------------------------------------------------------------------------------
// CDK: the app as bin/app.ts builds it, from context (one synth per context, each covering different features).

const ZONE = { domainName: 'mcp.example.com', hostedZoneId: 'Z0123456789ABC', hostedZoneName: 'example.com' };
const PRIVATE_ECR_IMAGE = `${AWS_ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/remote-mcp:1.0.0`;

const CDK_CONTEXTS: Record<string, Record<string, string>> = {
  // The default app: a certificate, an issuer, the repository's Dockerfile as the image.
  default: { certificateArn: CERT_ARN, oauthIssuer: ISSUER },
  'zone, stateful on a session store, private ECR image, alarms to an e-mail, telemetry': {
    ...ZONE,
    oauthIssuer: ISSUER,
    oauthScopes: 'mcp:tools',
    sessionMode: 'stateful',
    sessionStore: 'true',
    image: PRIVATE_ECR_IMAGE,
    alarmEmail: 'ops@example.com',
    telemetry: 'true',
    cpu: '1024',
    memoryLimitMiB: '2048',
  },
  'broker with a created Cognito pool on one task, WAF, no dashboard': {
    ...ZONE,
    authMode: 'broker',
    brokerCognito: 'true',
    autoScaling: 'false',
    desiredCount: '1',
    image: 'public.ecr.aws/x/y:1',
    webAclArn: `arn:aws:wafv2:${REGION}:${AWS_ACCOUNT}:regional/webacl/mcp/0b1c2d3e`,
    dashboard: 'false',
  },
  'token auth with an existing secret, introspection settings, publicUrl': {
    certificateArn: CERT_ARN,
    authMode: 'token',
    oauthSecretArn: `arn:aws:secretsmanager:${REGION}:${AWS_ACCOUNT}:secret:mcp-AbCdEf`,
    image: 'public.ecr.aws/x/y:1',
    publicUrl: 'https://mcp.example.org/mcp',
    keepAliveSeconds: '20',
    drainSeconds: '60',
    logLevel: 'debug',
    deletionProtection: 'true',
  },
};

describe('CDK: the synthesized templates are unchanged', () => {
  test.each(Object.keys(CDK_CONTEXTS))('%s', (name) => {
    const context = CDK_CONTEXTS[name]!;
    const app = newApp({ context: repoContext() });
    const c = readAppContext((key: ContextKey) => context[key], REGION);
    const stack = new McpServerStack(app, c.stackName, {
      env: { region: c.region },
      clientName: c.clientName,
      service: servicePropsFromContext(c),
    });
    expect(normalized(Template.fromStack(stack).toJSON())).toMatchSnapshot();
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Pulumi: the program (both clouds, through their components) under the unit-test mocks.

const AWS: Record<string, string> = {
  ...PROGRAM_BASE.aws,
  oauthIssuer: ISSUER,
};
const GCP: Record<string, string> = {
  ...PROGRAM_BASE.gcp,
  oauthIssuer: ISSUER,
};
/** A fixed signing key made for this test only (a generated one would change the snapshot on every run). */
const TEST_SIGNING_KEYS = JSON.stringify({
  keys: [
    {
      kty: 'EC',
      x: 'e0-i2tmUr-YiKB23aDQyQsEaGsYcyN8RMM02tlclnmw',
      y: 'HQlA87puqIYcE5ydUuvCQIzRTFC1DIexxCaC1rXmEfM',
      crv: 'P-256',
      d: 'fqf550WvydEeOVSimOQXxwQyitRUHSD98-JeMiDibnc',
      kid: '2026-01',
      alg: 'ES256',
    },
  ],
});
const NO_NETWORK = { vpcId: '', publicSubnetIds: '', privateSubnetIds: '' };

/** Program configurations: [config, secret keys]. */
const PULUMI_CONFIGS: Record<string, [Record<string, string>, string[]]> = {
  'aws: given network, oauth': [AWS, []],
  'aws: created network, stateful on a session store, telemetry, hosted zone, alert e-mail': [
    {
      ...AWS,
      ...NO_NETWORK,
      natGateways: '1',
      sessionMode: 'stateful',
      sessionStore: 'true',
      telemetry: 'true',
      hostedZoneId: 'Z0123456789ABC',
      alertEmail: 'ops@example.com',
      cpu: '1024',
      memory: '2048',
      cpuArchitecture: 'ARM64',
    },
    [],
  ],
  'aws: token auth, introspection client secret, WAF, access logs, scaling': [
    {
      ...AWS,
      authMode: 'token',
      bearerTokens: 'tok-aaaaaaaaaaaaaaaa,tok-bbbbbbbbbbbbbbbb',
      oauthIntrospectionUrl: 'https://auth.example.com/introspect',
      oauthClientId: 'mcp',
      oauthClientSecret: 'client-secret-Xp92kd',
      webAclArn: `arn:aws:wafv2:eu-west-1:${AWS_ACCOUNT}:regional/webacl/mcp/0b1c2d3e`,
      accessLogsBucket: 'my-alb-logs',
      minInstances: '3',
      maxInstances: '6',
      idleTimeoutSeconds: '120',
      deletionProtection: 'true',
    },
    ['bearerTokens', 'oauthClientSecret'],
  ],
  'aws: broker with an existing provider on a session store': [
    {
      ...AWS,
      authMode: 'broker',
      oauthIssuer: '',
      upstreamIssuer: 'https://idp.example.com',
      upstreamClientId: 'mcp-broker',
      upstreamClientSecret: 'upstream-secret-1',
      brokerSigningKeys: TEST_SIGNING_KEYS,
      sessionMode: 'stateful',
      sessionStore: 'true',
    },
    ['upstreamClientSecret', 'brokerSigningKeys'],
  ],
  'gcp: oauth': [GCP, []],
  'gcp: stateful on a session store, domain, telemetry, alert e-mail, token auth': [
    {
      ...GCP,
      authMode: 'token',
      oauthIssuer: '',
      bearerTokens: 'tok-aaaaaaaaaaaaaaaa',
      sessionMode: 'stateful',
      sessionStore: 'true',
      domainName: 'mcp.example.com',
      telemetry: 'true',
      alertEmail: 'ops@example.com',
      minInstances: '1',
      maxInstances: '4',
      cpu: '2',
      memory: '1Gi',
    },
    ['bearerTokens'],
  ],
};

/**
 * The URN of every registered resource, by `type::name`. A URN encodes the parent chain: a resource moved under
 * another component gets a new URN, which Pulumi replaces (deletes and creates) unless the move carries an alias.
 */
const urns = new Map<string, string>();
// `newUrn` is private to the mock monitor: the one place that sees each registration's parent.
type UrnMaker = { newUrn(parent: string, type: string, name: string): string };
const monitorPrototype = MockMonitor.prototype as unknown as UrnMaker;
const newUrn = monitorPrototype.newUrn;
monitorPrototype.newUrn = function (this: UrnMaker, parent: string, type: string, name: string): string {
  const urn = newUrn.call(this, parent, type, name);
  urns.set(`${type}::${name}`, urn);
  return urn;
};

describe('Pulumi: the resource inputs under mocks are unchanged', () => {
  let program: typeof import('../../infra/pulumi/program');
  let cloud: MockCloud;

  beforeAll(async () => {
    cloud = await useMocks();
    program = await import('../../infra/pulumi/program');
  });
  afterAll(() => setConfig({}));

  test.each(Object.keys(PULUMI_CONFIGS))('%s', async (name) => {
    const [config, secretKeys] = PULUMI_CONFIGS[name]!;
    cloud.reset();
    urns.clear();
    mockDraws = 0;
    setConfig(Object.fromEntries(Object.entries(config).filter(([, v]) => v !== '')), secretKeys);
    const outputs = program.runProgram();
    if (outputs.mcpUrl) await valueOf(outputs.mcpUrl);
    await settle();
    // Registration order depends on when outputs resolve: sort by what identifies a resource.
    const byIdentity = (a: Recorded, b: Recorded) => `${a.type} ${a.name}`.localeCompare(`${b.type} ${b.name}`);
    const resources = [...cloud.resources]
      .sort(byIdentity)
      .map((r) => ({ urn: urns.get(`${r.type}::${r.name}`), inputs: r.inputs }));
    expect(normalized(resources)).toMatchSnapshot();
  });
});
