/**
 * Validation and defaults of `McpFargateServiceProps`: one clear sentence per mistake, thrown at synth, before
 * any resource is created — never a service that deploys and then fails.
 */
import { Duration, Token } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import {
  DEFAULTS,
  ENV,
  MANAGED_ENV_NAMES,
  PATHS,
  REDIS,
  SECRET_ENV,
  stopTimeoutSeconds,
  validateServerSettings,
  type EnvName,
  type ServerSettings,
} from '../../server/config/contract';
import { DEFAULT_ALB_IDLE_TIMEOUT_SECONDS, albIdleTimeoutProblem } from '../shared/alb';
import { TASK_AUTO_SCALING_DEFAULTS, resolveTaskScalingTargets } from '../shared/auto-scaling';
import { ELASTICACHE_LIMITS, FARGATE_TASK_DEFAULTS, fargateDrainProblem } from '../shared/fargate';
import { isHostname } from '../shared/hostname';
import { brokerInstancesWarning } from '../shared/broker';
import { alarmEmailProblem } from '../shared/observability';
import { settingsNeedSecret } from '../shared/secrets';
import { statefulSessionsProblem, unusedSessionStoreProblem } from '../shared/sessions';
import { COGNITO_STANDARD_SCOPES, type McpCognitoUpstreamOptions } from './cognito-upstream';
import type {
  McpAutoScalingProps,
  McpBrokerProps,
  McpExistingSessionStoreProps,
  McpFargateServiceProps,
  McpSessionStoreProps,
} from './mcp-fargate-service-props';

/** A configuration mistake: the message alone says what is wrong and what to pass (no stack trace needed). */
export class McpConfigError extends Error {
  override name = 'McpConfigError';
}

/** Range of the ALB `idle_timeout.timeout_seconds` attribute (`infra/shared/alb.ts`). */
export { ALB_IDLE_TIMEOUT_SECONDS } from '../shared/alb';
/** Long enough for a tool to run an hour without output; far above the server's keep-alive interval. */
export const DEFAULT_IDLE_TIMEOUT_SECONDS = DEFAULT_ALB_IDLE_TIMEOUT_SECONDS;

/** The shared autoscaling defaults (`infra/shared/auto-scaling.ts`), cooldowns as CDK durations. */
export const DEFAULT_AUTO_SCALING = {
  minCapacity: TASK_AUTO_SCALING_DEFAULTS.minCapacity,
  maxCapacity: TASK_AUTO_SCALING_DEFAULTS.maxCapacity,
  requestsPerTarget: TASK_AUTO_SCALING_DEFAULTS.requestsPerTarget,
  cpuTargetPercent: TASK_AUTO_SCALING_DEFAULTS.cpuTargetPercent,
  scaleInCooldown: Duration.seconds(TASK_AUTO_SCALING_DEFAULTS.scaleInCooldownSeconds),
  scaleOutCooldown: Duration.seconds(TASK_AUTO_SCALING_DEFAULTS.scaleOutCooldownSeconds),
} as const;
export const DEFAULT_DESIRED_COUNT = FARGATE_TASK_DEFAULTS.desiredCount;

/** The environment variables the construct sets from `serverSettings` (the contract's list). */
const MANAGED_ENV: ReadonlySet<string> = new Set(MANAGED_ENV_NAMES);

export interface ResolvedAutoScaling {
  minCapacity: number;
  maxCapacity: number;
  requestsPerTarget: number;
  cpuTargetPercent: number;
  scaleInCooldown: Duration;
  scaleOutCooldown: Duration;
}

/** ElastiCache Serverless for Valkey accepts these usage limits (`infra/shared/fargate.ts`). */
export const SESSION_STORE_LIMITS = ELASTICACHE_LIMITS;

/** The shared session store to create (`created`) or to connect to (`existing`). */
export type ResolvedSessionStore =
  | {
      kind: 'created';
      maxDataStorageGB?: number;
      maxEcpuPerSecond?: number;
      encryptionKey?: kms.IKey;
    }
  | {
      kind: 'existing';
      redisUrlSecret: secretsmanager.ISecret;
      field?: string;
      securityGroup?: ec2.ISecurityGroup;
      port: number;
    };

/** A secret variable injected from a secret of its own (the whole string, or one JSON field). */
export interface ResolvedSecretRef {
  secret: secretsmanager.ISecret;
  field?: string;
}

/** Broker mode: the upstream provider to create (`cognito`), and the secrets injected from outside `secret`. */
export interface ResolvedBroker {
  cognito?: McpCognitoUpstreamOptions;
  upstreamClientSecret?: ResolvedSecretRef;
  signingKeys?: ResolvedSecretRef;
}

/** Everything the construct derives from its props before creating resources. */
export interface ResolvedProps {
  /** Server settings with the deployment defaults applied (publicUrl may still be unset: the ALB's DNS name). */
  settings: ServerSettings & { authMode: NonNullable<ServerSettings['authMode']> };
  keepAliveSeconds: number;
  drainSeconds: number;
  idleTimeoutSeconds: number;
  stopTimeoutSeconds: number;
  /** The given secret (`secret`, or its deprecated former name `oauthSecret`); undefined: one is created. */
  secret: secretsmanager.ISecret | undefined;
  secretFields: EnvName[];
  autoScaling: ResolvedAutoScaling | undefined;
  desiredCount: number | undefined;
  sessionStore: ResolvedSessionStore | undefined;
  /** Set when `authMode` is 'broker'. */
  broker: ResolvedBroker | undefined;
  /** Why broker mode may fail on this service's tasks (a synth warning), or undefined. */
  brokerWarning: string | undefined;
  /**
   * Where `MCP_REQUEST_STATE_KEYS` comes from: a secret to create, a given one (`requestStateKeys`), or
   * `secretFields` / `secrets` (then the construct adds nothing).
   */
  requestStateKeys:
    { kind: 'created' } | ({ kind: 'given' } & ResolvedSecretRef) | { kind: 'secretFields' | 'secrets' };
}

const isNumber = (n: number | undefined): n is number => n !== undefined && !Token.isUnresolved(n);

/** Validates props and applies defaults. Throws `McpConfigError`. */
export function resolveProps(props: McpFargateServiceProps, where = 'McpFargateService'): ResolvedProps {
  const fail = (msg: string): never => {
    throw new McpConfigError(`${where}: ${msg}`);
  };

  // TLS: the listener needs a certificate, given or created from a domain in a hosted zone.
  if (!props.certificate && !props.domainName) {
    fail('needs TLS: pass `certificate`, or `domainName` with `hostedZone` (a DNS-validated certificate is created)');
  }
  if (props.domainName && !props.certificate && !props.hostedZone) {
    fail(`needs \`hostedZone\` to validate a certificate for '${props.domainName}', or pass \`certificate\``);
  }
  if (props.hostedZone && !props.domainName) fail('`hostedZone` needs `domainName` (the record to create in it)');
  if (props.secret && props.oauthSecret)
    fail('pass `secret` only (`oauthSecret` is its deprecated former name), not both');
  const givenSecret = props.secret ?? props.oauthSecret;
  if (props.domainName && !Token.isUnresolved(props.domainName) && !isHostname(props.domainName)) {
    fail(`domainName must be a host name like mcp.example.com (no scheme or path), got '${props.domainName}'`);
  }

  // Server settings: a deployed server authenticates (oauth by default), checked by the server's own rules.
  const base = props.serverSettings ?? {};
  const settings = {
    ...base,
    authMode: base.authMode ?? (props.broker ? 'broker' : 'oauth'),
  } as ResolvedProps['settings'];
  if (settings.publicUrl === undefined && props.domainName)
    settings.publicUrl = `https://${props.domainName}${PATHS.mcp}`;
  const broker = resolveBroker(props, settings, fail);
  try {
    // A created user pool supplies the issuer and client id at deploy time: stand-ins let the contract check the rest.
    validateServerSettings(broker?.cognito ? { ...settings, ...COGNITO_STAND_INS } : settings, where);
  } catch (e) {
    throw new McpConfigError((e as Error).message);
  }
  const keepAliveSeconds = settings.keepAliveSeconds ?? DEFAULTS.keepAliveSeconds;
  const drainSeconds = settings.drainSeconds ?? DEFAULTS.drainSeconds;

  // The container must outlive the drain: stopTimeout = drain + margin, and Fargate caps it at 120 s.
  const stopTimeout = stopTimeoutSeconds(drainSeconds);
  const drainProblem = fargateDrainProblem(drainSeconds);
  if (drainProblem) fail(`drainSeconds ${drainProblem}`);

  // Idle timeout: within the ALB's range, and longer than the keep-alive interval or idle streams are cut.
  const idleTimeoutSeconds = props.idleTimeout?.toSeconds({ integral: false }) ?? DEFAULT_IDLE_TIMEOUT_SECONDS;
  if (isNumber(idleTimeoutSeconds)) {
    const problem = albIdleTimeoutProblem(idleTimeoutSeconds, keepAliveSeconds);
    if (problem) fail(`idleTimeout ${problem}`);
  }

  // Secrets: only the contract's secret variables, chosen by auth mode unless given.
  const brokerInjected = brokerInjectedNames(broker);
  const secretFields =
    props.secretFields ??
    defaultSecretFields(settings.authMode, [...brokerInjected, ...Object.keys(props.secrets ?? {})]);
  for (const f of secretFields) {
    if (!SECRET_ENV.includes(f)) fail(`secretFields may only name ${SECRET_ENV.join(', ')}, got '${f}'`);
  }
  // What `broker` injects from its own secrets comes from there alone.
  for (const name of brokerInjected) {
    const from =
      name === ENV.upstreamClientSecret
        ? broker?.cognito
          ? 'broker.cognito (the app client secret)'
          : 'broker.upstreamClientSecret'
        : 'broker.signingKeys';
    if (secretFields.includes(name)) fail(`'${name}' comes from ${from}: remove it from secretFields`);
    if (props.secrets?.[name]) fail(`'${name}' comes from ${from}: remove it from secrets`);
  }
  if (settingsNeedSecret(settings, ENV.bearerTokens) && !secretFields.includes(ENV.bearerTokens)) {
    fail(`authMode 'token' needs '${ENV.bearerTokens}' in secretFields (the tokens come from the secret)`);
  }
  // Introspection authenticates with a client id (the contract checks it) and a secret: the server needs both to start.
  if (settingsNeedSecret(settings, ENV.oauthClientSecret)) {
    if (!secretFields.includes(ENV.oauthClientSecret))
      fail(`oauthIntrospectionUrl needs '${ENV.oauthClientSecret}' in secretFields`);
    if (!givenSecret) {
      fail(
        `oauthIntrospectionUrl needs the client secret before the first task starts: create a secret with the JSON ` +
          `field ${ENV.oauthClientSecret} and pass it as \`secret\` (in the app: -c oauthSecretArn=<arn>)`,
      );
    }
  }

  const requestStateKeys = resolveRequestStateKeys(props, secretFields, fail);

  // Extra environment: nothing secret, nothing the construct already sets.
  for (const name of Object.keys(props.environment ?? {})) {
    if ((SECRET_ENV as readonly string[]).includes(name)) {
      fail(`environment must not contain the secret '${name}': put it in \`secret\` (secretFields) or \`secrets\``);
    }
    if (MANAGED_ENV.has(name)) fail(`environment must not set '${name}': it comes from serverSettings`);
    if (name === ENV.devAuthAllowNonLoopback) fail(`environment must not set '${name}': dev auth is loopback-only`);
    if (props.secrets?.[name]) fail(`'${name}' is in both environment and secrets`);
  }
  for (const name of Object.keys(props.secrets ?? {})) {
    if (MANAGED_ENV.has(name) || secretFields.includes(name as EnvName)) {
      fail(`secrets must not set '${name}': the construct sets it`);
    }
  }

  // Session store: REDIS_URL comes from it alone (whether anything reads it is checked with the task count below).
  const sessionStore = resolveSessionStore(props.sessionStore, fail);
  if (sessionStore) {
    if (secretFields.includes(ENV.redisUrl) || props.secrets?.[ENV.redisUrl]) {
      fail(
        `'${ENV.redisUrl}' comes from sessionStore: remove it from ` +
          `${secretFields.includes(ENV.redisUrl) ? 'secretFields' : 'secrets'}`,
      );
    }
  }

  // A shared store (REDIS_URL) means several tasks sign tokens: the server refuses to start without common keys.
  const sharedStore =
    sessionStore !== undefined || secretFields.includes(ENV.redisUrl) || props.secrets?.[ENV.redisUrl] !== undefined;
  if (settingsNeedSecret(settings, ENV.brokerSigningKeys, { sharedStore })) {
    const keysGiven =
      broker?.signingKeys !== undefined ||
      props.secrets?.[ENV.brokerSigningKeys] !== undefined ||
      (givenSecret !== undefined && secretFields.includes(ENV.brokerSigningKeys));
    if (!keysGiven) {
      fail(
        `authMode 'broker' with a shared session store (${ENV.redisUrl}) needs the signing keys before the first ` +
          `task starts ` +
          `(the server refuses to start without ${ENV.brokerSigningKeys} then, and a created secret starts empty): ` +
          `make a key set ` +
          'with `npm run broker:keys`, store it in a secret, and pass it as `broker.signingKeys` (in the app: ' +
          `-c brokerSigningKeysSecretArn=<arn>), or as the ${ENV.brokerSigningKeys} field of \`secret\``,
      );
    }
  }

  // Capacity.
  const autoScaling = props.autoScaling === false ? undefined : resolveAutoScaling(props.autoScaling ?? {}, fail);
  let desiredCount = props.desiredCount ?? (autoScaling ? undefined : DEFAULT_DESIRED_COUNT);
  if (desiredCount !== undefined && isNumber(desiredCount) && (!Number.isInteger(desiredCount) || desiredCount < 1)) {
    fail(`desiredCount must be a whole number of at least 1, got ${desiredCount}`);
  }
  if (
    autoScaling &&
    isNumber(desiredCount) &&
    (desiredCount < autoScaling.minCapacity || desiredCount > autoScaling.maxCapacity)
  ) {
    fail(
      `desiredCount (${desiredCount}) must be within autoScaling minCapacity..maxCapacity ` +
        `(${autoScaling.minCapacity}..${autoScaling.maxCapacity})`,
    );
  }

  // Stateful sessions live in one task's memory and the ALB has no stickiness: only a single task can hold them,
  // unless a shared store (REDIS_URL) lets any task serve any session.
  const known = (n: number | undefined) => (n === undefined || Token.isUnresolved(n) ? NaN : n);
  const tasks = autoScaling
    ? { min: autoScaling.minCapacity, max: autoScaling.maxCapacity }
    : { min: known(desiredCount), max: known(desiredCount) };
  // Stateful sessions, the broker and listen streams on several tasks read the store; one stateless task does not.
  const unusedStore = sessionStore
    ? unusedSessionStoreProblem(settings, tasks, {
        billed: 'cache',
        task: 'task',
        fix:
          "set `serverSettings: { sessionMode: 'stateful' }` (in the app: -c sessionMode=stateful), or remove " +
          'sessionStore',
      })
    : undefined;
  if (unusedStore) fail(`sessionStore ${unusedStore}`);
  if (settings.sessionMode === 'stateful') {
    const problem = statefulSessionsProblem(
      tasks,
      'run exactly one task (`autoScaling: false` with `desiredCount: 1`, or `autoScaling: { minCapacity: 1, ' +
        'maxCapacity: 1 }`; ' +
        'in the app: -c autoScaling=false -c desiredCount=1)',
      {
        sharedStore,
        sharedStoreHint: '`sessionStore: true`, an ElastiCache Serverless cache; in the app: -c sessionStore=true',
      },
    );
    if (problem) fail(problem);
  }

  if (props.natGateways !== undefined && props.vpc)
    fail('natGateways applies only to a created VPC; omit it with `vpc`');
  if (props.natGateways !== undefined && (!Number.isInteger(props.natGateways) || props.natGateways < 1)) {
    fail(`natGateways must be at least 1 (tasks in private subnets need egress), got ${props.natGateways}`);
  }
  if (props.cluster && props.vpc && props.cluster.vpc !== props.vpc) fail('`cluster` must be in `vpc`');
  const days = props.accessLogsRetentionDays;
  if (days !== undefined && (!Number.isInteger(days) || days < 1)) {
    fail(`accessLogsRetentionDays must be a whole number of at least 1, got ${days}`);
  }
  if (props.accessLogsBucket && days !== undefined) fail('accessLogsRetentionDays applies only to a created bucket');
  if (props.webAclArn && !Token.isUnresolved(props.webAclArn)) {
    if (!/^arn:aws[\w-]*:wafv2:[\w-]+:\d{12}:regional\/webacl\/.+/.test(props.webAclArn)) {
      fail(
        `webAclArn must be the ARN of a REGIONAL WAFv2 web ACL ` +
          `(arn:aws:wafv2:<region>:<account>:regional/webacl/...), got '${props.webAclArn}'`,
      );
    }
  }

  // Alarms need somewhere to go (an alarm without an action is also a Control Tower finding, CT.CLOUDWATCH.PR.1).
  if (props.alarms) {
    if (!props.alarms.topic && props.alarms.email === undefined)
      fail('alarms needs `topic` (an SNS topic) or `email` (a topic is created for it)');
    const problem =
      props.alarms.email !== undefined && !Token.isUnresolved(props.alarms.email)
        ? alarmEmailProblem(props.alarms.email)
        : undefined;
    if (problem) fail(`alarms.email ${problem}`);
  }

  return {
    settings,
    keepAliveSeconds,
    drainSeconds,
    idleTimeoutSeconds,
    stopTimeoutSeconds: stopTimeout,
    secret: givenSecret,
    secretFields,
    autoScaling,
    desiredCount,
    sessionStore,
    broker,
    requestStateKeys,
    brokerWarning:
      settings.authMode === 'broker' && !sharedStore && !(tasks.min === 1 && tasks.max === 1)
        ? brokerPerTaskWarning(tasks)
        : undefined,
  };
}

/** Stand-ins for the values a created Cognito user pool gives at deploy time, for the contract's checks only. */
const COGNITO_STAND_INS = {
  upstreamIssuer: 'https://cognito-idp.invalid/stand-in',
  upstreamClientId: 'stand-in',
} as const;

/** `broker` checked against the settings; undefined unless authMode is 'broker'. */
function resolveBroker(
  props: McpFargateServiceProps,
  settings: ResolvedProps['settings'],
  fail: (msg: string) => never,
): ResolvedBroker | undefined {
  const p: McpBrokerProps | undefined = props.broker;
  if (p && settings.authMode !== 'broker')
    fail(`broker applies only to authMode 'broker', got authMode '${settings.authMode}'`);
  if (settings.authMode !== 'broker') return undefined;
  const cognito = p?.cognito === true ? {} : p?.cognito || undefined;
  if (p?.upstreamClientSecretField !== undefined && !p.upstreamClientSecret)
    fail('broker.upstreamClientSecretField needs broker.upstreamClientSecret');
  if (p?.signingKeysField !== undefined && !p.signingKeys) fail('broker.signingKeysField needs broker.signingKeys');
  if (cognito) {
    for (const key of ['upstreamIssuer', 'upstreamClientId'] as const) {
      if (settings[key] !== undefined) {
        fail(
          `serverSettings.${key} comes from the Cognito user pool that broker.cognito creates: remove it, or remove ` +
            `broker.cognito to use an existing provider`,
        );
      }
    }
    if (p?.upstreamClientSecret)
      fail(
        "broker.upstreamClientSecret is for an existing provider: with broker.cognito, the app client's own secret " +
          'is injected',
      );
    const scopes = settings.upstreamScopes ?? DEFAULTS.upstreamScopes;
    const unknown = scopes.filter((s) => !COGNITO_STANDARD_SCOPES.includes(s));
    if (unknown.length > 0)
      fail(
        `upstreamScopes with broker.cognito may only name Cognito's standard scopes ` +
          `(${COGNITO_STANDARD_SCOPES.join(', ')}), got ${unknown.join(', ')}`,
      );
    if (!scopes.includes('openid'))
      fail("upstreamScopes must include 'openid': the server signs users in with OpenID Connect");
    const prefix = cognito.domainPrefix;
    if (
      prefix !== undefined &&
      !Token.isUnresolved(prefix) &&
      (!/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(prefix) || /aws|amazon|cognito/.test(prefix))
    ) {
      fail(
        `broker.cognito.domainPrefix must be 1–63 lowercase letters, digits and hyphens (not at either end) without ` +
          `'aws', 'amazon' or 'cognito', got '${prefix}'`,
      );
    }
  } else if (!settings.upstreamIssuer || !settings.upstreamClientId) {
    fail(
      "authMode 'broker' needs an upstream OpenID Connect provider: `broker: { cognito: true }` creates a Cognito " +
        'user pool, ' +
        'or set serverSettings.upstreamIssuer and upstreamClientId to an existing one (in the app: -c ' +
        'brokerCognito=true, or ' +
        '-c upstreamIssuer=https://… -c upstreamClientId=…)',
    );
  }
  const ref = (
    secret: secretsmanager.ISecret | undefined,
    field: string | undefined,
    name: string,
  ): ResolvedSecretRef | undefined => {
    if (!secret) return undefined;
    if (field !== undefined && !Token.isUnresolved(field) && field.trim() === '')
      fail(`${name} must name a JSON field, or be omitted`);
    return { secret, field };
  };
  return {
    cognito,
    upstreamClientSecret: ref(
      p?.upstreamClientSecret,
      p?.upstreamClientSecretField,
      'broker.upstreamClientSecretField',
    ),
    signingKeys: ref(p?.signingKeys, p?.signingKeysField, 'broker.signingKeysField'),
  };
}

/**
 * `MCP_REQUEST_STATE_KEYS`: from `requestStateKeys`, or a field of `secret` (`secretFields`), or `secrets` — one
 * place only; created when none gives it, since the server refuses to start on the tasks' address without it.
 */
function resolveRequestStateKeys(
  props: McpFargateServiceProps,
  secretFields: readonly EnvName[],
  fail: (msg: string) => never,
): ResolvedProps['requestStateKeys'] {
  const name = ENV.requestStateKeys;
  const inFields = secretFields.includes(name);
  const inSecrets = props.secrets?.[name] !== undefined;
  if (props.requestStateKeysField !== undefined && !props.requestStateKeys)
    fail('requestStateKeysField needs requestStateKeys');
  if (props.requestStateKeys) {
    if (inFields) fail(`'${name}' comes from requestStateKeys: remove it from secretFields`);
    if (inSecrets) fail(`'${name}' comes from requestStateKeys: remove it from secrets`);
    const field = props.requestStateKeysField;
    if (field !== undefined && !Token.isUnresolved(field) && field.trim() === '')
      fail('requestStateKeysField must name a JSON field, or be omitted');
    return { kind: 'given', secret: props.requestStateKeys, field };
  }
  if (inFields && inSecrets) fail(`'${name}' is in both secretFields and secrets`);
  if (inFields) return { kind: 'secretFields' };
  if (inSecrets) return { kind: 'secrets' };
  return { kind: 'created' };
}

/** The secret variables `broker` injects from outside `secret`. */
function brokerInjectedNames(broker: ResolvedBroker | undefined): EnvName[] {
  if (!broker) return [];
  return [
    ...(broker.cognito || broker.upstreamClientSecret ? [ENV.upstreamClientSecret] : []),
    ...(broker.signingKeys ? [ENV.brokerSigningKeys] : []),
  ];
}

/** Broker mode on several tasks without a shared store: what breaks, and how to avoid it. */
function brokerPerTaskWarning(tasks: { min: number; max: number }): string {
  const count = Number.isFinite(tasks.max)
    ? `up to ${tasks.max} tasks`
    : 'a number of tasks not known before deployment';
  return brokerInstancesWarning(
    count,
    'The load balancer has no stickiness: run one task (autoScaling: false with desiredCount: 1; in the app -c ' +
      'autoScaling=false ' +
      '-c desiredCount=1), or give the service a shared store (sessionStore: true, which holds the broker state, ' +
      'with broker.signingKeys; ' +
      'in the app -c sessionStore=true -c brokerSigningKeysSecretArn=<arn>).',
  );
}

function isExistingStore(p: McpSessionStoreProps | McpExistingSessionStoreProps): p is McpExistingSessionStoreProps {
  return (p as McpExistingSessionStoreProps).redisUrlSecret !== undefined;
}

/** `true`, `McpSessionStoreProps` or `McpExistingSessionStoreProps`, checked; undefined for none. */
function resolveSessionStore(
  p: McpFargateServiceProps['sessionStore'],
  fail: (msg: string) => never,
): ResolvedSessionStore | undefined {
  if (p === undefined || p === false) return undefined;
  if (p === true) return { kind: 'created' };
  if (isExistingStore(p)) {
    const port = p.port ?? REDIS.port;
    if (isNumber(port) && (!Number.isInteger(port) || port < 1 || port > 65535))
      fail(`sessionStore.port must be a TCP port (1–65535), got ${port}`);
    if (p.field !== undefined && !Token.isUnresolved(p.field) && p.field.trim() === '')
      fail('sessionStore.field must name a JSON field of redisUrlSecret, or be omitted');
    return { kind: 'existing', redisUrlSecret: p.redisUrlSecret, field: p.field, securityGroup: p.securityGroup, port };
  }
  const within = (name: string, n: number | undefined, range: { min: number; max: number }) => {
    if (isNumber(n) && (!Number.isInteger(n) || n < range.min || n > range.max)) {
      fail(`sessionStore.${name} must be a whole number from ${range.min} to ${range.max}, got ${n}`);
    }
  };
  within('maxDataStorageGB', p.maxDataStorageGB, SESSION_STORE_LIMITS.dataStorageGB);
  within('maxEcpuPerSecond', p.maxEcpuPerSecond, SESSION_STORE_LIMITS.ecpuPerSecond);
  return {
    kind: 'created',
    maxDataStorageGB: p.maxDataStorageGB,
    maxEcpuPerSecond: p.maxEcpuPerSecond,
    encryptionKey: p.encryptionKey,
  };
}

/** The fields of `secret` by auth mode, without the names injected from elsewhere (`exclude`). */
function defaultSecretFields(authMode: ResolvedProps['settings']['authMode'], exclude: readonly string[]): EnvName[] {
  if (authMode === 'token') return [ENV.bearerTokens];
  if (authMode === 'broker')
    return [ENV.upstreamClientSecret, ENV.brokerSigningKeys].filter((f) => !exclude.includes(f));
  return [ENV.oauthClientSecret];
}

/** Capacity and targets by the rules shared with the Pulumi component; cooldowns are CDK durations. */
function resolveAutoScaling(p: McpAutoScalingProps, fail: (msg: string) => never): ResolvedAutoScaling {
  return {
    ...resolveTaskScalingTargets(p, fail),
    scaleInCooldown: p.scaleInCooldown ?? DEFAULT_AUTO_SCALING.scaleInCooldown,
    scaleOutCooldown: p.scaleOutCooldown ?? DEFAULT_AUTO_SCALING.scaleOutCooldown,
  };
}
