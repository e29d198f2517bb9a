/**
 * Validation and defaults of `McpFargateServiceArgs` (the counterpart of the CDK construct's `resolve-props.ts`):
 * one clear sentence per mistake, thrown as `McpConfigError` before any resource is created.
 */
import * as aws from '@pulumi/aws';
import type * as pulumi from '@pulumi/pulumi';
import { DEFAULTS, ENV, REDIS, SECRET_ENV, type ServerSettings } from '../../../server/config/contract';
import { ALB_IDLE_TIMEOUT_SECONDS, DEFAULT_ALB_IDLE_TIMEOUT_SECONDS, albIdleTimeoutProblem } from '../../shared/alb';
import { certificateRegionProblem } from '../../shared/arn';
import { TASK_AUTO_SCALING_DEFAULTS, resolveTaskScalingTargets } from '../../shared/auto-scaling';
import {
  CLOUDWATCH_LOG_RETENTION_DAYS,
  CONTAINER_USER,
  ELASTICACHE_LIMITS,
  ELASTICACHE_SESSION_STORE,
  FARGATE_CPU_UNITS,
  FARGATE_MAX_STOP_TIMEOUT_SECONDS,
  FARGATE_MEMORY_MIB,
  FARGATE_TASK_DEFAULTS,
  LOG_RETENTION_DAYS,
  fargateDrainProblem,
} from '../../shared/fargate';
import { statefulSessionsProblem, unusedSessionStoreProblem } from '../../shared/sessions';
import { checkInteger, configFail } from '../common/errors';
import { readSessionStoreArg } from '../common/session-store-arg';
import {
  assertSecretsFitSettings,
  brokerWarnings,
  resolveServerSettings,
  secretEntries,
  type ResolvedSettings,
  type SecretEntry,
} from '../common/server-settings';
import type {
  McpFargateAutoScaling,
  McpFargateExistingSessionStore,
  McpFargateServiceArgs,
  McpFargateSessionStore,
} from './fargate-service-args';
import { checkAlarms } from './observability';
import { NETWORK_DEFAULTS } from './network';

/** AWS limits the component checks before creating anything. */
export const FARGATE_LIMITS = {
  /** ALB `idle_timeout.timeout_seconds`. */
  idleTimeoutSeconds: ALB_IDLE_TIMEOUT_SECONDS,
  /** Fargate caps a container's stopTimeout at 120 s; stopTimeoutSeconds(drain) must fit. */
  maxStopTimeoutSeconds: FARGATE_MAX_STOP_TIMEOUT_SECONDS,
  /**
   * Longest component name. Load balancer and target group names are limited to 32 characters, and Pulumi's
   * auto-naming appends `-` and 7 random characters to the logical name: the longest, `<name>-alb`, must fit
   * 32 - 8 = 24 characters, so `<name>` at most 20.
   */
  nameMaxLength: 20,
} as const;

/** The component's defaults: the task facts are the CDK construct's (`infra/shared/fargate.ts`). */
export const FARGATE_DEFAULTS = {
  /** Long enough for a tool to run an hour without output; far above the server's keep-alive interval. */
  idleTimeoutSeconds: DEFAULT_ALB_IDLE_TIMEOUT_SECONDS,
  /** TLS 1.3 and 1.2 with restricted ciphers and post-quantum key exchange (the CDK construct's default). */
  sslPolicy: 'ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09',
  cpu: FARGATE_TASK_DEFAULTS.cpu,
  memoryMiB: FARGATE_TASK_DEFAULTS.memoryMiB,
  cpuArchitecture: FARGATE_TASK_DEFAULTS.cpuArchitecture,
  containerUser: CONTAINER_USER,
  logRetentionDays: LOG_RETENTION_DAYS,
  desiredCount: FARGATE_TASK_DEFAULTS.desiredCount,
  /** The same as the CDK construct's (`infra/shared/auto-scaling.ts`). */
  autoScaling: TASK_AUTO_SCALING_DEFAULTS,
  containerInsights: true,
  deletionProtection: false,
  ingressCidrs: ['0.0.0.0/0'],
} as const;

/** The retention periods CloudWatch Logs accepts. */
export const CLOUDWATCH_RETENTION_DAYS = CLOUDWATCH_LOG_RETENTION_DAYS;

/** The shared session store to create (`created`) or to connect to (`existing`), as the CDK construct names them. */
export type ResolvedSessionStore =
  | ({ kind: 'created' } & Required<Pick<McpFargateSessionStore, 'majorEngineVersion'>> & McpFargateSessionStore)
  | ({ kind: 'existing' } & McpFargateExistingSessionStore & { port: number });

export type ResolvedAutoScaling = Required<McpFargateAutoScaling>;

/** Everything the component derives from its arguments before creating resources. */
export interface ResolvedArgs {
  /** Server settings with the deployment defaults applied (`publicUrl` may be unset: the ALB's DNS name). */
  settings: ResolvedSettings;
  drainSeconds: number;
  idleTimeoutSeconds: number;
  cpu: number;
  memoryLimitMiB: number;
  cpuArchitecture: 'X86_64' | 'ARM64';
  logRetentionDays: number;
  autoScaling: ResolvedAutoScaling | undefined;
  desiredCount: number;
  sessionStore: ResolvedSessionStore | undefined;
  /** Secret values given to the component (a secret is created for them). */
  secretValues: SecretEntry[];
  /** Fields of the service's secret (created or `secretArn`) injected as the contract's secret variables. */
  secretFields: string[];
  /** Whether the network is created (no `vpcId`, `publicSubnetIds`, `privateSubnetIds` given). */
  createNetwork: boolean;
  tags: Record<string, string>;
  /** What may go wrong at run time (broker mode on several tasks), for `pulumi.log.warn`. */
  warnings: string[];
}

/** Validates `args` and applies the defaults. Throws `McpConfigError`. */
export function resolveArgs(
  name: string,
  args: McpFargateServiceArgs,
  opts: pulumi.ComponentResourceOptions | undefined,
  where: string,
): ResolvedArgs {
  const nameMax = FARGATE_LIMITS.nameMaxLength;
  if (!/^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?$/.test(name) || name.length > nameMax) {
    configFail(
      where,
      `the component name must be letters, digits and hyphens, at most ${nameMax} characters ` +
        `(load balancer and target group names are limited to 32), got '${name}'`,
    );
  }
  if (args.hostedZoneId !== undefined && !args.domainName) {
    configFail(where, '`hostedZoneId` needs `domainName` (the record to create in it)');
  }
  const { settings, keepAliveSeconds, drainSeconds } = resolveServerSettings(
    where,
    { server: serverSettingsOf(where, args), domainName: args.domainName },
    { defaultSeconds: DEFAULTS.drainSeconds, problem: fargateDrainProblem },
  );
  const idleTimeoutSeconds = args.idleTimeoutSeconds ?? FARGATE_DEFAULTS.idleTimeoutSeconds;
  const idleProblem = albIdleTimeoutProblem(idleTimeoutSeconds, keepAliveSeconds);
  if (idleProblem) configFail(where, `idleTimeoutSeconds ${idleProblem}`);
  const task = resolveTaskSize(where, args);
  const logRetentionDays = args.logRetentionDays ?? FARGATE_DEFAULTS.logRetentionDays;
  if (!(CLOUDWATCH_LOG_RETENTION_DAYS as readonly number[]).includes(logRetentionDays)) {
    configFail(
      where,
      `logRetentionDays must be one of CloudWatch's values (${CLOUDWATCH_LOG_RETENTION_DAYS.join(', ')}), ` +
        `got ${logRetentionDays}`,
    );
  }
  const autoScaling = args.autoScaling === false ? undefined : resolveAutoScaling(where, args.autoScaling ?? {});
  const desiredCount = args.desiredCount ?? (autoScaling ? autoScaling.minCapacity : FARGATE_DEFAULTS.desiredCount);
  checkInteger(where, 'desiredCount', desiredCount, 1, 10000);
  if (autoScaling && (desiredCount < autoScaling.minCapacity || desiredCount > autoScaling.maxCapacity)) {
    configFail(
      where,
      `desiredCount (${desiredCount}) must be within autoScaling minCapacity..maxCapacity ` +
        `(${autoScaling.minCapacity}..${autoScaling.maxCapacity})`,
    );
  }
  const sessionStore = resolveSessionStore(where, args.sessionStore);
  checkSessionStoreFits(where, args, settings, sessionStore, autoScaling, desiredCount);
  checkCertificateRegion(where, args, opts);
  checkAlarms(where, args.alarms);
  const { secretValues, secretFields } = resolveSecrets(where, args);
  const sharedStore = sessionStore !== undefined || secretFields.includes(ENV.redisUrl);
  assertSecretsFitSettings(settings, secretFields, where, { sharedStore });
  const maxTasks = autoScaling ? autoScaling.maxCapacity : desiredCount;
  const warnings = brokerWarnings(settings, secretFields, {
    instances: maxTasks > 1 ? `up to ${maxTasks} tasks` : undefined,
    sharedStore,
    fix:
      'The load balancer has no stickiness: run one task (`autoScaling: false` with `desiredCount: 1`), or give the ' +
      'service a shared store (sessionStore: true, which holds the broker state, with the signing keys).',
    restarts: 'a deployment, a task replacement, scale-in',
  });
  return {
    settings,
    drainSeconds,
    idleTimeoutSeconds,
    ...task,
    logRetentionDays,
    autoScaling,
    desiredCount,
    sessionStore,
    secretValues,
    secretFields,
    createNetwork: resolveNetworkGiven(where, args) === 'none',
    tags: { 'managed-by': 'pulumi', app: 'remote-mcp', ...(args.tags ?? {}) },
    warnings: warnings.map((warning) => `${where}: ${warning}`),
  };
}

/** `serverSettings`, or its deprecated former name `server` (not both). */
function serverSettingsOf(where: string, args: McpFargateServiceArgs): ServerSettings | undefined {
  if (args.serverSettings !== undefined && args.server !== undefined) {
    configFail(where, 'pass `serverSettings` only (`server` is its deprecated former name), not both');
  }
  return args.serverSettings ?? args.server;
}

function resolveTaskSize(
  where: string,
  args: McpFargateServiceArgs,
): Pick<ResolvedArgs, 'cpu' | 'memoryLimitMiB' | 'cpuArchitecture'> {
  const cpu = args.cpu ?? FARGATE_DEFAULTS.cpu;
  if (!(FARGATE_CPU_UNITS as readonly number[]).includes(cpu)) {
    configFail(where, `cpu must be a Fargate CPU value (${FARGATE_CPU_UNITS.join(', ')}), got ${cpu}`);
  }
  if (args.memoryLimitMiB !== undefined && args.memoryMiB !== undefined) {
    configFail(where, 'pass `memoryLimitMiB` only (`memoryMiB` is its deprecated former name), not both');
  }
  const memoryLimitMiB = args.memoryLimitMiB ?? args.memoryMiB ?? FARGATE_DEFAULTS.memoryMiB;
  // The message names the argument as given (`memoryMiB` in programs written before the rename).
  const memoryArg = args.memoryMiB !== undefined ? 'memoryMiB' : 'memoryLimitMiB';
  checkInteger(where, memoryArg, memoryLimitMiB, FARGATE_MEMORY_MIB.min, FARGATE_MEMORY_MIB.max);
  const cpuArchitecture = args.cpuArchitecture ?? FARGATE_DEFAULTS.cpuArchitecture;
  if (cpuArchitecture !== 'X86_64' && cpuArchitecture !== 'ARM64') {
    configFail(where, `cpuArchitecture must be X86_64 or ARM64, got '${String(cpuArchitecture)}'`);
  }
  return { cpu, memoryLimitMiB, cpuArchitecture };
}

/**
 * The session store serves stateful sessions, the broker and listen streams on several tasks; and stateful sessions
 * without one need a single task.
 */
function checkSessionStoreFits(
  where: string,
  args: McpFargateServiceArgs,
  settings: ResolvedSettings,
  store: ResolvedSessionStore | undefined,
  autoScaling: ResolvedAutoScaling | undefined,
  desiredCount: number,
): void {
  const tasks = autoScaling
    ? { min: autoScaling.minCapacity, max: autoScaling.maxCapacity }
    : { min: desiredCount, max: desiredCount };
  const unusedStore = store
    ? unusedSessionStoreProblem(settings, tasks, {
        billed: 'cache',
        task: 'task',
        fix: "set `serverSettings: { sessionMode: 'stateful' }`, or remove sessionStore",
      })
    : undefined;
  if (unusedStore) configFail(where, `sessionStore ${unusedStore}`);
  const secretFields = args.secretFields ?? [];
  if (store && secretFields.includes(ENV.redisUrl)) {
    configFail(where, `'${ENV.redisUrl}' comes from sessionStore: remove it from secretFields`);
  }
  // Stateful sessions without a shared store live in one task's memory and the ALB has no stickiness: only a single
  // task can hold them. With the store (created, or an existing one's URL) any task serves any session.
  if (settings.sessionMode !== 'stateful') return;
  const oneTask =
    'run exactly one task (`autoScaling: false` with `desiredCount: 1`, or ' +
    '`autoScaling: { minCapacity: 1, maxCapacity: 1 }`)';
  const problem = statefulSessionsProblem(tasks, oneTask, {
    sharedStore: store !== undefined || secretFields.includes(ENV.redisUrl),
    sharedStoreHint: '`sessionStore: true` creates ElastiCache Serverless for Valkey',
  });
  if (problem) configFail(where, problem);
}

/**
 * An ALB takes only certificates of its own region. Checked against `aws:region` when the ARN is a plain string
 * and the component uses the default provider (an explicit or inherited provider may be in another region).
 */
function checkCertificateRegion(
  where: string,
  args: McpFargateServiceArgs,
  opts: pulumi.ComponentResourceOptions | undefined,
): void {
  if (typeof args.certificateArn !== 'string' || opts?.provider || opts?.providers || opts?.parent) return;
  const problem = certificateRegionProblem(args.certificateArn, aws.config.region);
  if (problem) configFail(where, `certificateArn: ${problem}`);
}

/** Secrets: values given here (a new secret), or an existing secret's fields — not both. */
function resolveSecrets(
  where: string,
  args: McpFargateServiceArgs,
): Pick<ResolvedArgs, 'secretValues' | 'secretFields'> {
  const secretValues = secretEntries(args.secrets, where);
  if (secretValues.length > 0 && args.secretArn !== undefined) {
    configFail(where, 'pass either `secrets` (a secret is created) or `secretArn` with `secretFields`, not both');
  }
  if (args.secretArn !== undefined && (args.secretFields ?? []).length === 0) {
    configFail(where, '`secretArn` needs `secretFields` (the JSON fields to inject)');
  }
  if (args.secretFields !== undefined && args.secretArn === undefined) {
    configFail(where, '`secretFields` applies only to `secretArn`');
  }
  for (const field of args.secretFields ?? []) {
    if (!SECRET_ENV.includes(field)) {
      configFail(where, `secretFields may only name ${SECRET_ENV.join(', ')}, got '${field}'`);
    }
  }
  const secretFields: string[] =
    args.secretArn !== undefined ? [...(args.secretFields ?? [])] : secretValues.map((entry) => entry.env);
  return { secretValues, secretFields };
}

/** A network is all three of `vpcId`, `publicSubnetIds`, `privateSubnetIds` (yours), or none (created). */
function resolveNetworkGiven(where: string, args: McpFargateServiceArgs): 'all' | 'none' {
  const given = [args.vpcId, args.publicSubnetIds, args.privateSubnetIds].filter((v) => v !== undefined).length;
  if (given !== 0 && given !== 3) {
    configFail(
      where,
      'give all of `vpcId`, `publicSubnetIds` and `privateSubnetIds` (your network), ' +
        'or none of them (a network is created)',
    );
  }
  if (args.natGateways !== undefined) {
    if (given === 3) configFail(where, 'natGateways applies only to a created network; omit it with `vpcId`');
    checkInteger(where, 'natGateways', args.natGateways, 1, NETWORK_DEFAULTS.availabilityZones);
  }
  return given === 3 ? 'all' : 'none';
}

/** `sessionStore` checked, with the defaults applied; undefined when there is none. */
export function resolveSessionStore(
  where: string,
  arg: McpFargateServiceArgs['sessionStore'],
): ResolvedSessionStore | undefined {
  const read = readSessionStoreArg<McpFargateExistingSessionStore, McpFargateSessionStore>(
    where,
    arg,
    'redisUrlSecretArn',
    ['redisUrlSecretArn', 'field', 'securityGroupId', 'port'],
  );
  if (!read) return undefined;
  if ('existing' in read) {
    const port = read.existing.port ?? REDIS.port;
    checkInteger(where, 'sessionStore.port', port, 1, 65535);
    return { kind: 'existing', ...read.existing, port };
  }
  const settings = read.create;
  const majorEngineVersion = settings.majorEngineVersion ?? ELASTICACHE_SESSION_STORE.majorEngineVersion;
  const minMajor = ELASTICACHE_SESSION_STORE.minMajorEngineVersion;
  if (!/^\d+$/.test(majorEngineVersion) || Number(majorEngineVersion) < minMajor) {
    configFail(
      where,
      `sessionStore.majorEngineVersion must be a Valkey major version, ${minMajor} or later ` +
        `(the server needs Redis/Valkey 7+), got '${majorEngineVersion}'`,
    );
  }
  const { dataStorageGB: storage, ecpuPerSecond: ecpu } = ELASTICACHE_LIMITS;
  if (settings.maxDataStorageGB !== undefined) {
    checkInteger(where, 'sessionStore.maxDataStorageGB', settings.maxDataStorageGB, storage.min, storage.max);
  }
  if (settings.maxEcpuPerSecond !== undefined) {
    checkInteger(where, 'sessionStore.maxEcpuPerSecond', settings.maxEcpuPerSecond, ecpu.min, ecpu.max);
  }
  return { kind: 'created', ...settings, majorEngineVersion };
}

/** Capacity and targets by the rules shared with the CDK construct; cooldowns are seconds here. */
function resolveAutoScaling(where: string, autoScaling: McpFargateAutoScaling): ResolvedAutoScaling {
  const defaults = FARGATE_DEFAULTS.autoScaling;
  const resolved: ResolvedAutoScaling = {
    ...resolveTaskScalingTargets(autoScaling, (message) => configFail(where, message)),
    scaleInCooldownSeconds: autoScaling.scaleInCooldownSeconds ?? defaults.scaleInCooldownSeconds,
    scaleOutCooldownSeconds: autoScaling.scaleOutCooldownSeconds ?? defaults.scaleOutCooldownSeconds,
  };
  checkInteger(where, 'autoScaling.scaleInCooldownSeconds', resolved.scaleInCooldownSeconds, 0, 86400);
  checkInteger(where, 'autoScaling.scaleOutCooldownSeconds', resolved.scaleOutCooldownSeconds, 0, 86400);
  return resolved;
}
