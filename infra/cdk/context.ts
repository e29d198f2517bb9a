/**
 * The CDK app's configuration, read from context (`-c key=value` or `cdk.json`), checked, and turned into
 * `McpFargateService` props. Missing or bad context fails with one message that says what to pass.
 */
import { Duration, type Stack } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import {
  AUTH_MODES,
  DEFAULTS,
  DEPLOY_SETTING_KEYS,
  ENV,
  LOG_LEVELS,
  MIN_REQUEST_STATE_KEY_BYTES,
  SESSION_MODES,
  SETTINGS,
  type DeploySettingKey,
  type ServerSettings,
  type SettingKind,
} from '../../server/config/contract';
import { ALB_IDLE_TIMEOUT_SECONDS, DEFAULT_ALB_IDLE_TIMEOUT_SECONDS } from '../shared/alb';
import { certificateRegionProblem, isAcmCertificateArn } from '../shared/arn';
import { TASK_AUTO_SCALING_DEFAULTS } from '../shared/auto-scaling';
import { FARGATE_MAX_DRAIN_SECONDS } from '../shared/fargate';
import { FARGATE_TASK_DEFAULTS } from '../shared/fargate';
import { type TaskCountRange, unusedSessionStoreProblem } from '../shared/sessions';
import type { McpFargateServiceProps } from './mcp-fargate-service-props';
import { McpConfigError } from './resolve-props';

/** Every context key the app reads, with what it means (the docs' table and the error message use these). */
export const CONTEXT_KEYS = {
  stackName: 'Stack name (default McpServer)',
  region: 'AWS region of the stack (default: the CLI region, CDK_DEFAULT_REGION); the account stays unset',
  clientName: 'Server name in the client configuration outputs (default remote-mcp)',
  certificateArn: 'ARN of an ACM certificate in the stack region for the HTTPS listener',
  domainName: 'Domain of the service, e.g. mcp.example.com (the MCP URL becomes https://<domainName>/mcp)',
  hostedZoneId: 'Route 53 hosted zone id of domainName: validates a created certificate and gets an alias record',
  hostedZoneName: 'Name of that hosted zone, e.g. example.com',
  authMode: `Server auth mode: ${AUTH_MODES.filter((m) => m !== 'none' && m !== 'dev').join(', ')} (default oauth)`,
  oauthIssuer: 'Issuer URL of the authorization server (required for authMode oauth)',
  oauthAudience: 'Expected token audience (default: the MCP URL)',
  oauthJwksUri: 'JWKS URL (default: from the issuer metadata)',
  oauthScopes: 'Required scopes, comma-separated',
  oauthIntrospectionUrl: 'Token introspection URL, for opaque tokens',
  oauthClientId: 'Client id for introspection (its secret goes in the secret, field OAUTH_CLIENT_SECRET)',
  oauthSecretArn: 'Complete ARN of an existing secret holding the secret fields (default: a new secret)',
  brokerCognito:
    'true to create a Cognito user pool, domain and app client as the upstream provider of authMode broker',
  cognitoDomainPrefix: 'Prefix of the created Cognito sign-in domain (default mcp-<8 hex digits of the stack id>)',
  upstreamIssuer: 'authMode broker with an existing provider: its OpenID Connect issuer URL',
  upstreamClientId:
    'authMode broker with an existing provider: the server client id there (its secret goes in the secret, field UPSTREAM_CLIENT_SECRET)',
  upstreamScopes: `Scopes the broker asks the upstream provider for, comma-separated (default ${DEFAULTS.upstreamScopes.join(',')})`,
  brokerSigningKeysSecretArn:
    'Complete ARN of an existing secret whose whole value is the broker signing keys, a JWKS (npm run broker:keys); required with sessionStore (default: the field BROKER_SIGNING_KEYS of the secret)',
  requestStateKeysSecretArn: `Complete ARN of an existing secret whose whole value is ${ENV.requestStateKeys}, comma-separated keys of at least ${MIN_REQUEST_STATE_KEY_BYTES} bytes (default: a new secret with one generated key)`,
  brokerAllowedEmailDomains: 'authMode broker: admit only verified e-mail addresses in these domains, comma-separated',
  brokerAllowedGroups: 'authMode broker: admit only members of these groups, comma-separated',
  brokerGroupsClaim: `authMode broker: ID-token claim that lists groups (default ${DEFAULTS.brokerGroupsClaim}; cognito:groups with brokerCognito)`,
  brokerRedirectHosts:
    'authMode broker: HTTPS redirect hosts of hosted clients accepted at registration, comma-separated (default: Claude, ChatGPT, VS Code for the web)',
  brokerRedirectSchemes: `authMode broker: private-use URI schemes of native clients, comma-separated (default ${DEFAULTS.brokerRedirectSchemes.join(',')})`,
  sessionMode: `Session mode: ${SESSION_MODES.join(' or ')} (default ${DEFAULTS.sessionMode}); stateful needs exactly one task (-c autoScaling=false -c desiredCount=1) or -c sessionStore=true`,
  sessionStore:
    'true to create a shared session store (ElastiCache Serverless for Valkey) so that sessionMode stateful and authMode broker run on any number of tasks, and 2026-07-28 listen streams hear list changes made on another task (default false; refused on one stateless task, where nothing reads it; billed, see docs/cdk.md)',
  allowedOrigins: 'Browser origins allowed to call the server, comma-separated',
  publicUrl: 'The exact MCP URL, when it differs from https://<domainName>/mcp (e.g. behind a CDN)',
  keepAliveSeconds: `SSE keep-alive interval in seconds (default ${DEFAULTS.keepAliveSeconds})`,
  drainSeconds: `Drain time after SIGTERM in seconds (default ${DEFAULTS.drainSeconds}, at most ${FARGATE_MAX_DRAIN_SECONDS} on Fargate)`,
  sessionIdleSeconds: `Idle time before a stateful session is dropped (default ${DEFAULTS.sessionIdleSeconds})`,
  maxSessions: `Most stateful sessions per task (default ${DEFAULTS.maxSessions})`,
  logLevel: `Log level: ${LOG_LEVELS.join(', ')} (default ${DEFAULTS.logLevel})`,
  idleTimeoutSeconds: `Load balancer idle timeout in seconds, ${ALB_IDLE_TIMEOUT_SECONDS.min}–${ALB_IDLE_TIMEOUT_SECONDS.max} (default ${DEFAULT_ALB_IDLE_TIMEOUT_SECONDS})`,
  image:
    'Container image to run instead of building the repository Dockerfile, e.g. public.ecr.aws/org/mcp:1.0 (a private ECR URI gets pull rights on its repository)',
  cpu: 'Task CPU units (default 512)',
  memoryLimitMiB: 'Task memory in MiB (default 1024)',
  desiredCount: 'Number of tasks when autoScaling is false (default 2)',
  autoScaling: 'true or false (default true)',
  minCapacity: `Autoscaling minimum tasks (default ${TASK_AUTO_SCALING_DEFAULTS.minCapacity})`,
  maxCapacity: `Autoscaling maximum tasks (default ${TASK_AUTO_SCALING_DEFAULTS.maxCapacity})`,
  natGateways: 'NAT gateways of the created VPC (default 2; 1 is cheaper, less available)',
  webAclArn: 'ARN of a regional WAFv2 web ACL to associate with the load balancer',
  deletionProtection: 'true to protect the load balancer from deletion (default false, so that cdk destroy works)',
  dashboard: 'false to create no CloudWatch dashboard (default true)',
  alarmEmail:
    'E-mail address for the alarms (no healthy host, 5xx rate, p99 latency, tasks below desired); a topic is created (default: no alarms)',
  alarmTopicArn: 'ARN of an existing SNS topic for the alarms (default: no alarms)',
  telemetry: 'true runs the ADOT collector sidecar: traces to X-Ray, metrics to CloudWatch (default false)',
} as const;

export type ContextKey = keyof typeof CONTEXT_KEYS;

/** The app's configuration as plain data. */
export interface AppContext {
  stackName: string;
  region: string;
  clientName?: string;
  certificateArn?: string;
  domainName?: string;
  hostedZoneId?: string;
  hostedZoneName?: string;
  oauthSecretArn?: string;
  brokerCognito?: boolean;
  cognitoDomainPrefix?: string;
  brokerSigningKeysSecretArn?: string;
  requestStateKeysSecretArn?: string;
  image?: string;
  webAclArn?: string;
  idleTimeoutSeconds?: number;
  cpu?: number;
  memoryLimitMiB?: number;
  desiredCount?: number;
  autoScaling?: boolean;
  minCapacity?: number;
  maxCapacity?: number;
  natGateways?: number;
  deletionProtection?: boolean;
  sessionStore?: boolean;
  dashboard?: boolean;
  alarmEmail?: string;
  alarmTopicArn?: string;
  telemetry?: boolean;
  settings: ServerSettings;
}

const EXAMPLE =
  'npx cdk deploy -c domainName=mcp.example.com -c hostedZoneId=Z0123456789ABC -c hostedZoneName=example.com ' +
  '-c oauthIssuer=https://auth.example.com';

/** Reads and checks the context. Throws one `McpConfigError` naming everything that is missing or wrong. */
export function readAppContext(
  get: (key: ContextKey) => unknown,
  defaultRegion = process.env.CDK_DEFAULT_REGION,
): AppContext {
  const problems: string[] = [];
  const str = (key: ContextKey): string | undefined => {
    const v = get(key);
    if (v === undefined || v === null || v === '') return undefined;
    return String(v).trim();
  };
  const int = (key: ContextKey): number | undefined => {
    const v = str(key);
    if (v === undefined) return undefined;
    if (!/^\d+$/.test(v)) {
      problems.push(`-c ${key} must be a whole number, got '${v}'`);
      return undefined;
    }
    return Number(v);
  };
  const list = (key: ContextKey): string[] | undefined =>
    str(key)
      ?.split(/[\s,]+/)
      .filter(Boolean);
  const oneOf = <T extends string>(key: ContextKey, allowed: readonly T[]): T | undefined => {
    const v = str(key);
    if (v !== undefined && !allowed.includes(v as T))
      problems.push(`-c ${key} must be one of ${allowed.join(', ')}, got '${v}'`);
    return v as T | undefined;
  };
  const bool = (key: ContextKey): boolean | undefined => {
    const v = str(key);
    if (v === undefined) return undefined;
    if (v !== 'true' && v !== 'false') problems.push(`-c ${key} must be true or false, got '${v}'`);
    return v === 'true';
  };

  // The server settings, each read by its kind in the contract's table (a deployed server authenticates: oauth).
  // Every setting the deployment programs take is a context key of the same name (`key` passes as a ContextKey).
  const readSetting = (key: DeploySettingKey): ServerSettings[DeploySettingKey] => {
    const kind = SETTINGS[key].kind as SettingKind;
    switch (kind.type) {
      case 'list':
        return list(key);
      case 'integer':
        return int(key);
      case 'oneOf':
        return oneOf(key, kind.values) as ServerSettings[DeploySettingKey];
      case 'boolean':
        return bool(key) as ServerSettings[DeploySettingKey];
      default:
        return str(key);
    }
  };
  const settings: ServerSettings = {};
  for (const key of DEPLOY_SETTING_KEYS) {
    const value = readSetting(key);
    if (value !== undefined) Object.assign(settings, { [key]: value });
  }
  settings.authMode ??= 'oauth';

  const ctx: AppContext = {
    stackName: str('stackName') ?? 'McpServer',
    region: str('region') ?? defaultRegion ?? '',
    clientName: str('clientName'),
    certificateArn: str('certificateArn'),
    domainName: str('domainName'),
    hostedZoneId: str('hostedZoneId'),
    hostedZoneName: str('hostedZoneName'),
    oauthSecretArn: str('oauthSecretArn'),
    brokerCognito: bool('brokerCognito'),
    cognitoDomainPrefix: str('cognitoDomainPrefix'),
    brokerSigningKeysSecretArn: str('brokerSigningKeysSecretArn'),
    requestStateKeysSecretArn: str('requestStateKeysSecretArn'),
    image: str('image'),
    webAclArn: str('webAclArn'),
    idleTimeoutSeconds: int('idleTimeoutSeconds'),
    cpu: int('cpu'),
    memoryLimitMiB: int('memoryLimitMiB'),
    desiredCount: int('desiredCount'),
    autoScaling: bool('autoScaling'),
    minCapacity: int('minCapacity'),
    maxCapacity: int('maxCapacity'),
    natGateways: int('natGateways'),
    deletionProtection: bool('deletionProtection'),
    sessionStore: bool('sessionStore'),
    dashboard: bool('dashboard'),
    alarmEmail: str('alarmEmail'),
    alarmTopicArn: str('alarmTopicArn'),
    telemetry: bool('telemetry'),
    settings,
  };

  // What is required: a region (ALB access logs need it), TLS, and for OAuth the authorization server.
  if (!ctx.region)
    problems.push('the region: -c region=eu-west-1 (or run through the cdk CLI, which sets CDK_DEFAULT_REGION)');
  else if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(ctx.region))
    problems.push(`-c region must be an AWS region like eu-west-1, got '${ctx.region}'`);
  const zone = ctx.hostedZoneId !== undefined || ctx.hostedZoneName !== undefined;
  if (!ctx.certificateArn && !(ctx.domainName && ctx.hostedZoneId && ctx.hostedZoneName)) {
    problems.push(
      'TLS: -c certificateArn=arn:aws:acm:<region>:<account>:certificate/<id>, or ' +
        '-c domainName=mcp.example.com -c hostedZoneId=<zone id> -c hostedZoneName=example.com (a certificate is created)',
    );
  } else if (zone && !(ctx.hostedZoneId && ctx.hostedZoneName && ctx.domainName)) {
    problems.push('a hosted zone needs all of -c domainName, -c hostedZoneId and -c hostedZoneName');
  }
  if (settings.authMode === 'oauth' && !settings.oauthIssuer) {
    problems.push(
      'the authorization server: -c oauthIssuer=https://auth.example.com (or -c authMode=token for static bearer tokens)',
    );
  }
  if (settings.authMode === 'broker') {
    if (ctx.brokerCognito && (settings.upstreamIssuer || settings.upstreamClientId)) {
      problems.push(
        '-c brokerCognito=true creates the upstream provider: drop -c upstreamIssuer and -c upstreamClientId, or drop brokerCognito to use an existing provider',
      );
    } else if (!ctx.brokerCognito && !(settings.upstreamIssuer && settings.upstreamClientId)) {
      problems.push(
        'the upstream identity provider of authMode broker: -c brokerCognito=true (a Cognito user pool is created), or ' +
          '-c upstreamIssuer=https://login.example.com -c upstreamClientId=<client id> (its secret goes in the secret, field UPSTREAM_CLIENT_SECRET)',
      );
    }
    if (ctx.cognitoDomainPrefix && !ctx.brokerCognito)
      problems.push('-c cognitoDomainPrefix applies only with -c brokerCognito=true');
  } else {
    const brokerOnly = Object.entries({
      brokerCognito: ctx.brokerCognito || undefined,
      cognitoDomainPrefix: ctx.cognitoDomainPrefix,
      brokerSigningKeysSecretArn: ctx.brokerSigningKeysSecretArn,
      upstreamIssuer: settings.upstreamIssuer,
      upstreamClientId: settings.upstreamClientId,
    }).flatMap(([k, v]) => (v === undefined ? [] : [`-c ${k}`]));
    if (brokerOnly.length > 0) problems.push(`${brokerOnly.join(', ')} apply only to -c authMode=broker`);
  }
  if (ctx.certificateArn && !isAcmCertificateArn(ctx.certificateArn)) {
    problems.push(`-c certificateArn must be an ACM certificate ARN, got '${ctx.certificateArn}'`);
  }
  const certificateRegion =
    ctx.certificateArn && ctx.region ? certificateRegionProblem(ctx.certificateArn, ctx.region) : undefined;
  if (certificateRegion) problems.push(`-c certificateArn: ${certificateRegion}`);
  for (const key of ['oauthSecretArn', 'brokerSigningKeysSecretArn', 'requestStateKeysSecretArn'] as const) {
    const arn = ctx[key];
    if (arn && !/^arn:aws[\w-]*:secretsmanager:[\w-]+:\d{12}:secret:.+-[A-Za-z0-9]{6}$/.test(arn)) {
      problems.push(`-c ${key} must be the complete ARN of a secret (ending in its 6-character suffix), got '${arn}'`);
    }
  }
  const unusedStore = ctx.sessionStore
    ? unusedSessionStoreProblem(settings, contextTaskCount(ctx), {
        billed: 'cache',
        task: 'task',
        fix: 'add -c sessionMode=stateful, or drop -c sessionStore=true',
      })
    : undefined;
  if (unusedStore) problems.push(`-c sessionStore=true ${unusedStore}`);
  if (ctx.autoScaling === false && (ctx.minCapacity !== undefined || ctx.maxCapacity !== undefined)) {
    problems.push('-c minCapacity and -c maxCapacity apply only with autoScaling; omit them or -c autoScaling=false');
  }

  if (problems.length > 0) {
    throw new McpConfigError(
      `Missing or invalid context for the MCP server stack. Pass:\n${problems.map((p) => `  - ${p}`).join('\n')}\n` +
        `Example: ${EXAMPLE}\nEvery key is described in docs/cdk.md.`,
    );
  }
  return ctx;
}

/** The tasks the context asks for, with the construct's defaults (its checks of the values come later). */
function contextTaskCount(ctx: AppContext): TaskCountRange {
  if (ctx.autoScaling === false) {
    const count = ctx.desiredCount ?? FARGATE_TASK_DEFAULTS.desiredCount;
    return { min: count, max: count };
  }
  const min = ctx.minCapacity ?? TASK_AUTO_SCALING_DEFAULTS.minCapacity;
  return { min, max: ctx.maxCapacity ?? Math.max(TASK_AUTO_SCALING_DEFAULTS.maxCapacity, min) };
}

/** Turns the context into service props, importing the named resources into the stack. */
export function servicePropsFromContext(ctx: AppContext): (stack: Stack) => McpFargateServiceProps {
  return (stack) => ({
    certificate: ctx.certificateArn
      ? acm.Certificate.fromCertificateArn(stack, 'Certificate', ctx.certificateArn)
      : undefined,
    domainName: ctx.domainName,
    hostedZone:
      ctx.hostedZoneId && ctx.hostedZoneName
        ? route53.HostedZone.fromHostedZoneAttributes(stack, 'HostedZone', {
            hostedZoneId: ctx.hostedZoneId,
            zoneName: ctx.hostedZoneName,
          })
        : undefined,
    oauthSecret: ctx.oauthSecretArn
      ? secretsmanager.Secret.fromSecretCompleteArn(stack, 'OAuthSecret', ctx.oauthSecretArn)
      : undefined,
    requestStateKeys: ctx.requestStateKeysSecretArn
      ? secretsmanager.Secret.fromSecretCompleteArn(stack, 'RequestStateKeys', ctx.requestStateKeysSecretArn)
      : undefined,
    image: ctx.image ? ecs.ContainerImage.fromRegistry(ctx.image) : undefined,
    webAclArn: ctx.webAclArn,
    idleTimeout: ctx.idleTimeoutSeconds !== undefined ? Duration.seconds(ctx.idleTimeoutSeconds) : undefined,
    cpu: ctx.cpu,
    memoryLimitMiB: ctx.memoryLimitMiB,
    desiredCount: ctx.desiredCount,
    autoScaling: ctx.autoScaling === false ? false : { minCapacity: ctx.minCapacity, maxCapacity: ctx.maxCapacity },
    natGateways: ctx.natGateways,
    deletionProtection: ctx.deletionProtection,
    sessionStore: ctx.sessionStore,
    dashboard: ctx.dashboard,
    alarms:
      ctx.alarmEmail !== undefined || ctx.alarmTopicArn !== undefined
        ? {
            email: ctx.alarmEmail,
            topic: ctx.alarmTopicArn ? sns.Topic.fromTopicArn(stack, 'AlarmTopic', ctx.alarmTopicArn) : undefined,
          }
        : undefined,
    telemetry: ctx.telemetry,
    serverSettings: ctx.settings,
    broker:
      ctx.settings.authMode === 'broker'
        ? {
            cognito: ctx.brokerCognito
              ? ctx.cognitoDomainPrefix
                ? { domainPrefix: ctx.cognitoDomainPrefix }
                : true
              : undefined,
            signingKeys: ctx.brokerSigningKeysSecretArn
              ? secretsmanager.Secret.fromSecretCompleteArn(stack, 'BrokerSigningKeys', ctx.brokerSigningKeysSecretArn)
              : undefined,
          }
        : undefined,
  });
}
