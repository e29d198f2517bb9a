/**
 * `McpFargateService`: the remote MCP server on ECS Fargate behind an Application Load Balancer, built from
 * `@pulumi/aws` resources (not awsx, whose defaults — a 60 s idle timeout, security groups open to everything —
 * do not fit long-lived streams). Its defaults follow the CDK construct of this repository (`infra/cdk`); the
 * differences are listed in docs/pulumi.md.
 *
 * Every timing and path comes from the server's contract (`server/config/contract.ts`).
 */
import { createHash, randomBytes } from 'node:crypto';
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import {
  CONTAINER_PORT,
  DEFAULTS,
  ENV,
  FARGATE_MAX_STOP_TIMEOUT_SECONDS,
  PATHS,
  REDIS,
  SECRET_ENV,
  redisUrl,
  stopTimeoutSeconds,
  type EnvName,
  type ServerSettings,
} from '../../../server/config/contract';
import { ALB_IDLE_TIMEOUT_SECONDS, DEFAULT_ALB_IDLE_TIMEOUT_SECONDS, albIdleTimeoutProblem } from '../../shared/alb';
import { certificateRegionProblem } from '../../shared/arn';
import { ECR_PULL_ACTIONS, parseEcrImage } from '../../shared/ecr';
import { upstreamCallbackUrlOf } from '../../shared/broker';
import { fargateDrainProblem } from '../../shared/drain';
import { TASK_AUTO_SCALING_DEFAULTS, resolveTaskScalingTargets } from '../../shared/auto-scaling';
import { serverTelemetryEnvironment } from '../../shared/observability';
import { statefulSessionsProblem } from '../../shared/sessions';
import { clientConfigOutput, type McpClientConfig } from '../common/client-config';
import { checkInteger, configFail } from '../common/errors';
import { McpNetwork, NETWORK_DEFAULTS } from './network';
import { checkAlarms, collectorContainer, createMonitoring, createTelemetry, type McpFargateAlarms, type McpFargateMonitoring, type McpFargateTelemetry } from './observability';
import {
  assertSecretsFitSettings,
  brokerWarnings,
  envPairs,
  generatedRequestStateKeys,
  plainEnvironment,
  resolveServerSettings,
  secretEntries,
  type McpSecretValues,
} from '../common/server-settings';

export const CONTAINER_NAME = 'mcp';

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

export const FARGATE_DEFAULTS = {
  /** Long enough for a tool to run an hour without output; far above the server's keep-alive interval. */
  idleTimeoutSeconds: DEFAULT_ALB_IDLE_TIMEOUT_SECONDS,
  /** TLS 1.3 and 1.2 with restricted ciphers and post-quantum key exchange (the CDK construct's default). */
  sslPolicy: 'ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09',
  /** 0.5 vCPU: Node runs JavaScript on one core, so scale out rather than up. */
  cpu: 512,
  memoryMiB: 1024,
  cpuArchitecture: 'X86_64' as 'X86_64' | 'ARM64',
  /** uid:gid of the `node` user of the official Node images (the Dockerfile's `USER node`). */
  containerUser: '1000:1000',
  /** One year, as the CDK construct (AWS Control Tower control CT.CLOUDWATCH.PR.2). */
  logRetentionDays: 365,
  /** Without autoscaling. */
  desiredCount: 2,
  /** The same as the CDK construct's (`infra/shared/auto-scaling.ts`). */
  autoScaling: TASK_AUTO_SCALING_DEFAULTS,
  containerInsights: true,
  deletionProtection: false,
  ingressCidrs: ['0.0.0.0/0'],
} as const;

/** The retention periods CloudWatch Logs accepts. */
export const CLOUDWATCH_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

/** Target group health check on `/readyz` (200 once the server can serve). */
export const TARGET_HEALTH_CHECK = { interval: 10, timeout: 5, healthyThreshold: 2, unhealthyThreshold: 2, matcher: '200' } as const;
export const HEALTH_CHECK_GRACE_PERIOD_SECONDS = 60;

/**
 * The shared session store the component creates (`sessionStore: true` or an object of these settings): ElastiCache
 * Serverless for Valkey in the tasks' private subnets, TLS, a password user, reachable only from the tasks.
 */
export interface McpFargateSessionStore {
  /** Valkey major version (7 or later: the server needs Redis/Valkey 7+). @default '8' */
  majorEngineVersion?: string;
  /** Cap on stored data in GB (1–5000), a cost ceiling: writes fail beyond it. @default no cap */
  maxDataStorageGB?: number;
  /** Cap on ElastiCache Processing Units per second (1000–15000000). @default no cap */
  maxEcpuPerSecond?: number;
  /** KMS key (ARN) for encryption at rest. @default an AWS-owned key */
  kmsKeyArn?: pulumi.Input<string>;
}

/** An existing store: its `REDIS_URL` in a Secrets Manager secret, and how the tasks reach it. */
export interface McpFargateExistingSessionStore {
  /** Secrets Manager secret (ARN) holding the store's URL (`rediss://[:password@]host:port`). */
  redisUrlSecretArn: pulumi.Input<string>;
  /** JSON field of the secret that holds the URL. @default the whole secret string is the URL */
  field?: string;
  /**
   * The store's security group: it gets an ingress rule from the tasks on `port`, and the tasks an egress rule to it.
   * Without it no rule is added: open the path yourself (the tasks' group, `serviceSecurityGroup`, allows no other
   * egress than HTTPS). @default no rule
   */
  securityGroupId?: pulumi.Input<string>;
  /** Port of the store, for the rules on `securityGroupId`. @default 6379 */
  port?: number;
}

export const SESSION_STORE_DEFAULTS = {
  engine: 'valkey',
  majorEngineVersion: '8',
  /**
   * `REDIS_URL` carries a password and no user name (the contract's `redisUrl`), so the client authenticates as the
   * user named `default`: the component's user takes that name (its ID is unique).
   */
  userName: 'default',
  /** All keys, all channels, all commands: the store serves this server alone. */
  accessString: 'on ~* &* +@all',
} as const;

/** Task-count autoscaling on requests per target and on CPU. */
export interface McpFargateAutoScaling {
  /** @default 2 */
  minCapacity?: number;
  /** @default 10 */
  maxCapacity?: number;
  /** Target of the ALB's RequestCountPerTarget (requests per task per minute). @default 1000 */
  requestsPerTarget?: number;
  /** @default 60 */
  cpuTargetPercent?: number;
  /** Scale-in stops tasks (their streams reconnect elsewhere), so it is slower. @default 300 */
  scaleInCooldownSeconds?: number;
  /** @default 60 */
  scaleOutCooldownSeconds?: number;
}

export interface McpFargateServiceArgs {
  /** The server image (ECR or any registry the tasks can reach). */
  image: pulumi.Input<string>;
  /**
   * Your VPC, with `publicSubnetIds` and `privateSubnetIds` (all three or none).
   * @default a new network like the CDK construct's (`McpNetwork`): two AZs, public and private subnets, NAT gateways, flow logs
   */
  vpcId?: pulumi.Input<string>;
  /** Public subnets (at least two AZs) for the internet-facing load balancer. */
  publicSubnetIds?: pulumi.Input<pulumi.Input<string>[]>;
  /** Private subnets with egress (NAT or VPC endpoints) for the tasks. */
  privateSubnetIds?: pulumi.Input<pulumi.Input<string>[]>;
  /** NAT gateways of the created network, 1 or 2 (not with `vpcId`): one per AZ survives the loss of an AZ. @default 2 */
  natGateways?: number;
  /**
   * ACM certificate of the HTTPS listener (it should cover `domainName`), in the load balancer's region. A plain ARN
   * from another region than `aws:region` is refused when the component uses the default provider.
   */
  certificateArn: pulumi.Input<string>;
  /**
   * Domain name of the service, e.g. `mcp.example.com`: the public URL becomes `https://<domainName>/mcp`, stable
   * across re-creations of the load balancer. Without it the URL uses the load balancer's DNS name.
   */
  domainName?: string;
  /** Route 53 hosted zone of `domainName`: receives an alias A record for the load balancer. */
  hostedZoneId?: pulumi.Input<string>;
  /**
   * The server's settings, typed by its contract and checked with its own `validateServerSettings`.
   * `authMode` defaults to `'oauth'`; `drainSeconds` to the server's default (20).
   */
  server?: ServerSettings;
  /** Secret values: stored in a new Secrets Manager secret (JSON fields named as the contract's variables). */
  secrets?: McpSecretValues;
  /** Or an existing Secrets Manager secret whose JSON fields are injected (with `secretFields`). */
  secretArn?: pulumi.Input<string>;
  /** Fields of `secretArn` to inject; each must be a `SECRET_ENV` name and exist in the secret. */
  secretFields?: EnvName[];
  /** ALB idle timeout, 1–4000 s and longer than the server's keep-alive. @default 3600 */
  idleTimeoutSeconds?: number;
  /** @default 'ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09' */
  sslPolicy?: string;
  /** Task CPU units. @default 512 */
  cpu?: number;
  /** Task memory (MiB), a valid Fargate combination with `cpu`. @default 1024 */
  memoryMiB?: number;
  /** @default 'X86_64' */
  cpuArchitecture?: 'X86_64' | 'ARM64';
  /** @default '1000:1000' */
  containerUser?: string;
  /** Run the image's Node-based `/healthz` check as an ECS container health check (the ALB checks `/readyz` anyway). @default false */
  containerHealthCheck?: boolean;
  /**
   * Fixed task count when `autoScaling` is false. `server.sessionMode: 'stateful'` needs exactly one task (a fixed
   * count of 1, or autoscaling between 1 and 1) unless the service has a `sessionStore`. @default 2
   */
  desiredCount?: number;
  /** @default enabled with the defaults of `McpFargateAutoScaling` */
  autoScaling?: McpFargateAutoScaling | false;
  /** @default 365 */
  logRetentionDays?: number;
  /** KMS key (ARN) to encrypt the log group with; its key policy must allow CloudWatch Logs. @default AWS-managed encryption */
  logsKmsKeyArn?: pulumi.Input<string>;
  /** An existing ECS cluster; otherwise one is created with Container Insights. */
  clusterArn?: pulumi.Input<string>;
  /** Container Insights on the created cluster. @default true */
  containerInsights?: boolean;
  /** Existing S3 bucket (SSE-S3, with the ELB log-delivery policy) for ALB access logs. @default no access logs */
  accessLogsBucket?: pulumi.Input<string>;
  /** @default 'alb' */
  accessLogsPrefix?: string;
  /** ARN of a regional WAFv2 web ACL to associate with the load balancer. */
  webAclArn?: pulumi.Input<string>;
  /** ALB deletion protection. @default false */
  deletionProtection?: boolean;
  /** Client CIDRs allowed to reach the load balancer. @default ['0.0.0.0/0'] */
  ingressCidrs?: string[];
  /**
   * The shared session store (`REDIS_URL`), with which `sessionMode: 'stateful'` works on any number of tasks: `true`
   * (or settings) creates ElastiCache Serverless for Valkey reachable only from the tasks; an existing store is given
   * by the Secrets Manager secret holding its URL. @default none
   */
  sessionStore?: boolean | McpFargateSessionStore | McpFargateExistingSessionStore;
  /** CloudWatch dashboard (docs/observability-infra.md). @default true */
  dashboard?: boolean;
  /** Alarms (no healthy host, 5xx rate, p99 latency, tasks below desired) to an SNS topic or an e-mail address. @default no alarms */
  alarms?: McpFargateAlarms;
  /** ADOT collector sidecar: traces to X-Ray, metrics to CloudWatch (`RemoteMcp`); sets the server's OTEL_* variables. @default false */
  telemetry?: boolean;
  tags?: Record<string, string>;
}

export class McpFargateService extends pulumi.ComponentResource {
  /** The network the component created, when no `vpcId` was given. */
  readonly network?: McpNetwork;
  /** The VPC and subnets the service runs in (given or created). */
  readonly vpcId: pulumi.Output<string>;
  readonly publicSubnetIds: pulumi.Output<string[]>;
  readonly privateSubnetIds: pulumi.Output<string[]>;
  readonly loadBalancer: aws.lb.LoadBalancer;
  readonly targetGroup: aws.lb.TargetGroup;
  readonly httpsListener: aws.lb.Listener;
  readonly redirectListener: aws.lb.Listener;
  readonly loadBalancerSecurityGroup: aws.ec2.SecurityGroup;
  readonly serviceSecurityGroup: aws.ec2.SecurityGroup;
  readonly taskDefinition: aws.ecs.TaskDefinition;
  readonly service: aws.ecs.Service;
  readonly executionRole: aws.iam.Role;
  readonly taskRole: aws.iam.Role;
  readonly logGroup: aws.cloudwatch.LogGroup;
  /** The created secret, when `secrets` were given. */
  readonly secret?: aws.secretsmanager.Secret;
  /** The session store, when the component created it, with its security group, user and user group. */
  readonly sessionStore?: aws.elasticache.ServerlessCache;
  readonly sessionStoreSecurityGroup?: aws.ec2.SecurityGroup;
  readonly sessionStoreUser?: aws.elasticache.User;
  readonly sessionStoreUserGroup?: aws.elasticache.UserGroup;
  /** The secret holding `REDIS_URL`, when the component created it. */
  readonly redisUrlSecret?: aws.secretsmanager.Secret;
  /**
   * The secret holding a generated `MCP_REQUEST_STATE_KEYS` (its whole value), when neither `secrets.requestStateKeys`
   * nor `secretFields` give the keys.
   */
  readonly requestStateKeysSecret?: aws.secretsmanager.Secret;
  /** The ARN of the secret `REDIS_URL` is injected from (created or given). */
  readonly redisUrlSecretArn?: pulumi.Output<string>;
  /** `REDIS_URL` of the created store (with the password): a Pulumi secret. */
  readonly redisUrl?: pulumi.Output<string>;
  /** `host:port` of the created store's endpoint. */
  readonly sessionStoreEndpoint?: pulumi.Output<string>;
  /** The exact MCP URL clients add (the server's `publicUrl`). */
  readonly mcpUrl: pulumi.Output<string>;
  /**
   * Broker mode: the redirect URI to register on the server's OAuth client at the upstream provider,
   * `<origin of mcpUrl>/oauth/callback`.
   */
  readonly upstreamCallbackUrl?: pulumi.Output<string>;
  readonly loadBalancerDnsName: pulumi.Output<string>;
  readonly clusterName: pulumi.Output<string>;
  readonly serviceName: pulumi.Output<string>;
  readonly logGroupName: pulumi.Output<string>;
  /** Snippets for Claude Desktop, Claude Code and VS Code. */
  readonly clientConfig: pulumi.Output<McpClientConfig>;
  /** Dashboard and alarms (and their topic). */
  readonly monitoring: McpFargateMonitoring;
  /** With `telemetry`: the collector's metrics log group and the task role's policy. */
  readonly telemetry?: McpFargateTelemetry;

  constructor(name: string, args: McpFargateServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super('remote-mcp-stacks:aws:McpFargateService', name, {}, opts);
    const where = `McpFargateService ${name}`;

    // ------------------------------------------------------------------ validation (before any resource)
    if (!/^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?$/.test(name) || name.length > FARGATE_LIMITS.nameMaxLength) {
      configFail(where, `the component name must be letters, digits and hyphens, at most ${FARGATE_LIMITS.nameMaxLength} characters (load balancer and target group names are limited to 32), got '${name}'`);
    }
    if (args.hostedZoneId !== undefined && !args.domainName) configFail(where, '`hostedZoneId` needs `domainName` (the record to create in it)');
    const { settings, keepAliveSeconds, drainSeconds } = resolveServerSettings(where, args, {
      defaultSeconds: DEFAULTS.drainSeconds,
      problem: fargateDrainProblem,
    });
    const idleTimeout = args.idleTimeoutSeconds ?? FARGATE_DEFAULTS.idleTimeoutSeconds;
    const idleProblem = albIdleTimeoutProblem(idleTimeout, keepAliveSeconds);
    if (idleProblem) configFail(where, `idleTimeoutSeconds ${idleProblem}`);
    const cpu = args.cpu ?? FARGATE_DEFAULTS.cpu;
    if (![256, 512, 1024, 2048, 4096, 8192, 16384].includes(cpu)) {
      configFail(where, `cpu must be a Fargate CPU value (256, 512, 1024, 2048, 4096, 8192, 16384), got ${cpu}`);
    }
    const memory = args.memoryMiB ?? FARGATE_DEFAULTS.memoryMiB;
    checkInteger(where, 'memoryMiB', memory, 512, 122880);
    const cpuArchitecture = args.cpuArchitecture ?? FARGATE_DEFAULTS.cpuArchitecture;
    if (cpuArchitecture !== 'X86_64' && cpuArchitecture !== 'ARM64') configFail(where, `cpuArchitecture must be X86_64 or ARM64, got '${String(cpuArchitecture)}'`);
    const logRetentionDays = args.logRetentionDays ?? FARGATE_DEFAULTS.logRetentionDays;
    if (!(CLOUDWATCH_RETENTION_DAYS as readonly number[]).includes(logRetentionDays)) {
      configFail(where, `logRetentionDays must be one of CloudWatch's values (${CLOUDWATCH_RETENTION_DAYS.join(', ')}), got ${logRetentionDays}`);
    }
    const autoScaling = args.autoScaling === false ? undefined : resolveAutoScaling(where, args.autoScaling ?? {});
    const desiredCount = args.desiredCount ?? (autoScaling ? autoScaling.minCapacity : FARGATE_DEFAULTS.desiredCount);
    checkInteger(where, 'desiredCount', desiredCount, 1, 10000);
    if (autoScaling && (desiredCount < autoScaling.minCapacity || desiredCount > autoScaling.maxCapacity)) {
      configFail(where, `desiredCount (${desiredCount}) must be within autoScaling minCapacity..maxCapacity (${autoScaling.minCapacity}..${autoScaling.maxCapacity})`);
    }
    // The session store: REDIS_URL comes from it alone, and only stateful sessions and the broker use it.
    const store = resolveSessionStore(where, args.sessionStore);
    // The broker keeps its state in the store whatever the session mode; stateless MCP requests alone keep nothing.
    if (store && settings.sessionMode !== 'stateful' && settings.authMode !== 'broker') {
      configFail(
        where,
        "sessionStore is used only by sessionMode 'stateful' and authMode 'broker' (stateless requests keep nothing between them), and would be a billed cache that nothing reads: set `server: { sessionMode: 'stateful' }`, or remove sessionStore",
      );
    }
    if (store && (args.secretFields ?? []).includes(ENV.redisUrl)) configFail(where, `'${ENV.redisUrl}' comes from sessionStore: remove it from secretFields`);
    // Stateful sessions without a shared store live in one task's memory and the ALB has no stickiness: only a single
    // task can hold them. With the store (created, or an existing one's URL) any task serves any session.
    if (settings.sessionMode === 'stateful') {
      const tasks = autoScaling ? { min: autoScaling.minCapacity, max: autoScaling.maxCapacity } : { min: desiredCount, max: desiredCount };
      const problem = statefulSessionsProblem(tasks, 'run exactly one task (`autoScaling: false` with `desiredCount: 1`, or `autoScaling: { minCapacity: 1, maxCapacity: 1 }`)', {
        sharedStore: store !== undefined || (args.secretFields ?? []).includes(ENV.redisUrl),
        sharedStoreHint: '`sessionStore: true` creates ElastiCache Serverless for Valkey',
      });
      if (problem) configFail(where, problem);
    }
    // An ALB takes only certificates of its own region. Checked against `aws:region` when the ARN is a plain string
    // and the component uses the default provider (an explicit or inherited provider may be in another region).
    if (typeof args.certificateArn === 'string' && !opts?.provider && !opts?.providers && !opts?.parent) {
      const problem = certificateRegionProblem(args.certificateArn, aws.config.region);
      if (problem) configFail(where, `certificateArn: ${problem}`);
    }

    checkAlarms(where, args.alarms);

    // Secrets: values given here (a new secret), or an existing secret's fields — not both.
    const secretValues = secretEntries(args.secrets, where);
    if (secretValues.length > 0 && args.secretArn !== undefined) configFail(where, 'pass either `secrets` (a secret is created) or `secretArn` with `secretFields`, not both');
    if (args.secretArn !== undefined && (args.secretFields ?? []).length === 0) configFail(where, '`secretArn` needs `secretFields` (the JSON fields to inject)');
    if (args.secretFields !== undefined && args.secretArn === undefined) configFail(where, '`secretFields` applies only to `secretArn`');
    for (const f of args.secretFields ?? []) {
      if (!SECRET_ENV.includes(f)) configFail(where, `secretFields may only name ${SECRET_ENV.join(', ')}, got '${f}'`);
    }
    const secretFields: string[] = args.secretArn !== undefined ? [...(args.secretFields ?? [])] : secretValues.map((s) => s.env);
    const sharedStore = store !== undefined || secretFields.includes(ENV.redisUrl);
    assertSecretsFitSettings(settings, secretFields, where, { sharedStore });
    const maxTasks = autoScaling ? autoScaling.maxCapacity : desiredCount;
    for (const warning of brokerWarnings(settings, secretFields, {
      instances: maxTasks > 1 ? `up to ${maxTasks} tasks` : undefined,
      sharedStore,
      fix: 'The load balancer has no stickiness: run one task (`autoScaling: false` with `desiredCount: 1`), or give the service a shared store (sessionStore: true, which holds the broker state, with the signing keys).',
      restarts: 'a deployment, a task replacement, scale-in',
    })) {
      pulumi.log.warn(`${where}: ${warning}`, this);
    }
    const given = [args.vpcId, args.publicSubnetIds, args.privateSubnetIds].filter((v) => v !== undefined).length;
    if (given !== 0 && given !== 3) {
      configFail(where, 'give all of `vpcId`, `publicSubnetIds` and `privateSubnetIds` (your network), or none of them (a network is created)');
    }
    if (args.natGateways !== undefined) {
      if (given === 3) configFail(where, 'natGateways applies only to a created network; omit it with `vpcId`');
      checkInteger(where, 'natGateways', args.natGateways, 1, NETWORK_DEFAULTS.availabilityZones);
    }
    const tags = { 'managed-by': 'pulumi', app: 'remote-mcp', ...(args.tags ?? {}) };
    const parent = { parent: this };

    // ------------------------------------------------------------------ network (yours, or created like the CDK construct's)
    if (given === 0) {
      this.network = new McpNetwork(
        `${name}-net`,
        { natGateways: args.natGateways, logRetentionDays, logsKmsKeyArn: args.logsKmsKeyArn, tags },
        parent,
      );
    }
    this.vpcId = this.network ? this.network.vpcId : pulumi.output(args.vpcId!);
    this.publicSubnetIds = this.network ? this.network.publicSubnetIds : pulumi.output(args.publicSubnetIds!);
    this.privateSubnetIds = this.network ? this.network.privateSubnetIds : pulumi.output(args.privateSubnetIds!);
    const { vpcId, publicSubnetIds, privateSubnetIds } = this;

    // ------------------------------------------------------------------ secret
    let secretArn: pulumi.Output<string> | undefined;
    let secretVersionId: pulumi.Output<string> | undefined;
    if (secretValues.length > 0) {
      this.secret = new aws.secretsmanager.Secret(
        `${name}-secret`,
        { description: `Secret variables of the MCP server (${secretFields.join(', ')}); ECS injects them at task start`, tags },
        parent,
      );
      // JSON fields named as the contract's variables; the string is a Pulumi secret (encrypted in the state).
      const secretString = pulumi.secret(
        pulumi.all(secretValues.map((s) => s.value)).apply((values) => JSON.stringify(Object.fromEntries(secretValues.map((s, i) => [s.env, values[i]])))),
      );
      const version = new aws.secretsmanager.SecretVersion(`${name}-secret`, { secretId: this.secret.id, secretString }, parent);
      secretArn = this.secret.arn;
      secretVersionId = version.versionId;
    } else if (args.secretArn !== undefined) {
      secretArn = pulumi.output(args.secretArn);
    }

    // The requestState keys: every task must share them (a retry may reach another task) and the server refuses to start
    // on the tasks' address without them. Given (a secret value, or a field of `secretArn`), or generated once here into
    // a secret of their own; `ignoreChanges` keeps the first draw (see generatedRequestStateKeys).
    let requestStateKeysArn: pulumi.Output<string> | undefined;
    if (!secretFields.includes(ENV.requestStateKeys)) {
      this.requestStateKeysSecret = new aws.secretsmanager.Secret(
        `${name}-request-state-keys`,
        { description: `${ENV.requestStateKeys} of the MCP server (HMAC keys of 2026-07-28 requestState, the first signs); ECS injects it at task start`, tags },
        parent,
      );
      new aws.secretsmanager.SecretVersion(
        `${name}-request-state-keys`,
        { secretId: this.requestStateKeysSecret.id, secretString: generatedRequestStateKeys() },
        { parent: this, ignoreChanges: ['secretString'] },
      );
      requestStateKeysArn = this.requestStateKeysSecret.arn;
    }

    // ------------------------------------------------------------------ logs and roles
    this.logGroup = new aws.cloudwatch.LogGroup(
      `${name}-logs`,
      { retentionInDays: logRetentionDays, kmsKeyId: args.logsKmsKeyArn, tags },
      // Logs are records: they outlive the stack (as in the CDK construct).
      { parent: this, retainOnDelete: true },
    );
    const assumeByEcsTasks = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' }],
    });
    this.executionRole = new aws.iam.Role(
      `${name}-execution`,
      { description: 'ECS task execution role of the MCP server: pull the image, write its logs, read its secret', assumeRolePolicy: assumeByEcsTasks, tags },
      parent,
    );
    // The server calls no AWS API: its task role has no permissions.
    this.taskRole = new aws.iam.Role(
      `${name}-task`,
      { description: 'ECS task role of the MCP server (no permissions: the server calls no AWS API)', assumeRolePolicy: assumeByEcsTasks, tags },
      parent,
    );

    // ------------------------------------------------------------------ network
    this.loadBalancerSecurityGroup = new aws.ec2.SecurityGroup(
      `${name}-alb`,
      { vpcId: vpcId, description: 'MCP load balancer: HTTPS (and HTTP, redirected) from clients', tags },
      parent,
    );
    this.serviceSecurityGroup = new aws.ec2.SecurityGroup(
      `${name}-tasks`,
      { vpcId: vpcId, description: 'MCP tasks: reachable only from the load balancer', tags },
      parent,
    );
    const cidrs = args.ingressCidrs ?? [...FARGATE_DEFAULTS.ingressCidrs];
    cidrs.forEach((cidr, i) => {
      for (const [port, what] of [[443, 'HTTPS from MCP clients'], [80, 'HTTP, redirected to HTTPS']] as const) {
        new aws.vpc.SecurityGroupIngressRule(
          `${name}-alb-in-${port}-${i}`,
          { securityGroupId: this.loadBalancerSecurityGroup.id, cidrIpv4: cidr, ipProtocol: 'tcp', fromPort: port, toPort: port, description: what },
          parent,
        );
      }
    });
    new aws.vpc.SecurityGroupEgressRule(
      `${name}-alb-to-tasks`,
      {
        securityGroupId: this.loadBalancerSecurityGroup.id,
        referencedSecurityGroupId: this.serviceSecurityGroup.id,
        ipProtocol: 'tcp',
        fromPort: CONTAINER_PORT,
        toPort: CONTAINER_PORT,
        description: 'Load balancer to MCP tasks',
      },
      parent,
    );
    new aws.vpc.SecurityGroupIngressRule(
      `${name}-tasks-from-alb`,
      {
        securityGroupId: this.serviceSecurityGroup.id,
        referencedSecurityGroupId: this.loadBalancerSecurityGroup.id,
        ipProtocol: 'tcp',
        fromPort: CONTAINER_PORT,
        toPort: CONTAINER_PORT,
        description: 'Only the load balancer reaches the tasks',
      },
      parent,
    );
    // Tasks call out over HTTPS only: image registry, Secrets Manager, CloudWatch Logs, the authorization server.
    new aws.vpc.SecurityGroupEgressRule(
      `${name}-tasks-https-out`,
      { securityGroupId: this.serviceSecurityGroup.id, cidrIpv4: '0.0.0.0/0', ipProtocol: 'tcp', fromPort: 443, toPort: 443, description: 'HTTPS to AWS APIs and the authorization server' },
      parent,
    );

    // ------------------------------------------------------------------ shared session store
    let redisUrlVersionId: pulumi.Output<string> | undefined;
    let redisUrlField: string | undefined;
    if (store?.kind === 'existing') {
      const port = store.port;
      if (store.securityGroupId !== undefined) {
        new aws.vpc.SecurityGroupIngressRule(
          `${name}-sessions-from-tasks`,
          { securityGroupId: store.securityGroupId, referencedSecurityGroupId: this.serviceSecurityGroup.id, ipProtocol: 'tcp', fromPort: port, toPort: port, description: 'MCP tasks to their session store' },
          parent,
        );
        new aws.vpc.SecurityGroupEgressRule(
          `${name}-tasks-to-sessions`,
          { securityGroupId: this.serviceSecurityGroup.id, referencedSecurityGroupId: store.securityGroupId, ipProtocol: 'tcp', fromPort: port, toPort: port, description: 'The session store (REDIS_URL)' },
          parent,
        );
      }
      this.redisUrlSecretArn = pulumi.output(store.redisUrlSecretArn);
      redisUrlField = store.field;
    } else if (store) {
      const ids = sessionStoreIds(name);
      // Its own security group: the only way in is from the tasks' group, on the store's port; no egress at all.
      this.sessionStoreSecurityGroup = new aws.ec2.SecurityGroup(
        `${name}-sessions`,
        { vpcId: vpcId, description: 'MCP session store: reachable only from the MCP tasks, on 6379', tags },
        parent,
      );
      new aws.vpc.SecurityGroupIngressRule(
        `${name}-sessions-from-tasks`,
        {
          securityGroupId: this.sessionStoreSecurityGroup.id,
          referencedSecurityGroupId: this.serviceSecurityGroup.id,
          ipProtocol: 'tcp',
          fromPort: REDIS.port,
          toPort: REDIS.port,
          description: 'Only the MCP tasks reach the session store',
        },
        parent,
      );
      new aws.vpc.SecurityGroupEgressRule(
        `${name}-tasks-to-sessions`,
        {
          securityGroupId: this.serviceSecurityGroup.id,
          referencedSecurityGroupId: this.sessionStoreSecurityGroup.id,
          ipProtocol: 'tcp',
          fromPort: REDIS.port,
          toPort: REDIS.port,
          description: 'The session store (REDIS_URL)',
        },
        parent,
      );
      // The password: 32 random bytes (base64url: no character that needs escaping in a URL), a Pulumi secret from the
      // start. @pulumi/random is not a dependency, so it is drawn on every run — and `ignoreChanges` keeps the one the
      // user was created with: the URL below reads it back from the user's state, so it is stable across runs and
      // never rotates by accident. (Rotate by replacing the user: `pulumi up --replace <urn of the user>`.)
      const password = pulumi.secret(randomBytes(32).toString('base64url'));
      this.sessionStoreUser = new aws.elasticache.User(
        `${name}-sessions`,
        {
          userId: ids.userId,
          userName: SESSION_STORE_DEFAULTS.userName,
          engine: SESSION_STORE_DEFAULTS.engine,
          accessString: SESSION_STORE_DEFAULTS.accessString,
          passwords: [password],
          tags,
        },
        { parent: this, ignoreChanges: ['passwords'] },
      );
      this.sessionStoreUserGroup = new aws.elasticache.UserGroup(
        `${name}-sessions`,
        { userGroupId: ids.userGroupId, engine: SESSION_STORE_DEFAULTS.engine, userIds: [this.sessionStoreUser.userId], tags },
        parent,
      );
      const limits: aws.types.input.elasticache.ServerlessCacheCacheUsageLimits = {
        ...(store.maxDataStorageGB !== undefined ? { dataStorage: { maximum: store.maxDataStorageGB, unit: 'GB' } } : {}),
        ...(store.maxEcpuPerSecond !== undefined ? { ecpuPerSeconds: [{ maximum: store.maxEcpuPerSecond }] } : {}),
      };
      // Serverless: TLS only (so rediss://), in the tasks' private subnets, RBAC through the user group.
      this.sessionStore = new aws.elasticache.ServerlessCache(
        `${name}-sessions`,
        {
          name: ids.cacheName,
          description: `Session store of the MCP server ${name} (REDIS_URL)`,
          engine: SESSION_STORE_DEFAULTS.engine,
          majorEngineVersion: store.majorEngineVersion,
          subnetIds: privateSubnetIds,
          securityGroupIds: [this.sessionStoreSecurityGroup.id],
          userGroupId: this.sessionStoreUserGroup.userGroupId,
          kmsKeyId: store.kmsKeyArn,
          cacheUsageLimits: Object.keys(limits).length > 0 ? limits : undefined,
          tags,
        },
        // The name is fixed (unique per stack), so a replacement must delete first.
        { parent: this, deleteBeforeReplace: true },
      );
      const endpoint = this.sessionStore.endpoints.apply((endpoints) => {
        const e = endpoints?.[0];
        if (!e) throw new Error(`${where}: the session store reported no endpoint`);
        return e;
      });
      this.sessionStoreEndpoint = pulumi.interpolate`${endpoint.address}:${endpoint.port}`;
      const url = pulumi.secret(
        pulumi.all([endpoint, this.sessionStoreUser.passwords]).apply(([e, passwords]) => {
          const stored = passwords?.[0];
          if (!stored) throw new Error(`${where}: the session store user has no password`);
          return redisUrl(e.address, { port: e.port, tls: true, password: stored });
        }),
      );
      this.redisUrl = url;
      this.redisUrlSecret = new aws.secretsmanager.Secret(
        `${name}-redis-url`,
        { description: `${ENV.redisUrl} of the MCP server (its session store, with the password); ECS injects it at task start`, tags },
        parent,
      );
      const version = new aws.secretsmanager.SecretVersion(`${name}-redis-url`, { secretId: this.redisUrlSecret.id, secretString: url }, parent);
      this.redisUrlSecretArn = this.redisUrlSecret.arn;
      redisUrlVersionId = version.versionId;
    }

    // Least privilege, inline (no AmazonECSTaskExecutionRolePolicy, whose resources are `*`).
    const executionPolicy = pulumi
      .all([pulumi.output(args.image), this.logGroup.arn, secretArn ?? pulumi.output(undefined), this.redisUrlSecretArn ?? pulumi.output(undefined), requestStateKeysArn ?? pulumi.output(undefined)])
      .apply(([image, logGroupArn, arn, redisArn, keysArn]) => JSON.stringify(executionRolePolicy(image, logGroupArn, arn, redisArn, keysArn)));
    new aws.iam.RolePolicy(`${name}-execution`, { role: this.executionRole.id, policy: executionPolicy }, parent);

    // ------------------------------------------------------------------ load balancer
    this.loadBalancer = new aws.lb.LoadBalancer(
      `${name}-alb`,
      {
        loadBalancerType: 'application',
        internal: false,
        securityGroups: [this.loadBalancerSecurityGroup.id],
        subnets: publicSubnetIds,
        // SSE streams sit idle between keep-alive comments and while a tool runs silently: the idle timeout
        // exceeds the keep-alive (the 60 s default would cut long tool calls).
        idleTimeout,
        // Malformed header names never reach the server (request smuggling, header confusion).
        dropInvalidHeaderFields: true,
        enableDeletionProtection: args.deletionProtection ?? FARGATE_DEFAULTS.deletionProtection,
        accessLogs: args.accessLogsBucket !== undefined ? { bucket: args.accessLogsBucket, prefix: args.accessLogsPrefix ?? 'alb', enabled: true } : undefined,
        tags,
      },
      parent,
    );
    const publicUrl: pulumi.Output<string> = settings.publicUrl
      ? pulumi.output(settings.publicUrl)
      : pulumi.interpolate`https://${this.loadBalancer.dnsName}${PATHS.mcp}`;
    if (!settings.publicUrl) {
      pulumi.log.warn(
        `${where}: no domainName: the MCP URL (and so the OAuth audience) is the load balancer's DNS name, which the certificate does not cover and which changes if the load balancer is re-created. Pass domainName for a stable URL.`,
        this,
      );
    }

    this.targetGroup = new aws.lb.TargetGroup(
      `${name}-tg`,
      {
        vpcId: vpcId,
        targetType: 'ip',
        protocol: 'HTTP',
        port: CONTAINER_PORT,
        // /readyz: 200 once the server can serve; a task that fails it is taken out of rotation and replaced. (A task
        // that ECS stops is deregistered before it gets SIGTERM, so the 503 /readyz returns while draining does not
        // steer traffic here — the deregistration delay does.)
        healthCheck: {
          enabled: true,
          path: PATHS.readyz,
          port: 'traffic-port',
          protocol: 'HTTP',
          matcher: TARGET_HEALTH_CHECK.matcher,
          interval: TARGET_HEALTH_CHECK.interval,
          timeout: TARGET_HEALTH_CHECK.timeout,
          healthyThreshold: TARGET_HEALTH_CHECK.healthyThreshold,
          unhealthyThreshold: TARGET_HEALTH_CHECK.unhealthyThreshold,
        },
        // Stopping a task, ECS first deregisters it: for this delay the ALB sends it no new request but lets the open
        // ones (calls, SSE streams) run; then it closes what is still open, and only then does ECS send SIGTERM. So
        // this delay, = drainSeconds, is the real budget for in-flight calls on ECS.
        deregistrationDelay: drainSeconds,
        // An open SSE stream is an outstanding request: balance on those, not round-robin on new connections.
        loadBalancingAlgorithmType: 'least_outstanding_requests',
        // No stickiness: ALB stickiness is a cookie and MCP clients keep no cookies.
        tags,
      },
      parent,
    );
    this.httpsListener = new aws.lb.Listener(
      `${name}-https`,
      {
        loadBalancerArn: this.loadBalancer.arn,
        port: 443,
        protocol: 'HTTPS',
        certificateArn: args.certificateArn,
        // Set explicitly: the API default (ELBSecurityPolicy-2016-08) still allows TLS 1.0 and has no TLS 1.3.
        sslPolicy: args.sslPolicy ?? FARGATE_DEFAULTS.sslPolicy,
        defaultActions: [{ type: 'forward', targetGroupArn: this.targetGroup.arn }],
        tags,
      },
      parent,
    );
    this.redirectListener = new aws.lb.Listener(
      `${name}-http`,
      {
        loadBalancerArn: this.loadBalancer.arn,
        port: 80,
        protocol: 'HTTP',
        defaultActions: [{ type: 'redirect', redirect: { protocol: 'HTTPS', port: '443', statusCode: 'HTTP_301' } }],
        tags,
      },
      parent,
    );
    if (args.hostedZoneId !== undefined && args.domainName) {
      new aws.route53.Record(
        `${name}-alias`,
        {
          zoneId: args.hostedZoneId,
          name: args.domainName,
          type: 'A',
          aliases: [{ name: this.loadBalancer.dnsName, zoneId: this.loadBalancer.zoneId, evaluateTargetHealth: true }],
        },
        parent,
      );
    }
    if (args.webAclArn !== undefined) {
      new aws.wafv2.WebAclAssociation(`${name}-waf`, { resourceArn: this.loadBalancer.arn, webAclArn: args.webAclArn }, parent);
    }

    // ------------------------------------------------------------------ task
    let clusterArn: pulumi.Output<string>;
    if (args.clusterArn !== undefined) {
      clusterArn = pulumi.output(args.clusterArn);
      this.clusterName = clusterArn.apply((arn) => arn.split('/').pop()!);
    } else {
      const cluster = new aws.ecs.Cluster(
        `${name}-cluster`,
        {
          // Container Insights: per-task CPU, memory and network metrics, needed to see what autoscaling sees.
          settings: [{ name: 'containerInsights', value: (args.containerInsights ?? FARGATE_DEFAULTS.containerInsights) ? 'enabled' : 'disabled' }],
          tags,
        },
        parent,
      );
      clusterArn = cluster.arn;
      this.clusterName = cluster.name;
    }

    const region = aws.getRegionOutput({}, { parent: this }).region;
    if (args.telemetry) this.telemetry = createTelemetry(name, { taskRole: this.taskRole, logRetentionDays, logsKmsKeyArn: args.logsKmsKeyArn, tags }, this);
    const metricsLogGroupName = this.telemetry?.metricsLogGroup.name ?? pulumi.output(undefined);
    const containerDefinitions = pulumi
      .all([pulumi.output(args.image), publicUrl, this.logGroup.name, region, secretArn ?? pulumi.output(undefined), this.redisUrlSecretArn ?? pulumi.output(undefined), metricsLogGroupName, requestStateKeysArn ?? pulumi.output(undefined)])
      .apply(([image, url, logGroupName, regionName, arn, redisArn, metricsGroup, keysArn]) =>
        JSON.stringify([
          {
            name: CONTAINER_NAME,
            image,
            essential: true,
            portMappings: [{ containerPort: CONTAINER_PORT, protocol: 'tcp', name: 'http' }],
            // Contract names only, via the contract's own function (nothing secret: see `secrets`).
            // ElastiCache Serverless speaks only the Redis Cluster protocol: with the created store the server connects
            // as a cluster client.
            environment: envPairs({
              ...plainEnvironment({ ...settings, ...(this.sessionStore ? { redisClusterMode: true } : {}), publicUrl: url }),
              ...(metricsGroup ? serverTelemetryEnvironment(name) : {}),
            }),
            // Injected by ECS at task start from the secret's JSON fields: `<secret arn>:<field>::`; REDIS_URL is the
            // whole value of its own secret.
            secrets: [
              ...(arn === undefined ? [] : secretFields.map((field) => ({ name: field, valueFrom: `${arn}:${field}::` }))),
              ...(redisArn === undefined ? [] : [{ name: ENV.redisUrl, valueFrom: redisUrlField ? `${redisArn}:${redisUrlField}::` : redisArn }]),
              ...(keysArn === undefined ? [] : [{ name: ENV.requestStateKeys, valueFrom: keysArn }]),
            ],
            // SIGTERM comes after the deregistration delay; stopTimeout (drain + margin) then lets the server drain
            // whatever is still running and exit before SIGKILL.
            stopTimeout: stopTimeoutSeconds(drainSeconds),
            user: args.containerUser ?? FARGATE_DEFAULTS.containerUser,
            // The server writes nothing to disk (logs go to stdout).
            readonlyRootFilesystem: true,
            privileged: false,
            ...(args.containerHealthCheck ? { healthCheck: containerHealthCheck() } : {}),
            logConfiguration: {
              logDriver: 'awslogs',
              options: {
                'awslogs-group': logGroupName,
                'awslogs-region': regionName,
                'awslogs-stream-prefix': 'mcp',
                // A slow log stream must never block stdout (that would stall the event loop and every stream).
                mode: 'non-blocking',
                'max-buffer-size': '25m',
              },
            },
          },
          ...(metricsGroup ? [collectorContainer(regionName, metricsGroup, logGroupName)] : []),
        ]),
      );
    this.taskDefinition = new aws.ecs.TaskDefinition(
      `${name}-task`,
      {
        family: name,
        requiresCompatibilities: ['FARGATE'],
        networkMode: 'awsvpc',
        cpu: String(cpu),
        memory: String(memory),
        runtimePlatform: { operatingSystemFamily: 'LINUX', cpuArchitecture },
        executionRoleArn: this.executionRole.arn,
        taskRoleArn: this.taskRole.arn,
        containerDefinitions,
        tags,
      },
      parent,
    );

    // ------------------------------------------------------------------ service
    this.service = new aws.ecs.Service(
      `${name}-service`,
      {
        cluster: clusterArn,
        taskDefinition: this.taskDefinition.arn,
        desiredCount,
        launchType: 'FARGATE',
        platformVersion: 'LATEST',
        networkConfiguration: { subnets: privateSubnetIds, securityGroups: [this.serviceSecurityGroup.id], assignPublicIp: false },
        loadBalancers: [{ targetGroupArn: this.targetGroup.arn, containerName: CONTAINER_NAME, containerPort: CONTAINER_PORT }],
        // Zero-downtime rolling deploys: new tasks become healthy before old ones drain.
        deploymentMinimumHealthyPercent: 100,
        deploymentMaximumPercent: 200,
        // A release whose tasks never become healthy rolls back by itself.
        deploymentCircuitBreaker: { enable: true, rollback: true },
        healthCheckGracePeriodSeconds: HEALTH_CHECK_GRACE_PERIOD_SECONDS,
        enableExecuteCommand: false,
        propagateTags: 'SERVICE',
        // ECS reads secrets only when a task starts: a new secret value rolls the tasks.
        ...(secretVersionId || redisUrlVersionId
          ? {
              forceNewDeployment: true,
              triggers: { ...(secretVersionId ? { secretVersion: secretVersionId } : {}), ...(redisUrlVersionId ? { redisUrlVersion: redisUrlVersionId } : {}) },
            }
          : {}),
        tags,
      },
      // The target group must be attached to the load balancer first; autoscaling owns desiredCount afterwards.
      { parent: this, dependsOn: [this.httpsListener], ignoreChanges: autoScaling ? ['desiredCount'] : [] },
    );

    if (autoScaling) {
      const target = new aws.appautoscaling.Target(
        `${name}-scaling`,
        {
          serviceNamespace: 'ecs',
          scalableDimension: 'ecs:service:DesiredCount',
          resourceId: pulumi.interpolate`service/${this.clusterName}/${this.service.name}`,
          minCapacity: autoScaling.minCapacity,
          maxCapacity: autoScaling.maxCapacity,
        },
        parent,
      );
      const cooldowns = { scaleInCooldown: autoScaling.scaleInCooldownSeconds, scaleOutCooldown: autoScaling.scaleOutCooldownSeconds };
      const policy = (suffix: string, config: aws.types.input.appautoscaling.PolicyTargetTrackingScalingPolicyConfiguration) =>
        new aws.appautoscaling.Policy(
          `${name}-${suffix}`,
          {
            policyType: 'TargetTrackingScaling',
            serviceNamespace: target.serviceNamespace,
            scalableDimension: target.scalableDimension,
            resourceId: target.resourceId,
            targetTrackingScalingPolicyConfiguration: config,
          },
          parent,
        );
      policy('requests', {
        predefinedMetricSpecification: {
          predefinedMetricType: 'ALBRequestCountPerTarget',
          resourceLabel: pulumi.interpolate`${this.loadBalancer.arnSuffix}/${this.targetGroup.arnSuffix}`,
        },
        targetValue: autoScaling.requestsPerTarget,
        ...cooldowns,
      });
      policy('cpu', {
        predefinedMetricSpecification: { predefinedMetricType: 'ECSServiceAverageCPUUtilization' },
        targetValue: autoScaling.cpuTargetPercent,
        ...cooldowns,
      });
    }

    this.monitoring = createMonitoring(
      name,
      {
        dashboard: args.dashboard ?? true,
        alarms: args.alarms,
        loadBalancerArnSuffix: this.loadBalancer.arnSuffix,
        targetGroupArnSuffix: this.targetGroup.arnSuffix,
        clusterName: this.clusterName,
        serviceName: this.service.name,
        region,
        tags,
      },
      this,
    );

    this.mcpUrl = publicUrl;
    if (settings.authMode === 'broker') this.upstreamCallbackUrl = publicUrl.apply(upstreamCallbackUrlOf);
    this.loadBalancerDnsName = this.loadBalancer.dnsName;
    this.serviceName = this.service.name;
    this.logGroupName = this.logGroup.name;
    this.clientConfig = clientConfigOutput(name, publicUrl, settings.authMode);
    this.registerOutputs({
      mcpUrl: this.mcpUrl,
      upstreamCallbackUrl: this.upstreamCallbackUrl,
      loadBalancerDnsName: this.loadBalancerDnsName,
      clusterName: this.clusterName,
      serviceName: this.serviceName,
      logGroupName: this.logGroupName,
      clientConfig: this.clientConfig,
      sessionStoreEndpoint: this.sessionStoreEndpoint,
      sessionStoreArn: this.sessionStore?.arn,
      sessionStoreSecurityGroupId: this.sessionStoreSecurityGroup?.id,
      redisUrlSecretArn: this.redisUrlSecretArn,
      alarmTopicArn: this.monitoring.alarmTopicArn,
      requestStateKeysSecretArn: this.requestStateKeysSecret?.arn,
    });
  }
}

type ResolvedSessionStore =
  | ({ kind: 'create' } & Required<Pick<McpFargateSessionStore, 'majorEngineVersion'>> & McpFargateSessionStore)
  | ({ kind: 'existing' } & McpFargateExistingSessionStore & { port: number });

/** `sessionStore` checked, with the defaults applied; undefined when there is none. */
function resolveSessionStore(where: string, arg: McpFargateServiceArgs['sessionStore']): ResolvedSessionStore | undefined {
  if (arg === undefined || arg === false) return undefined;
  if (arg !== true && typeof arg !== 'object') configFail(where, `sessionStore must be true, false or an object, got ${JSON.stringify(arg)}`);
  if (arg !== true && 'redisUrlSecretArn' in arg) {
    const other = Object.keys(arg).filter((k) => !['redisUrlSecretArn', 'field', 'securityGroupId', 'port'].includes(k));
    if (other.length > 0) configFail(where, `sessionStore.redisUrlSecretArn names an existing store: ${other.join(', ')} would configure one to create`);
    const port = arg.port ?? REDIS.port;
    checkInteger(where, 'sessionStore.port', port, 1, 65535);
    return { kind: 'existing', ...arg, port };
  }
  const a: McpFargateSessionStore = arg === true ? {} : arg;
  const majorEngineVersion = a.majorEngineVersion ?? SESSION_STORE_DEFAULTS.majorEngineVersion;
  if (!/^\d+$/.test(majorEngineVersion) || Number(majorEngineVersion) < 7) {
    configFail(where, `sessionStore.majorEngineVersion must be a Valkey major version, 7 or later (the server needs Redis/Valkey 7+), got '${majorEngineVersion}'`);
  }
  if (a.maxDataStorageGB !== undefined) checkInteger(where, 'sessionStore.maxDataStorageGB', a.maxDataStorageGB, 1, 5000);
  if (a.maxEcpuPerSecond !== undefined) checkInteger(where, 'sessionStore.maxEcpuPerSecond', a.maxEcpuPerSecond, 1000, 15_000_000);
  return { kind: 'create', ...a, majorEngineVersion };
}

/**
 * Names of the store's resources: ElastiCache user and user group IDs and serverless cache names are unique per
 * account and region and are not auto-named, so they derive from the project, the stack and the component name
 * (two stacks of one account never collide; one stack always gets the same names). Lowercase, starting with a
 * letter, at most 40 characters.
 */
export function sessionStoreIds(name: string, project = pulumi.getProject(), stack = pulumi.getStack()): { cacheName: string; userGroupId: string; userId: string } {
  const hash = createHash('sha256').update(`${project}/${stack}/${name}`).digest('hex').slice(0, 8);
  const base = `mcp-${name.toLowerCase().replace(/-+/g, '-')}-${hash}`;
  return { cacheName: base, userGroupId: base, userId: `${base}-u` };
}

type ResolvedAutoScaling = Required<McpFargateAutoScaling>;

/** Capacity and targets by the rules shared with the CDK construct; cooldowns are seconds here. */
function resolveAutoScaling(where: string, a: McpFargateAutoScaling): ResolvedAutoScaling {
  const d = FARGATE_DEFAULTS.autoScaling;
  const r: ResolvedAutoScaling = {
    ...resolveTaskScalingTargets(a, (message) => configFail(where, message)),
    scaleInCooldownSeconds: a.scaleInCooldownSeconds ?? d.scaleInCooldownSeconds,
    scaleOutCooldownSeconds: a.scaleOutCooldownSeconds ?? d.scaleOutCooldownSeconds,
  };
  checkInteger(where, 'autoScaling.scaleInCooldownSeconds', r.scaleInCooldownSeconds, 0, 86400);
  checkInteger(where, 'autoScaling.scaleOutCooldownSeconds', r.scaleOutCooldownSeconds, 0, 86400);
  return r;
}

/** `<account>.dkr.ecr.<region>.amazonaws.com[.cn]/<repository>[:tag][@digest]` (or FIPS, dual-stack) → the repository's ARN. */
export function ecrRepositoryArn(image: string): string | undefined {
  return parseEcrImage(image)?.repositoryArn;
}

/**
 * The execution role's policy: pull this image (only when it is in ECR, and from its repository only), write to
 * this log group, read this secret, the `REDIS_URL` secret and the request-state keys' secret. Nothing else.
 */
export function executionRolePolicy(image: string, logGroupArn: string, secretArn: string | undefined, redisUrlSecretArn?: string, requestStateKeysSecretArn?: string): object {
  const statements: object[] = [];
  const repositoryArn = ecrRepositoryArn(image);
  if (repositoryArn) {
    // GetAuthorizationToken has no resource-level permissions: it must be `*`.
    statements.push({ Sid: 'EcrAuth', Effect: 'Allow', Action: ['ecr:GetAuthorizationToken'], Resource: '*' });
    statements.push({
      Sid: 'PullImage',
      Effect: 'Allow',
      Action: [...ECR_PULL_ACTIONS],
      Resource: repositoryArn,
    });
  }
  statements.push({ Sid: 'WriteLogs', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: `${logGroupArn}:log-stream:*` });
  const secrets = [secretArn, redisUrlSecretArn, requestStateKeysSecretArn].filter((a): a is string => !!a);
  if (secrets.length > 0) {
    statements.push({ Sid: 'ReadSecret', Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: secrets.length === 1 ? secrets[0] : secrets });
  }
  return { Version: '2012-10-17', Statement: statements };
}

/** The Dockerfile's own HEALTHCHECK (liveness on /healthz), which ECS does not read from the image. */
function containerHealthCheck(): object {
  const probe = `fetch('http://127.0.0.1:${CONTAINER_PORT}${PATHS.healthz}').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))`;
  return { command: ['CMD', 'node', '-e', probe], interval: 30, timeout: 5, startPeriod: 10, retries: 3 };
}
