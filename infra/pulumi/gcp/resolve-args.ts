/**
 * Validation and defaults of `McpCloudRunServiceArgs`: one clear sentence per mistake (`McpConfigError`), thrown
 * before any resource is created, and warnings for what works but is fragile. Like the CDK construct's
 * `resolve-props.ts`: the component's constructor only wires what this returns.
 */
import type { AuthMode } from '../../../server/config/contract';
import {
  CLOUD_RUN_CPU_PATTERN,
  CLOUD_RUN_DEFAULTS,
  CLOUD_RUN_LIMITS,
  CLOUD_RUN_MEMORY_PATTERN,
  CLOUD_RUN_PUBLIC_ACCESS,
  cloudRunDrainProblem,
  cloudRunMemoryMiB,
  cloudRunVcpus,
  type CloudRunPublicAccess,
} from '../../shared/cloud-run';
import { unusedSessionStoreProblem } from '../../shared/sessions';
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
  CloudRunExistingSessionStore,
  CloudRunSessionStore,
  McpCloudRunServiceArgs,
} from './cloud-run-service-args';
import { checkAlerts, monitoringApis } from './monitoring';
import { resolveProjectAndRegion } from './project';
import { SESSION_STORE_DEFAULTS, type ResolvedSessionStore } from './session-store';

/** The Google APIs the service may need (enabled unless `enableApis: false`). */
const GOOGLE_APIS = {
  run: 'run.googleapis.com',
  iam: 'iam.googleapis.com',
  secretManager: 'secretmanager.googleapis.com',
  redis: 'redis.googleapis.com',
  compute: 'compute.googleapis.com',
} as const;

/** What to change when nothing would read the session store, in the component's terms. */
const UNUSED_STORE_FIX = "set `server: { sessionMode: 'stateful' }`, or remove sessionStore";

/** Cloud Run service names: lowercase letters, digits and hyphens, a letter first, no hyphen last. */
const SERVICE_NAME_PATTERN = /^[a-z]([a-z0-9-]*[a-z0-9])?$/;

/** The arguments checked, with every default applied. */
export interface ResolvedCloudRunArgs {
  /** `McpCloudRunService <name>`: the prefix of every message. */
  where: string;
  project: string;
  region: string;
  serviceName: string;
  settings: ResolvedSettings & { authMode: AuthMode };
  requestTimeoutSeconds: number;
  concurrency: number;
  minInstances: number;
  maxInstances: number;
  cpu: string;
  memory: string;
  cpuAlwaysAllocated: boolean;
  startupCpuBoost: boolean;
  publicAccess: CloudRunPublicAccess;
  ingress: string;
  deletionProtection: boolean;
  /** The secret values given, checked and wrapped as Pulumi secrets. */
  secrets: SecretEntry[];
  /** `sessionMode: 'stateful'`. */
  stateful: boolean;
  sessionStore: ResolvedSessionStore | undefined;
  labels: Record<string, string>;
  /** The Google APIs to enable; empty with `enableApis: false`. */
  apis: string[];
  artifactRegistry: boolean;
}

/**
 * Checks the arguments and applies the defaults. Throws `McpConfigError`; `warn` receives what works but is
 * fragile (broker state per instance, stateful sessions without a shared store).
 */
export function resolveCloudRunArgs(
  name: string,
  args: McpCloudRunServiceArgs,
  warn: (message: string) => void,
): ResolvedCloudRunArgs {
  const where = `McpCloudRunService ${name}`;
  const { project, region } = resolveProjectAndRegion(where, args.project, args.region);
  const serviceName = args.serviceName ?? name;
  const maxNameLength = CLOUD_RUN_LIMITS.serviceNameMaxLength;
  if (!SERVICE_NAME_PATTERN.test(serviceName) || serviceName.length > maxNameLength) {
    configFail(
      where,
      'serviceName must be lowercase letters, digits and hyphens, start with a letter, not end with a hyphen, ' +
        `at most ${maxNameLength} characters; got '${serviceName}'`,
    );
  }
  const { settings, keepAliveSeconds } = resolveServerSettings(where, args, {
    defaultSeconds: CLOUD_RUN_DEFAULTS.drainSeconds,
    problem: cloudRunDrainProblem,
  });

  const requestTimeoutSeconds = args.requestTimeoutSeconds ?? CLOUD_RUN_DEFAULTS.requestTimeoutSeconds;
  const timeoutLimits = CLOUD_RUN_LIMITS.requestTimeoutSeconds;
  checkInteger(where, 'requestTimeoutSeconds', requestTimeoutSeconds, timeoutLimits.min, timeoutLimits.max);
  if (requestTimeoutSeconds <= keepAliveSeconds) {
    configFail(
      where,
      `requestTimeoutSeconds (${requestTimeoutSeconds}) must exceed the server's keepAliveSeconds ` +
        `(${keepAliveSeconds}), or streams are cut between keep-alives`,
    );
  }
  const concurrency = args.concurrency ?? CLOUD_RUN_DEFAULTS.concurrency;
  checkInteger(where, 'concurrency', concurrency, CLOUD_RUN_LIMITS.concurrency.min, CLOUD_RUN_LIMITS.concurrency.max);
  const minInstances = args.minInstances ?? CLOUD_RUN_DEFAULTS.minInstances;
  const maxInstances = args.maxInstances ?? Math.max(CLOUD_RUN_DEFAULTS.maxInstances, minInstances);
  for (const [key, value] of [
    ['minInstances', minInstances],
    ['maxInstances', maxInstances],
  ] as const) {
    checkInteger(where, key, value, CLOUD_RUN_LIMITS[key].min, CLOUD_RUN_LIMITS[key].max);
  }
  if (minInstances > maxInstances) {
    configFail(where, `minInstances (${minInstances}) must not exceed maxInstances (${maxInstances})`);
  }
  const { cpu, memory, cpuAlwaysAllocated } = resolveSize(where, args, concurrency);
  const publicAccess = args.publicAccess ?? CLOUD_RUN_DEFAULTS.publicAccess;
  if (!(CLOUD_RUN_PUBLIC_ACCESS as readonly string[]).includes(publicAccess)) {
    const got = String(publicAccess);
    configFail(where, `publicAccess must be 'invoker-iam-disabled', 'all-users' or 'none', got '${got}'`);
  }

  const secrets = secretEntries(args.secrets, where);
  const secretNames = secrets.map((s) => s.env);
  const stateful = settings.sessionMode === 'stateful';
  const sessionStore = resolveSessionStore(where, args.sessionStore);
  const sharedStore = sessionStore !== undefined;
  assertSecretsFitSettings(settings, secretNames, where, { sharedStore });
  const brokerRisks = brokerWarnings(settings, secretNames, {
    instances: maxInstances > 1 ? `up to ${maxInstances} instances` : undefined,
    sharedStore,
    fix:
      'Set maxInstances to 1, or give the service a shared store (sessionStore: true, which holds the broker ' +
      'state, with the signing keys).',
    restarts: 'a new revision, scale-in, and every scale from zero',
  });
  for (const warning of brokerRisks) warn(`${where}: ${warning}`);
  const unusedStore = sessionStore
    ? unusedSessionStoreProblem(
        settings,
        { min: minInstances, max: maxInstances },
        { billed: 'Memorystore instance', task: 'instance', fix: UNUSED_STORE_FIX },
      )
    : undefined;
  if (unusedStore) configFail(where, `sessionStore ${unusedStore}`);
  // With a shared store any instance serves any session: nothing breaks on scale-out, nothing to warn about.
  if (stateful && !sessionStore) warn(`${where}: ${statefulWithoutStoreWarning(maxInstances)}`);

  const labels = { 'managed-by': 'pulumi', app: 'remote-mcp', 'mcp-service': serviceName, ...(args.labels ?? {}) };
  const created = sessionStore?.kind === 'create' ? sessionStore : undefined;
  const apis: string[] = [
    GOOGLE_APIS.run,
    GOOGLE_APIS.iam,
    // Always: the requestState keys are a secret (given or generated).
    GOOGLE_APIS.secretManager,
    ...(created ? [GOOGLE_APIS.redis] : []),
    ...(created && (!created.network || created.egressFirewall) ? [GOOGLE_APIS.compute] : []),
    ...monitoringApis(args),
  ];
  checkAlerts(where, args.alerts);
  return {
    where,
    project,
    region,
    serviceName,
    settings,
    requestTimeoutSeconds,
    concurrency,
    minInstances,
    maxInstances,
    cpu,
    memory,
    cpuAlwaysAllocated,
    startupCpuBoost: args.startupCpuBoost ?? CLOUD_RUN_DEFAULTS.startupCpuBoost,
    publicAccess,
    ingress: args.ingress ?? CLOUD_RUN_DEFAULTS.ingress,
    deletionProtection: args.deletionProtection ?? CLOUD_RUN_DEFAULTS.deletionProtection,
    secrets,
    stateful,
    sessionStore,
    labels,
    apis: args.enableApis === false ? [] : apis,
    artifactRegistry: args.artifactRegistry !== false,
  };
}

/** CPU and memory limits, and whether CPU stays allocated: each in Cloud Run's form, and a combination it runs. */
function resolveSize(
  where: string,
  args: Pick<McpCloudRunServiceArgs, 'cpu' | 'memory' | 'cpuAlwaysAllocated'>,
  concurrency: number,
): { cpu: string; memory: string; cpuAlwaysAllocated: boolean } {
  const cpu = args.cpu ?? CLOUD_RUN_DEFAULTS.cpu;
  if (!CLOUD_RUN_CPU_PATTERN.test(cpu)) configFail(where, `cpu must look like '1', '2' or '1000m', got '${cpu}'`);
  const memory = args.memory ?? CLOUD_RUN_DEFAULTS.memory;
  if (!CLOUD_RUN_MEMORY_PATTERN.test(memory)) {
    configFail(where, `memory must look like '512Mi' or '2Gi', got '${memory}'`);
  }
  const cpuAlwaysAllocated = args.cpuAlwaysAllocated ?? CLOUD_RUN_DEFAULTS.cpuAlwaysAllocated;
  const smallest = CLOUD_RUN_LIMITS.alwaysAllocatedMin;
  if (cpuAlwaysAllocated && (cloudRunVcpus(cpu) < smallest.vcpus || cloudRunMemoryMiB(memory) < smallest.memoryMiB)) {
    configFail(
      where,
      'cpuAlwaysAllocated (instance-based billing) needs cpu of at least 1 and memory of at least 512Mi, ' +
        `got cpu '${cpu}', memory '${memory}'`,
    );
  }
  if (cloudRunVcpus(cpu) < 1 && concurrency > 1) {
    configFail(
      where,
      'cpu below 1 needs concurrency 1 on Cloud Run (every open stream would then hold an instance), ' +
        `got cpu '${cpu}' with concurrency ${concurrency}`,
    );
  }
  return { cpu, memory, cpuAlwaysAllocated };
}

/**
 * Stateful sessions without a store are allowed (session affinity routes a client back to its instance, best
 * effort), but said plainly: a session lives in one instance's memory.
 */
function statefulWithoutStoreWarning(maxInstances: number): string {
  const scale =
    maxInstances > 1
      ? `with maxInstances ${maxInstances}, sessions break on scale-out, scale-in and restarts: a request that ` +
        'reaches another instance gets 404 (session not found), and some clients do not re-initialize. Set ' +
        'maxInstances to 1 to keep every session on one instance (a restart or a new revision still ends them), or'
      : 'maxInstances is 1, so every session stays on the one instance, but a restart or a new revision still ends ' +
        'them (404, and some clients do not re-initialize). Or';
  return (
    "sessionMode 'stateful' keeps each session in one instance's memory and Cloud Run's session affinity is best " +
    `effort: ${scale} use sessionMode 'stateless', the robust choice, or give the service a shared session store ` +
    '(sessionStore: true).'
  );
}

/** The keys of an existing store's argument; any other key would configure a store to create. */
const EXISTING_STORE_KEYS = ['redisUrlSecret', 'redisUrlSecretVersion', 'network', 'subnetwork'];
const IPV4_CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** `sessionStore` checked, with the defaults applied; undefined when there is none. */
function resolveSessionStore(
  where: string,
  arg: McpCloudRunServiceArgs['sessionStore'],
): ResolvedSessionStore | undefined {
  const read = readSessionStoreArg<CloudRunExistingSessionStore, CloudRunSessionStore>(
    where,
    arg,
    'redisUrlSecret',
    EXISTING_STORE_KEYS,
  );
  if (!read) return undefined;
  if ('existing' in read) return { kind: 'existing', ...read.existing };
  const store = read.create;
  const defaults = SESSION_STORE_DEFAULTS;
  const tier = store.tier ?? defaults.tier;
  if (tier !== 'BASIC' && tier !== 'STANDARD_HA') {
    configFail(where, `sessionStore.tier must be BASIC or STANDARD_HA, got '${String(tier)}'`);
  }
  const memorySizeGb = store.memorySizeGb ?? defaults.memorySizeGb;
  checkInteger(where, 'sessionStore.memorySizeGb', memorySizeGb, 1, 300);
  const redisVersion = store.redisVersion ?? defaults.redisVersion;
  const version = /^REDIS_(\d+)_(\d+)$/.exec(redisVersion);
  if (!version || Number(version[1]) < 7) {
    configFail(
      where,
      `sessionStore.redisVersion must be REDIS_7_0 or later (the server needs Redis 7+), got '${redisVersion}'`,
    );
  }
  if (store.subnetwork !== undefined && store.network === undefined) {
    configFail(where, 'sessionStore.subnetwork needs sessionStore.network (the network it belongs to)');
  }
  if (store.subnetCidr !== undefined && store.network !== undefined) {
    configFail(
      where,
      'sessionStore.subnetCidr applies only to the network the component creates (without sessionStore.network)',
    );
  }
  const subnetCidr = store.subnetCidr ?? defaults.subnetCidr;
  const cidr = IPV4_CIDR.exec(subnetCidr);
  if (!cidr || cidr.slice(1, 5).some((o) => Number(o) > 255) || Number(cidr[5]) < 8 || Number(cidr[5]) > 26) {
    configFail(
      where,
      'sessionStore.subnetCidr must be an IPv4 range from /8 to /26 (Direct VPC egress needs at least a /26), ' +
        `got '${subnetCidr}'`,
    );
  }
  return {
    kind: 'create',
    tier,
    memorySizeGb,
    redisVersion,
    subnetCidr,
    egressFirewall: store.egressFirewall ?? true,
    network: store.network,
    subnetwork: store.subnetwork,
  };
}
