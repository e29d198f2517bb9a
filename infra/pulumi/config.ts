/**
 * Stack configuration of the Pulumi program: read, typed and checked before any resource is created.
 *
 * Every key is declared (type, default, description) in the root `Pulumi.yaml`; the defaults below are the same
 * values (a unit test keeps the two equal), because `pulumi.runtime.setAllConfig` in tests — and old CLIs —
 * do not apply Pulumi.yaml defaults.
 *
 * A bad or missing value fails with one `McpConfigError` (a `pulumi.RunError`) whose message names the full key,
 * e.g. `remote-mcp-stacks:cloud`.
 */
import * as aws from '@pulumi/aws';
import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import {
  AUTH_MODES,
  DEFAULTS,
  DEPLOY_SETTING_KEYS,
  ENV,
  SETTINGS,
  bearerTokensProblem,
  requestStateKeysProblem,
  validateServerSettings,
  type AuthMode,
  type DeploySettingKey,
  type EnvName,
  type SettingKind,
  type ServerSettings,
} from '../../server/config/contract';
import { CLOUDWATCH_RETENTION_DAYS, FARGATE_DEFAULTS, FARGATE_LIMITS } from './aws/fargate-service';
import { NETWORK_DEFAULTS } from './aws/network';
import { albIdleTimeoutProblem } from '../shared/alb';
import { signingKeysProblem } from '../shared/broker';
import { certificateRegionProblem, isAcmCertificateArn } from '../shared/arn';
import { fargateDrainProblem } from '../shared/fargate';
import {
  CLOUD_RUN_CPU_PATTERN,
  CLOUD_RUN_DEFAULTS,
  CLOUD_RUN_LIMITS,
  CLOUD_RUN_MEMORY_PATTERN,
  CLOUD_RUN_PUBLIC_ACCESS,
  cloudRunDrainProblem,
  type CloudRunPublicAccess,
} from '../shared/cloud-run';
import { isHostname } from '../shared/hostname';
import { settingsNeedSecret } from '../shared/secrets';
import { statefulSessionsProblem, type TaskCountRange, unusedSessionStoreProblem } from '../shared/sessions';
import { McpConfigError } from './common/errors';
import type { McpSecretValues } from './common/server-settings';

export const CLOUDS = ['gcp', 'aws'] as const;
export type Cloud = (typeof CLOUDS)[number];
const CPU_ARCHITECTURES = ['X86_64', 'ARM64'] as const;

/** What to change when nothing would read the session store, in configuration keys. */
const UNUSED_STORE_FIX = 'pulumi config set sessionMode stateful, or pulumi config set sessionStore false';

/** Defaults of the keys that have one for every cloud (also declared as `default:` in Pulumi.yaml). */
export const PROGRAM_DEFAULTS = {
  serviceName: 'remote-mcp',
  authMode: 'oauth' as AuthMode,
  sessionMode: DEFAULTS.sessionMode,
  sessionStore: false,
  logLevel: DEFAULTS.logLevel,
  keepAliveSeconds: DEFAULTS.keepAliveSeconds,
  requestTimeoutSeconds: CLOUD_RUN_DEFAULTS.requestTimeoutSeconds,
  concurrency: CLOUD_RUN_DEFAULTS.concurrency,
  cpuAlwaysAllocated: CLOUD_RUN_DEFAULTS.cpuAlwaysAllocated,
  publicAccess: CLOUD_RUN_DEFAULTS.publicAccess,
  createImageRepository: true,
  enableApis: true,
  idleTimeoutSeconds: FARGATE_DEFAULTS.idleTimeoutSeconds,
  sslPolicy: FARGATE_DEFAULTS.sslPolicy,
  logRetentionDays: FARGATE_DEFAULTS.logRetentionDays,
  containerInsights: FARGATE_DEFAULTS.containerInsights,
  cpuArchitecture: FARGATE_DEFAULTS.cpuArchitecture,
} as const;

/** Keys set with `pulumi config set --secret`. */
export const SECRET_KEYS = [
  'oauthClientSecret',
  'bearerTokens',
  'upstreamClientSecret',
  'brokerSigningKeys',
  'requestStateKeys',
] as const;

/** The keys of every cloud besides the server settings and the secrets. */
const PROGRAM_KEYS = [
  'cloud',
  'image',
  'serviceName',
  'domainName',
  'sessionStore',
  'minInstances',
  'maxInstances',
  'cpu',
  'memory',
  'deletionProtection',
  'telemetry',
  'alertEmail',
] as const;
const GCP_KEYS = [
  'requestTimeoutSeconds',
  'concurrency',
  'cpuAlwaysAllocated',
  'publicAccess',
  'createImageRepository',
  'enableApis',
] as const;
const AWS_KEYS = [
  'certificateArn',
  'vpcId',
  'publicSubnetIds',
  'privateSubnetIds',
  'natGateways',
  'hostedZoneId',
  'idleTimeoutSeconds',
  'sslPolicy',
  'logRetentionDays',
  'containerInsights',
  'cpuArchitecture',
  'clusterArn',
  'accessLogsBucket',
  'webAclArn',
] as const;

export type ConfigKey =
  | (typeof PROGRAM_KEYS)[number]
  | DeploySettingKey
  | (typeof SECRET_KEYS)[number]
  | (typeof GCP_KEYS)[number]
  | (typeof AWS_KEYS)[number];

/**
 * Every project key the program reads (Pulumi.yaml declares each of them; a test checks): the server settings come
 * from the contract's table, named as the settings.
 */
export const CONFIG_KEYS: readonly ConfigKey[] = [
  ...PROGRAM_KEYS,
  ...DEPLOY_SETTING_KEYS,
  ...SECRET_KEYS,
  ...GCP_KEYS,
  ...AWS_KEYS,
];

/** Settings read before the others, so that with several bad keys the one named first stays the same. */
const SETTINGS_READ_FIRST: readonly DeploySettingKey[] = ['authMode', 'keepAliveSeconds'];

export interface GcpProgramConfig {
  project: string;
  region: string;
  requestTimeoutSeconds: number;
  concurrency: number;
  cpuAlwaysAllocated: boolean;
  publicAccess: CloudRunPublicAccess;
  createImageRepository: boolean;
  enableApis: boolean;
}

export interface AwsProgramConfig {
  region: string;
  certificateArn: string;
  /** Your network (all three), or none: the component creates one (two AZs, public and private subnets, NAT). */
  vpcId?: string;
  publicSubnetIds?: string[];
  privateSubnetIds?: string[];
  /** NAT gateways of the created network (1 or 2). */
  natGateways?: number;
  hostedZoneId?: string;
  idleTimeoutSeconds: number;
  sslPolicy: string;
  logRetentionDays: number;
  containerInsights: boolean;
  cpuArchitecture: 'X86_64' | 'ARM64';
  clusterArn?: string;
  accessLogsBucket?: string;
  webAclArn?: string;
}

export interface ProgramConfig {
  cloud: Cloud;
  serviceName: string;
  /** Unset on gcp: only the image repository is created (bootstrap). */
  image?: string;
  domainName?: string;
  server: ServerSettings & { authMode: AuthMode };
  secrets: McpSecretValues;
  /** Create the shared session store (Memorystore / ElastiCache Serverless) and pass its REDIS_URL as a secret. */
  sessionStore: boolean;
  minInstances?: number;
  maxInstances?: number;
  cpu?: string;
  memory?: string;
  deletionProtection?: boolean;
  /** The OpenTelemetry collector sidecar (docs/observability-infra.md). */
  telemetry?: boolean;
  /** E-mail address for the alarms (aws) or alert policies (gcp). */
  alertEmail?: string;
  gcp?: GcpProgramConfig;
  aws?: AwsProgramConfig;
}

/** Typed access to one configuration namespace, with errors that name the full key. */
class ConfigReader {
  /** `project`: keys of this project's namespace, which `pulumi config set` takes without the namespace. */
  constructor(
    readonly namespace: string,
    private readonly project = false,
  ) {}

  key(k: string): string {
    return `${this.namespace}:${k}`;
  }

  fail(k: string, message: string): never {
    throw new McpConfigError(`Invalid configuration ${this.key(k)}: ${message}`);
  }

  missing(k: string, why: string, example: string, secret = false): never {
    // An example starting with a flag (`--…`) is the whole argument list, not a value after the key.
    const args = example.startsWith('--') ? example : `${this.project ? k : this.key(k)} ${example}`;
    const set = `pulumi config set${secret ? ' --secret' : ''} ${args}`;
    throw new McpConfigError(`Missing configuration ${this.key(k)}: ${why} (${set})`);
  }

  /** The raw value; blank counts as unset. Read without Config.get, which warns about secret keys. */
  raw(k: string): string | undefined {
    const v = pulumi.runtime.getConfig(this.key(k));
    return v === undefined || v.trim() === '' ? undefined : v;
  }

  string(k: string): string | undefined {
    return this.raw(k)?.trim();
  }

  oneOf<T extends string>(k: string, allowed: readonly T[], fallback?: T): T | undefined {
    const v = this.string(k);
    if (v === undefined) return fallback;
    if (!(allowed as readonly string[]).includes(v)) {
      this.fail(k, `must be one of ${allowed.map((value) => `'${value}'`).join(', ')}, got '${v}'`);
    }
    return v as T;
  }

  integer(k: string, min: number, max: number, fallback?: number): number | undefined {
    const v = this.string(k);
    if (v === undefined) return fallback;
    if (!/^-?\d+$/.test(v)) this.fail(k, `must be a whole number, got '${v}'`);
    const n = Number(v);
    if (n < min || n > max) this.fail(k, `must be from ${min} to ${max}, got ${n}`);
    return n;
  }

  boolean(k: string, fallback?: boolean): boolean | undefined {
    const v = this.string(k)?.toLowerCase();
    if (v === undefined) return fallback;
    if (v !== 'true' && v !== 'false') this.fail(k, `must be true or false, got '${v}'`);
    return v === 'true';
  }

  /** A server setting, read by its kind in the contract's table (`SETTINGS`). */
  setting(k: DeploySettingKey): ServerSettings[DeploySettingKey] {
    const kind = SETTINGS[k].kind as SettingKind;
    switch (kind.type) {
      case 'list':
        return this.list(k);
      case 'integer':
        return this.integer(k, kind.limits.min, kind.limits.max);
      case 'oneOf':
        return this.oneOf(k, kind.values) as ServerSettings[DeploySettingKey];
      case 'boolean':
        return this.boolean(k) as ServerSettings[DeploySettingKey];
      default:
        return this.string(k);
    }
  }

  /**
   * A list. Pulumi.yaml declares list keys as strings, so `pulumi config set k a,b` (comma- or space-separated) is
   * the form; a JSON array string (`'["a","b"]'`) is read too.
   */
  list(k: string): string[] | undefined {
    const v = this.string(k);
    if (v === undefined) return undefined;
    let items: unknown;
    if (v.startsWith('[')) {
      try {
        items = JSON.parse(v);
      } catch {
        this.fail(k, `must be a JSON array of strings or a comma-separated list, got '${v}'`);
      }
      if (!Array.isArray(items) || !items.every((item) => typeof item === 'string')) {
        this.fail(k, 'must be a list of strings');
      }
    } else {
      items = v.split(/[\s,]+/);
    }
    const list = (items as string[]).map((i) => i.trim()).filter(Boolean);
    return list.length > 0 ? list : undefined;
  }

  /**
   * A secret value as a Pulumi secret output, or undefined when unset. A value set without `--secret` is refused: it
   * sits in plain text in the stack's configuration file. (Pulumi.yaml cannot declare these keys `secret: true`: with
   * the empty default that keeps them optional, the CLI would then refuse every stack that does not set them.)
   */
  secret(k: string): pulumi.Output<string> | undefined {
    if (this.raw(k) === undefined) return undefined;
    // The SDK's own record of which keys the CLI passed as secrets (PULUMI_CONFIG_SECRET_KEYS); not in its typings.
    const isConfigSecret = (pulumi.runtime as unknown as { isConfigSecret?: (key: string) => boolean }).isConfigSecret;
    if (isConfigSecret && !isConfigSecret(this.key(k))) {
      const setAgain = `pulumi config set --secret ${k} <value>`;
      this.fail(k, `is stored in plain text in the stack's configuration file: set it again with \`${setAgain}\``);
    }
    return pulumi.secret(new pulumi.Config(this.namespace).requireSecret(k));
  }
}

/** The tasks (aws) or instances (gcp) minInstances and maxInstances ask for, with each component's defaults. */
function instanceCount(config: Pick<ProgramConfig, 'cloud' | 'minInstances' | 'maxInstances'>): TaskCountRange {
  const defaults =
    config.cloud === 'aws'
      ? { min: FARGATE_DEFAULTS.autoScaling.minCapacity, max: FARGATE_DEFAULTS.autoScaling.maxCapacity }
      : { min: CLOUD_RUN_DEFAULTS.minInstances, max: CLOUD_RUN_DEFAULTS.maxInstances };
  const min = config.minInstances ?? defaults.min;
  return { min, max: config.maxInstances ?? Math.max(defaults.max, min) };
}

/** Reads and checks the stack configuration. Throws `McpConfigError` naming the key on the first problem. */
export function readProgramConfig(): ProgramConfig {
  const project = pulumi.getProject();
  const c = new ConfigReader(project, true);

  const cloud = c.oneOf('cloud', CLOUDS);
  if (cloud === undefined) {
    c.missing('cloud', "choose where to deploy, 'gcp' (Cloud Run) or 'aws' (ECS Fargate)", 'gcp');
  }

  const serviceName = c.string('serviceName') ?? PROGRAM_DEFAULTS.serviceName;
  if (!/^[a-z]([a-z0-9-]*[a-z0-9])?$/.test(serviceName)) {
    c.fail(
      'serviceName',
      'must be lowercase letters, digits and hyphens, start with a letter and not end with a hyphen, ' +
        `got '${serviceName}'`,
    );
  }
  const image = c.string('image');
  const domainName = c.string('domainName');
  if (domainName !== undefined && !isHostname(domainName)) {
    c.fail('domainName', `must be a host name like mcp.example.com (no scheme or path), got '${domainName}'`);
  }

  // ------------------------------------------------------------------ server settings
  // The settings, each read by its kind in the contract's table; authMode has the deployment default.
  const authMode = c.oneOf('authMode', AUTH_MODES, PROGRAM_DEFAULTS.authMode)!;
  if (authMode === 'none' || authMode === 'dev') {
    c.fail('authMode', `'${authMode}' only runs on loopback; a deployed service needs 'oauth', 'token' or 'broker'`);
  }
  const server: ProgramConfig['server'] = { authMode };
  const otherSettings = DEPLOY_SETTING_KEYS.filter((key) => !SETTINGS_READ_FIRST.includes(key));
  for (const key of [...SETTINGS_READ_FIRST.filter((key) => key !== 'authMode'), ...otherSettings]) {
    const value = c.setting(key);
    if (value !== undefined) Object.assign(server, { [key]: value });
  }
  const keepAliveSeconds = server.keepAliveSeconds;
  // Missing values the contract would also refuse: said first, with the key to set and how.
  if (authMode === 'oauth' && !server.oauthIssuer) {
    const why = "authMode 'oauth' needs the authorization server's issuer URL";
    c.missing('oauthIssuer', why, 'https://auth.example.com');
  }
  if (server.oauthIntrospectionUrl && !server.oauthClientId) {
    const why = 'oauthIntrospectionUrl needs the client the server introspects tokens as';
    c.missing('oauthClientId', why, '<client id>');
  }
  if (authMode === 'broker') {
    if (!server.upstreamIssuer) {
      const why =
        "authMode 'broker' needs the OpenID Connect provider users sign in with (Google: https://accounts.google.com)";
      c.missing('upstreamIssuer', why, 'https://accounts.google.com');
    }
    if (!server.upstreamClientId) {
      const why = "authMode 'broker' needs the server's OAuth client id at the upstream provider";
      c.missing('upstreamClientId', why, '<client id>');
    }
  }
  try {
    validateServerSettings(server, 'server settings');
  } catch (e) {
    const message = (e as Error).message.replace(/^server settings: /, '');
    const key = CONFIG_KEYS.find((k) => message.startsWith(k)) ?? 'authMode';
    c.fail(key, message);
  }
  const secrets: McpSecretValues = {};
  const clientSecret = c.secret('oauthClientSecret');
  if (clientSecret) secrets.oauthClientSecret = clientSecret;
  const bearerTokens = c.secret('bearerTokens');
  if (bearerTokens) {
    // The server's own rule (never echoing a token): a token it would refuse fails here, not in a container that
    // never starts.
    const problem = bearerTokensProblem(c.raw('bearerTokens')!);
    if (problem) c.fail('bearerTokens', `the server would refuse these tokens: ${problem}`);
    secrets.bearerTokens = bearerTokens;
  }
  const upstreamClientSecret = c.secret('upstreamClientSecret');
  if (upstreamClientSecret) secrets.upstreamClientSecret = upstreamClientSecret;
  const brokerSigningKeys = c.secret('brokerSigningKeys');
  if (brokerSigningKeys) {
    // The shape the server requires (never echoing a key): a malformed set fails here, not in a container.
    const problem = signingKeysProblem(c.raw('brokerSigningKeys')!);
    if (problem) c.fail('brokerSigningKeys', `the server would refuse these keys: ${problem}`);
    secrets.brokerSigningKeys = brokerSigningKeys;
  }
  // Unset: the component generates one key and keeps it across runs. Set (`<new>,<old>`) to rotate.
  const requestStateKeys = c.secret('requestStateKeys');
  if (requestStateKeys) {
    const problem = requestStateKeysProblem(c.raw('requestStateKeys')!);
    if (problem) c.fail('requestStateKeys', `the server would refuse these keys: ${problem}`);
    secrets.requestStateKeys = requestStateKeys;
  }
  const needs = (env: EnvName, sharedStore = false) => settingsNeedSecret(server, env, { sharedStore });
  if (needs(ENV.bearerTokens) && !bearerTokens) {
    const why = "authMode 'token' needs the accepted bearer tokens (comma-separated), set as a secret";
    c.missing('bearerTokens', why, '<token1>,<token2>', true);
  }
  if (needs(ENV.oauthClientSecret) && !clientSecret) {
    c.missing('oauthClientSecret', "oauthIntrospectionUrl needs that client's secret", '<client secret>', true);
  }
  const keepAlive = keepAliveSeconds ?? DEFAULTS.keepAliveSeconds;

  const config: ProgramConfig = {
    cloud: cloud!,
    serviceName,
    image,
    domainName,
    server,
    secrets,
    sessionStore: c.boolean('sessionStore', PROGRAM_DEFAULTS.sessionStore)!,
    minInstances: c.integer('minInstances', 0, 1000),
    maxInstances: c.integer('maxInstances', 1, 1000),
    cpu: c.string('cpu'),
    memory: c.string('memory'),
    deletionProtection: c.boolean('deletionProtection'),
    telemetry: c.boolean('telemetry'),
    alertEmail: c.string('alertEmail'),
  };
  // The broker keeps its state in the store whatever the session mode, and listen streams on several instances hear
  // each other's list changes through it; stateless requests on a single instance alone read nothing there.
  const unusedStore = config.sessionStore
    ? unusedSessionStoreProblem(server, instanceCount(config), {
        billed: 'store',
        task: cloud === 'aws' ? 'task' : 'instance',
        fix: UNUSED_STORE_FIX,
      })
    : undefined;
  if (unusedStore) c.fail('sessionStore', unusedStore);
  if (needs(ENV.brokerSigningKeys, config.sessionStore) && !brokerSigningKeys) {
    throw new McpConfigError(
      `Missing configuration ${c.key('brokerSigningKeys')}: authMode 'broker' with sessionStore needs the signing ` +
        'keys, the same on every instance (the server refuses to start without them) ' +
        '(npm run -s broker:keys | pulumi config set --secret brokerSigningKeys)',
    );
  }
  if (cloud === 'aws') {
    if (config.minInstances !== undefined && config.minInstances < 1)
      c.fail('minInstances', `must be at least 1 on aws (Fargate does not scale to zero), got ${config.minInstances}`);
    if (config.cpu !== undefined && !/^\d+$/.test(config.cpu))
      c.fail('cpu', `on aws is Fargate CPU units such as 256, 512, 1024, got '${config.cpu}'`);
    if (config.memory !== undefined && !/^\d+$/.test(config.memory))
      c.fail('memory', `on aws is MiB such as 1024, got '${config.memory}'`);
  } else {
    if (config.cpu !== undefined && !CLOUD_RUN_CPU_PATTERN.test(config.cpu)) {
      c.fail('cpu', `on gcp looks like '1', '2' or '1000m', got '${config.cpu}'`);
    }
    if (config.memory !== undefined && !CLOUD_RUN_MEMORY_PATTERN.test(config.memory)) {
      c.fail('memory', `on gcp looks like '512Mi' or '2Gi', got '${config.memory}'`);
    }
  }
  const instanceRange = { min: config.minInstances, max: config.maxInstances };
  if (instanceRange.min !== undefined && instanceRange.max !== undefined && instanceRange.min > instanceRange.max) {
    c.fail('maxInstances', `must be at least minInstances (${config.minInstances}), got ${config.maxInstances}`);
  }

  if (cloud === 'gcp') {
    const gcpConfig = new ConfigReader('gcp');
    const gcpProject = gcp.config.project;
    if (!gcpProject) gcpConfig.missing('project', 'the Google Cloud project to deploy to', '<project-id>');
    const region = gcp.config.region;
    if (!region) gcpConfig.missing('region', 'the Cloud Run region', 'us-central1');
    const maxNameLength = CLOUD_RUN_LIMITS.serviceNameMaxLength;
    if (serviceName.length > maxNameLength) {
      c.fail('serviceName', `must be at most ${maxNameLength} characters on Cloud Run, got '${serviceName}'`);
    }
    const { min, max } = CLOUD_RUN_LIMITS.requestTimeoutSeconds;
    const requestTimeoutSeconds = c.integer('requestTimeoutSeconds', min, max, PROGRAM_DEFAULTS.requestTimeoutSeconds)!;
    if (requestTimeoutSeconds <= keepAlive) {
      c.fail(
        'requestTimeoutSeconds',
        `must exceed keepAliveSeconds (${keepAlive}), or streams are cut between keep-alives; ` +
          `got ${requestTimeoutSeconds}`,
      );
    }
    const drainProblem = server.drainSeconds === undefined ? undefined : cloudRunDrainProblem(server.drainSeconds);
    if (drainProblem) c.fail('drainSeconds', drainProblem);
    const { minInstances, maxInstances } = config;
    if (minInstances !== undefined && maxInstances === undefined && minInstances > CLOUD_RUN_DEFAULTS.maxInstances) {
      config.maxInstances = minInstances;
    }
    const concurrencyLimits = CLOUD_RUN_LIMITS.concurrency;
    config.gcp = {
      project: gcpProject!,
      region: region!,
      requestTimeoutSeconds,
      concurrency: c.integer(
        'concurrency',
        concurrencyLimits.min,
        concurrencyLimits.max,
        PROGRAM_DEFAULTS.concurrency,
      )!,
      cpuAlwaysAllocated: c.boolean('cpuAlwaysAllocated', PROGRAM_DEFAULTS.cpuAlwaysAllocated)!,
      publicAccess: c.oneOf('publicAccess', CLOUD_RUN_PUBLIC_ACCESS, PROGRAM_DEFAULTS.publicAccess)!,
      createImageRepository: c.boolean('createImageRepository', PROGRAM_DEFAULTS.createImageRepository)!,
      enableApis: c.boolean('enableApis', PROGRAM_DEFAULTS.enableApis)!,
    };
    if (!image && !config.gcp.createImageRepository) {
      c.missing(
        'image',
        'the server image to run (with createImageRepository false there is nothing else to deploy)',
        '<region>-docker.pkg.dev/<project>/<repo>/server:<tag>',
      );
    }
  } else {
    const awsConfig = new ConfigReader('aws');
    const region = aws.config.region;
    if (!region) awsConfig.missing('region', 'the AWS region to deploy to', 'us-east-1');
    if (!image)
      c.missing(
        'image',
        'the server image to run (e.g. pushed to ECR)',
        '<account>.dkr.ecr.<region>.amazonaws.com/remote-mcp:<tag>',
      );
    const certificateArn = c.string('certificateArn');
    if (!certificateArn)
      c.missing(
        'certificateArn',
        'the ACM certificate of the HTTPS listener (in the same region)',
        'arn:aws:acm:<region>:<account>:certificate/<id>',
      );
    if (!isAcmCertificateArn(certificateArn!))
      c.fail('certificateArn', `must be an ACM certificate ARN, got '${certificateArn}'`);
    const certificateRegion = certificateRegionProblem(certificateArn!, region);
    if (certificateRegion) c.fail('certificateArn', `${certificateRegion} (aws:region)`);
    // Your network (all three keys), or none: a network like the CDK app's is created.
    const vpcId = c.string('vpcId');
    const publicSubnetIds = c.list('publicSubnetIds');
    const privateSubnetIds = c.list('privateSubnetIds');
    if (vpcId || publicSubnetIds || privateSubnetIds) {
      if (!vpcId)
        c.missing(
          'vpcId',
          'the VPC of publicSubnetIds and privateSubnetIds (or unset all three: a network is created)',
          'vpc-0123456789abcdef0',
        );
      if (!publicSubnetIds)
        c.missing(
          'publicSubnetIds',
          'public subnets (two AZs or more) for the load balancer, comma-separated (or unset vpcId: a network is created)',
          'subnet-aaa,subnet-bbb',
        );
      if (!privateSubnetIds)
        c.missing(
          'privateSubnetIds',
          'private subnets with egress for the tasks, comma-separated (or unset vpcId: a network is created)',
          'subnet-ccc,subnet-ddd',
        );
    }
    const natGateways = c.integer('natGateways', 1, NETWORK_DEFAULTS.availabilityZones, undefined);
    if (natGateways !== undefined && vpcId)
      c.fail('natGateways', 'applies only to the created network: unset it with vpcId');
    const { min, max } = FARGATE_LIMITS.idleTimeoutSeconds;
    const idleTimeoutSeconds = c.integer('idleTimeoutSeconds', min, max, PROGRAM_DEFAULTS.idleTimeoutSeconds)!;
    const idleProblem = albIdleTimeoutProblem(idleTimeoutSeconds, keepAlive);
    if (idleProblem) c.fail('idleTimeoutSeconds', idleProblem);
    const drainProblem = server.drainSeconds === undefined ? undefined : fargateDrainProblem(server.drainSeconds);
    if (drainProblem) c.fail('drainSeconds', drainProblem);
    const hostedZoneId = c.string('hostedZoneId');
    if (hostedZoneId && !domainName)
      c.missing('domainName', 'hostedZoneId needs the record name to create', 'mcp.example.com');
    const logRetentionDays = c.integer('logRetentionDays', 1, 3653, PROGRAM_DEFAULTS.logRetentionDays)!;
    if (!(CLOUDWATCH_RETENTION_DAYS as readonly number[]).includes(logRetentionDays)) {
      c.fail(
        'logRetentionDays',
        `must be one of CloudWatch's values (${CLOUDWATCH_RETENTION_DAYS.join(', ')}), got ${logRetentionDays}`,
      );
    }
    config.aws = {
      region: region!,
      certificateArn: certificateArn!,
      vpcId,
      publicSubnetIds,
      privateSubnetIds,
      natGateways,
      hostedZoneId,
      idleTimeoutSeconds,
      sslPolicy: c.string('sslPolicy') ?? PROGRAM_DEFAULTS.sslPolicy,
      logRetentionDays,
      containerInsights: c.boolean('containerInsights', PROGRAM_DEFAULTS.containerInsights)!,
      cpuArchitecture: c.oneOf('cpuArchitecture', CPU_ARCHITECTURES, PROGRAM_DEFAULTS.cpuArchitecture)!,
      clusterArn: c.string('clusterArn'),
      accessLogsBucket: c.string('accessLogsBucket'),
      webAclArn: c.string('webAclArn'),
    };
    if (serviceName.length > FARGATE_LIMITS.nameMaxLength) {
      c.fail(
        'serviceName',
        `must be at most ${FARGATE_LIMITS.nameMaxLength} characters on aws (load balancer and target group names), got '${serviceName}'`,
      );
    }
    // Stateful sessions without the shared store live in one task's memory and the ALB has no stickiness: only a
    // single task can hold them.
    if (server.sessionMode === 'stateful') {
      const problem = statefulSessionsProblem(
        instanceCount(config),
        'run exactly one task (pulumi config set minInstances 1 && pulumi config set maxInstances 1)',
        {
          sharedStore: config.sessionStore,
          sharedStoreHint: 'pulumi config set sessionStore true',
        },
      );
      if (problem) c.fail('sessionMode', problem);
    }
  }
  return config;
}
