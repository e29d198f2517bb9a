/**
 * Pulumi mocks for the unit tests: every resource registration is recorded (type, logical name, inputs as the
 * engine would receive them — Pulumi secrets stay wrapped), and outputs are plausible cloud values.
 */
import * as pulumi from '@pulumi/pulumi';
import { McpConfigError } from '../../../infra/pulumi/common/errors';

export const PROJECT = 'remote-mcp-stacks';
export const GCP_PROJECT = 'demo-project';
export const GCP_PROJECT_NUMBER = '123456789012';
export const AWS_ACCOUNT = '123456789012';
export const AWS_REGION = 'eu-west-1';
/** The region's Availability Zones, as `getAvailabilityZones` reports them. */
export const AWS_AZS = ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'];

/**
 * The smallest valid program configuration per cloud (an existing AWS network, a certificate, a domain where the
 * cloud needs one); tests spread it and add what they exercise. No auth mode: each test adds its own.
 */
export const PROGRAM_BASE = {
  aws: {
    cloud: 'aws',
    'aws:region': AWS_REGION,
    image: `${AWS_ACCOUNT}.dkr.ecr.${AWS_REGION}.amazonaws.com/remote-mcp:1.0.0`,
    domainName: 'mcp.example.com',
    certificateArn: `arn:aws:acm:${AWS_REGION}:${AWS_ACCOUNT}:certificate/abc`,
    vpcId: 'vpc-1',
    publicSubnetIds: 'subnet-pa,subnet-pb',
    privateSubnetIds: 'subnet-qa,subnet-qb',
  },
  gcp: {
    cloud: 'gcp',
    'gcp:project': GCP_PROJECT,
    'gcp:region': 'europe-west1',
    image: `europe-west1-docker.pkg.dev/${GCP_PROJECT}/remote-mcp/server:1.0.0`,
  },
} as const satisfies Record<string, Record<string, string>>;

/** What the mocked Memorystore instance reports. */
export const REDIS_HOST = '10.163.0.3';
export const REDIS_AUTH_STRING = 'mock-auth-string-9f3a';
export const REDIS_CA_PEM = '-----BEGIN CERTIFICATE-----\nMIIB-mock-memorystore-ca\n-----END CERTIFICATE-----';

/** How the engine protocol marks a secret value (`{<sig key>: <secret sig>, value}`). */
const SIG_KEY = '4dabf18193072939515e22adb298388d';
const SECRET_SIG = '1b47061264138c4ac30d75fd1eb44270';

export interface Recorded {
  type: string;
  name: string;
  inputs: Record<string, any>;
}

export class MockCloud {
  resources: Recorded[] = [];
  calls: { token: string; inputs: Record<string, any> }[] = [];

  reset(): void {
    this.resources = [];
    this.calls = [];
  }

  ofType(type: string): Recorded[] {
    return this.resources.filter((r) => r.type === type);
  }

  /** The single resource of a type (optionally whose name contains `nameIncludes`); fails otherwise. */
  one(type: string, nameIncludes?: string): Recorded {
    const found = this.ofType(type).filter((r) => nameIncludes === undefined || r.name.includes(nameIncludes));
    if (found.length !== 1) {
      throw new Error(
        `expected one ${type}${nameIncludes ? ` named *${nameIncludes}*` : ''}, found ${found.length}: ${found.map((r) => r.name).join(', ')}`,
      );
    }
    return found[0]!;
  }

  /** The resource of a type with exactly this logical name; fails otherwise. */
  named(type: string, name: string): Recorded {
    const found = this.ofType(type).find((r) => r.name === name);
    if (!found)
      throw new Error(
        `no ${type} named ${name}; have: ${this.ofType(type)
          .map((r) => r.name)
          .join(', ')}`,
      );
    return found;
  }

  /** Custom (cloud) resources: everything but this repository's components. */
  customResources(): Recorded[] {
    return this.resources.filter((r) => !r.type.startsWith(`${PROJECT}:`));
  }
}

export function isSecretValue(v: unknown): v is { value: unknown } {
  return typeof v === 'object' && v !== null && (v as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;
}

/** Every plain string inside `v`, secret-wrapped values left out. */
export function plainStrings(v: unknown, out: string[] = []): string[] {
  if (isSecretValue(v)) return out;
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) v.forEach((x) => plainStrings(x, out));
  else if (typeof v === 'object' && v !== null) Object.values(v).forEach((x) => plainStrings(x, out));
  return out;
}

function computedState(type: string, name: string, inputs: Record<string, any>): Record<string, unknown> {
  const [pkg, mod] = type.split(':');
  if (pkg === 'gcp') {
    switch (type) {
      case 'gcp:serviceaccount/account:Account':
        return {
          email: `${inputs.accountId}@${inputs.project}.iam.gserviceaccount.com`,
          name: `projects/${inputs.project}/serviceAccounts/${inputs.accountId}`,
        };
      case 'gcp:secretmanager/secret:Secret':
        return { name: `projects/${GCP_PROJECT_NUMBER}/secrets/${inputs.secretId}` };
      case 'gcp:secretmanager/secretVersion:SecretVersion':
        return { version: '1', name: `${inputs.secret}/versions/1` };
      case 'gcp:cloudrunv2/service:Service':
        return { uri: `https://${inputs.name}-${GCP_PROJECT_NUMBER}.${inputs.location}.run.app` };
      case 'gcp:redis/instance:Instance':
        // What Memorystore reports: a private IP, 6378 with TLS, the AUTH string (secret), the per-instance CA.
        return {
          host: REDIS_HOST,
          port: inputs.transitEncryptionMode === 'SERVER_AUTHENTICATION' ? 6378 : 6379,
          authString: inputs.authEnabled ? REDIS_AUTH_STRING : '',
          effectiveReservedIpRange: '10.163.0.0/29',
          serverCaCerts:
            inputs.transitEncryptionMode === 'SERVER_AUTHENTICATION' ? [{ cert: REDIS_CA_PEM, serialNumber: '0' }] : [],
        };
      case 'gcp:compute/network:Network':
      case 'gcp:compute/subnetwork:Subnetwork':
        return {
          selfLink: `https://www.googleapis.com/compute/v1/projects/${inputs.project}/${type.includes('subnetwork') ? `regions/${inputs.region}/subnetworks` : 'global/networks'}/${inputs.name}`,
        };
      case 'gcp:cloudrun/domainMapping:DomainMapping':
        return { statuses: [{ resourceRecords: [{ name: 'mcp', type: 'CNAME', rrdata: 'ghs.googlehosted.com.' }] }] };
      default:
        return {};
    }
  }
  if (pkg === 'aws') {
    const service = (mod ?? '').split('/')[0];
    const physical = inputs.name ?? `${name}-1a2b3c4`;
    const common = { arn: `arn:aws:${service}:${AWS_REGION}:${AWS_ACCOUNT}:${service}/${physical}`, name: physical };
    switch (type) {
      case 'aws:lb/loadBalancer:LoadBalancer':
        return {
          ...common,
          dnsName: `${physical}-42.${AWS_REGION}.elb.amazonaws.com`,
          zoneId: 'Z32O12XQLNTSW2',
          arnSuffix: `app/${physical}/50dc6c495c0c9188`,
        };
      case 'aws:lb/targetGroup:TargetGroup':
        return { ...common, arnSuffix: `targetgroup/${physical}/73e2d6bc24d8a067` };
      case 'aws:secretsmanager/secretVersion:SecretVersion':
        return { versionId: 'version-1' };
      case 'aws:elasticache/serverlessCache:ServerlessCache':
        return {
          ...common,
          endpoints: [{ address: `${physical}-abc123.serverless.euw1.cache.amazonaws.com`, port: 6379 }],
        };
      case 'aws:cloudwatch/logGroup:LogGroup':
        return { ...common, arn: `arn:aws:logs:${AWS_REGION}:${AWS_ACCOUNT}:log-group:${physical}` };
      default:
        return common;
    }
  }
  return {};
}

/** Installs the mocks (for project `remote-mcp-stacks`, not a preview) and returns the recorder. */
export async function useMocks(cloud: MockCloud = new MockCloud()): Promise<MockCloud> {
  await pulumi.runtime.setMocks(
    {
      newResource(args: pulumi.runtime.MockResourceArgs): pulumi.runtime.MockResourceResult {
        cloud.resources.push({ type: args.type, name: args.name, inputs: args.inputs });
        const state = computedState(args.type, args.name, args.inputs);
        const id =
          args.type === 'gcp:secretmanager/secret:Secret'
            ? String(state.name)
            : args.type === 'gcp:compute/network:Network'
              ? `projects/${args.inputs.project}/global/networks/${args.inputs.name}`
              : args.type === 'gcp:compute/subnetwork:Subnetwork'
                ? `projects/${args.inputs.project}/regions/${args.inputs.region}/subnetworks/${args.inputs.name}`
                : args.type.startsWith('aws:ec2/securityGroup')
                  ? `sg-${args.name}`
                  : `${args.name}-id`;
        return { id, state: { ...args.inputs, ...state } };
      },
      call(args: pulumi.runtime.MockCallArgs): Record<string, any> {
        cloud.calls.push({ token: args.token, inputs: args.inputs });
        switch (args.token) {
          case 'gcp:organizations/getProject:getProject':
            return { projectId: args.inputs.projectId ?? GCP_PROJECT, number: GCP_PROJECT_NUMBER, name: 'Demo' };
          case 'aws:index/getAvailabilityZones:getAvailabilityZones':
            return { names: AWS_AZS, zoneIds: AWS_AZS.map((_, i) => `euw1-az${i + 1}`), id: AWS_REGION };
          case 'aws:index/getRegion:getRegion':
            return {
              region: AWS_REGION,
              name: AWS_REGION,
              id: AWS_REGION,
              endpoint: `ec2.${AWS_REGION}.amazonaws.com`,
              description: 'Europe (Ireland)',
            };
          default:
            return args.inputs;
        }
      },
    },
    PROJECT,
    'test',
    false,
  );
  return cloud;
}

/**
 * The set-up every mocked test file shares: the mocks before all tests, then `loadModules` (the program and
 * components read the runtime when imported, so they load after), and a cleared recorder before each test;
 * `resetConfig` also empties the stack configuration before each test and after the last.
 */
export function mockCloudPerTest(loadModules: () => Promise<void>, { resetConfig = false } = {}): MockCloud {
  const cloud = new MockCloud();
  beforeAll(async () => {
    await useMocks(cloud);
    await loadModules();
  });
  beforeEach(() => {
    cloud.reset();
    if (resetConfig) setConfig({});
  });
  if (resetConfig) afterAll(() => setConfig({}));
  return cloud;
}

/** Waits until every outstanding resource registration has reached the mocks. */
export async function settle(): Promise<void> {
  const runtime = pulumi.runtime as unknown as { waitForRPCs?: () => Promise<void> };
  if (runtime.waitForRPCs) await runtime.waitForRPCs();
  await new Promise((r) => setImmediate(r));
}

/**
 * Runs `build` (a component constructor, or the program), which must stop with the components' `McpConfigError`
 * — a `pulumi.RunError`, printed without a stack trace — before any cloud resource is registered. Returns it.
 */
export async function configErrorOf(cloud: MockCloud, build: () => unknown): Promise<Error> {
  let error: unknown;
  try {
    build();
  } catch (e) {
    error = e;
  }
  await settle();
  expect(error).toBeInstanceOf(McpConfigError);
  expect(pulumi.RunError.isInstance(error)).toBe(true);
  expect(cloud.customResources()).toEqual([]);
  return error as Error;
}

/** The value of an output (tests run outside preview, so every value is known). */
export function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply((v) => resolve(v)));
}

/** Stack configuration for the program (keys of the project namespace unless they contain a colon). */
export function setConfig(values: Record<string, string>, secretKeys: string[] = []): void {
  const full: Record<string, string> = {};
  for (const [k, v] of Object.entries(values)) full[k.includes(':') ? k : `${PROJECT}:${k}`] = v;
  pulumi.runtime.setAllConfig(
    full,
    secretKeys.map((k) => (k.includes(':') ? k : `${PROJECT}:${k}`)),
  );
}

/**
 * Records which resources a v1 transformation of a component saw: those are the resources whose parent chain
 * reaches the component (`parent: this`, transitively).
 */
export function parentTracker(): { seen: Set<string>; opts: pulumi.ComponentResourceOptions } {
  const seen = new Set<string>();
  return {
    seen,
    opts: {
      transformations: [
        (a) => {
          seen.add(`${a.type}::${a.name}`);
          return undefined;
        },
      ],
    },
  };
}

/** Collects what Pulumi logs as warnings (without an engine they go to console.warn) while `f` runs. */
export async function warningsDuring(f: () => Promise<unknown>): Promise<string[]> {
  const warnings: string[] = [];
  const spy = jest.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => {
    warnings.push(args.map(String).join(' '));
  });
  try {
    await f();
    await settle();
  } finally {
    spy.mockRestore();
  }
  return warnings;
}
