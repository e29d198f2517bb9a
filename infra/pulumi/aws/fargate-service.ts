/**
 * `McpFargateService`: the remote MCP server on ECS Fargate behind an Application Load Balancer, built from
 * `@pulumi/aws` resources (not awsx, whose defaults — a 60 s idle timeout, security groups open to everything —
 * do not fit long-lived streams). Its defaults follow the CDK construct of this repository (`infra/cdk`), and so
 * does its shape: the arguments in `fargate-service-args.ts`, their validation in `resolve-args.ts`, the session
 * store as its own component (`session-store.ts`), the container from typed pieces (`task-definition.ts`), the load
 * balancer in `load-balancer.ts`, observability in `observability.ts`; this constructor only wires them. The
 * differences from the CDK construct are listed in docs/pulumi.md.
 *
 * Every timing and path comes from the server's contract (`server/config/contract.ts`) and the Fargate facts shared
 * with the CDK construct (`infra/shared/fargate.ts`).
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { CONTAINER_PORT, ENV, PATHS } from '../../../server/config/contract';
import { upstreamCallbackUrlOf } from '../../shared/broker';
import {
  CONTAINER_NAME,
  HEALTH_CHECK_GRACE_PERIOD_SECONDS,
  ROLLING_DEPLOYMENT,
  TARGET_HEALTH_CHECK,
  stopTimeoutSeconds,
} from '../../shared/fargate';
import { serverTelemetryEnvironment } from '../../shared/observability';
import { clientConfigOutput, type McpClientConfig } from '../common/client-config';
import { envPairs, generatedRequestStateKeys, plainEnvironment } from '../common/server-settings';
import type { McpFargateServiceArgs } from './fargate-service-args';
import { attachToLoadBalancer, createLoadBalancer, createSecurityGroups } from './load-balancer';
import { McpNetwork } from './network';
import {
  collectorContainer,
  createMonitoring,
  createTelemetry,
  type McpFargateMonitoring,
  type McpFargateTelemetry,
} from './observability';
import { FARGATE_DEFAULTS, resolveArgs, type ResolvedArgs } from './resolve-args';
import { McpServerlessSessionStore, connectExistingSessionStore } from './session-store';
import {
  ASSUME_BY_ECS_TASKS,
  awsLogsConfiguration,
  executionRolePolicy,
  serverContainerDefinition,
  serverContainerSecrets,
} from './task-definition';

export type {
  McpFargateAutoScaling,
  McpFargateExistingSessionStore,
  McpFargateServiceArgs,
  McpFargateSessionStore,
} from './fargate-service-args';
export { CLOUDWATCH_RETENTION_DAYS, FARGATE_DEFAULTS, FARGATE_LIMITS } from './resolve-args';
export { SESSION_STORE_DEFAULTS, McpServerlessSessionStore, sessionStoreIds } from './session-store';
export { ecrRepositoryArn, executionRolePolicy } from './task-definition';
/** Facts shared with the CDK construct (`infra/shared/fargate.ts`), exported here as before. */
export { CONTAINER_NAME, HEALTH_CHECK_GRACE_PERIOD_SECONDS, TARGET_HEALTH_CHECK };

/** The secrets the container reads, created or given, and what rolls the tasks when their values change. */
interface ServiceSecrets {
  secret?: aws.secretsmanager.Secret;
  secretArn?: pulumi.Output<string>;
  secretVersionId?: pulumi.Output<string>;
  requestStateKeysSecret?: aws.secretsmanager.Secret;
}

/** `REDIS_URL`'s secret (created or an existing store's) and, for a created store, the component. */
interface ServiceSessionStore {
  store?: McpServerlessSessionStore;
  redisUrlSecretArn?: pulumi.Output<string>;
  redisUrlField?: string;
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
  /** The HTTPS listener on 443 (the CDK construct's `listener`). */
  readonly listener: aws.lb.Listener;
  /** The HTTP listener on 80, which only redirects to HTTPS. */
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
  /** The created session store (its cache, security group, user, `REDIS_URL` secret), as one component. */
  readonly serverlessSessionStore?: McpServerlessSessionStore;
  /** The session store's cache, when the component created it, with its security group, user and user group. */
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
  /** The exact MCP URL clients add (the server's `publicUrl`; the CDK construct's `url`). */
  readonly url: pulumi.Output<string>;
  /**
   * Broker mode: the redirect URI to register on the server's OAuth client at the upstream provider,
   * `<origin of url>/oauth/callback`.
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

  /** @deprecated the former name of `url`. */
  get mcpUrl(): pulumi.Output<string> {
    return this.url;
  }

  /** @deprecated the former name of `listener`. */
  get httpsListener(): aws.lb.Listener {
    return this.listener;
  }

  constructor(name: string, args: McpFargateServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super('remote-mcp-stacks:aws:McpFargateService', name, {}, opts);
    const where = `McpFargateService ${name}`;
    const resolved = resolveArgs(name, args, opts, where);
    for (const warning of resolved.warnings) pulumi.log.warn(warning, this);
    const { tags } = resolved;
    const parent = { parent: this };

    // ------------------------------------------------------------------ network (yours, or created as the CDK's)
    const logs = { logRetentionDays: resolved.logRetentionDays, logsKmsKeyArn: args.logsKmsKeyArn, tags };
    if (resolved.createNetwork) {
      this.network = new McpNetwork(`${name}-net`, { natGateways: args.natGateways, ...logs }, parent);
    }
    this.vpcId = this.network ? this.network.vpcId : pulumi.output(args.vpcId!);
    this.publicSubnetIds = this.network ? this.network.publicSubnetIds : pulumi.output(args.publicSubnetIds!);
    this.privateSubnetIds = this.network ? this.network.privateSubnetIds : pulumi.output(args.privateSubnetIds!);

    // ------------------------------------------------------------------ secrets, logs, roles
    const secrets = this.createSecrets(name, args, resolved);
    this.secret = secrets.secret;
    this.requestStateKeysSecret = secrets.requestStateKeysSecret;
    this.logGroup = new aws.cloudwatch.LogGroup(
      `${name}-logs`,
      { retentionInDays: resolved.logRetentionDays, kmsKeyId: args.logsKmsKeyArn, tags },
      // Logs are records: they outlive the stack (as in the CDK construct).
      { parent: this, retainOnDelete: true },
    );
    this.executionRole = new aws.iam.Role(
      `${name}-execution`,
      {
        description: 'ECS task execution role of the MCP server: pull the image, write its logs, read its secret',
        assumeRolePolicy: ASSUME_BY_ECS_TASKS,
        tags,
      },
      parent,
    );
    // The server calls no AWS API: its task role has no permissions.
    this.taskRole = new aws.iam.Role(
      `${name}-task`,
      {
        description: 'ECS task role of the MCP server (no permissions: the server calls no AWS API)',
        assumeRolePolicy: ASSUME_BY_ECS_TASKS,
        tags,
      },
      parent,
    );

    // ------------------------------------------------------------------ security groups, session store
    const ingressCidrs = args.ingressCidrs ?? [...FARGATE_DEFAULTS.ingressCidrs];
    const groups = createSecurityGroups(name, { vpcId: this.vpcId, ingressCidrs, tags }, this);
    this.loadBalancerSecurityGroup = groups.loadBalancerSecurityGroup;
    this.serviceSecurityGroup = groups.serviceSecurityGroup;
    const sessions = this.createSessionStore(name, resolved);
    this.serverlessSessionStore = sessions.store;
    this.sessionStore = sessions.store?.cache;
    this.sessionStoreSecurityGroup = sessions.store?.securityGroup;
    this.sessionStoreUser = sessions.store?.user;
    this.sessionStoreUserGroup = sessions.store?.userGroup;
    this.sessionStoreEndpoint = sessions.store?.endpoint;
    this.redisUrl = sessions.store?.redisUrl;
    this.redisUrlSecret = sessions.store?.redisUrlSecret;
    this.redisUrlSecretArn = sessions.redisUrlSecretArn;

    // Least privilege, inline (no AmazonECSTaskExecutionRolePolicy, whose resources are `*`).
    const executionPolicy = pulumi
      .all([
        pulumi.output(args.image),
        this.logGroup.arn,
        secrets.secretArn ?? pulumi.output(undefined),
        this.redisUrlSecretArn ?? pulumi.output(undefined),
        secrets.requestStateKeysSecret?.arn ?? pulumi.output(undefined),
      ])
      .apply(([image, logGroupArn, secretArn, redisArn, keysArn]) =>
        JSON.stringify(executionRolePolicy(image, logGroupArn, secretArn, redisArn, keysArn)),
      );
    new aws.iam.RolePolicy(`${name}-execution`, { role: this.executionRole.id, policy: executionPolicy }, parent);

    // ------------------------------------------------------------------ load balancer
    const front = createLoadBalancer(
      name,
      {
        securityGroupId: this.loadBalancerSecurityGroup.id,
        subnetIds: this.publicSubnetIds,
        vpcId: this.vpcId,
        idleTimeoutSeconds: resolved.idleTimeoutSeconds,
        deletionProtection: args.deletionProtection ?? FARGATE_DEFAULTS.deletionProtection,
        accessLogsBucket: args.accessLogsBucket,
        accessLogsPrefix: args.accessLogsPrefix ?? 'alb',
        certificateArn: args.certificateArn,
        sslPolicy: args.sslPolicy ?? FARGATE_DEFAULTS.sslPolicy,
        drainSeconds: resolved.drainSeconds,
        tags,
      },
      this,
    );
    this.loadBalancer = front.loadBalancer;
    this.targetGroup = front.targetGroup;
    this.listener = front.listener;
    this.redirectListener = front.redirectListener;
    const { settings } = resolved;
    this.url = settings.publicUrl
      ? pulumi.output(settings.publicUrl)
      : pulumi.interpolate`https://${this.loadBalancer.dnsName}${PATHS.mcp}`;
    if (!settings.publicUrl) {
      pulumi.log.warn(
        `${where}: no domainName: the MCP URL (and so the OAuth audience) is the load balancer's DNS name, which the ` +
          'certificate does not cover and which changes if the load balancer is re-created. Pass domainName for a ' +
          'stable URL.',
        this,
      );
    }
    attachToLoadBalancer(name, this.loadBalancer, args, this);

    // ------------------------------------------------------------------ task
    const cluster = this.clusterOf(name, args, tags);
    this.clusterName = cluster.name;
    const region = aws.getRegionOutput({}, { parent: this }).region;
    if (args.telemetry) {
      this.telemetry = createTelemetry(name, { taskRole: this.taskRole, ...logs }, this);
    }
    this.taskDefinition = this.createTaskDefinition(name, args, resolved, {
      region,
      secretArn: secrets.secretArn,
      redisUrlField: sessions.redisUrlField,
      requestStateKeysSecretArn: secrets.requestStateKeysSecret?.arn,
    });

    // ------------------------------------------------------------------ service
    this.service = this.createService(name, resolved, {
      clusterArn: cluster.arn,
      secretVersionId: secrets.secretVersionId,
      redisUrlVersionId: sessions.store?.redisUrlVersionId,
    });
    this.addAutoScaling(name, resolved);
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

    if (settings.authMode === 'broker') this.upstreamCallbackUrl = this.url.apply(upstreamCallbackUrlOf);
    this.loadBalancerDnsName = this.loadBalancer.dnsName;
    this.serviceName = this.service.name;
    this.logGroupName = this.logGroup.name;
    this.clientConfig = clientConfigOutput(name, this.url, settings.authMode);
    this.registerOutputs({
      mcpUrl: this.url,
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

  /**
   * The secret of the given values (JSON fields named as the contract's variables), or the given `secretArn`; and the
   * requestState keys: every task must share them (a retry may reach another task) and the server refuses to start
   * on the tasks' address without them. Given (a secret value, or a field of `secretArn`), or generated once here into
   * a secret of their own; `ignoreChanges` keeps the first draw (see generatedRequestStateKeys).
   */
  private createSecrets(name: string, args: McpFargateServiceArgs, resolved: ResolvedArgs): ServiceSecrets {
    const { secretValues, secretFields, tags } = resolved;
    const out: ServiceSecrets = {};
    if (secretValues.length > 0) {
      out.secret = new aws.secretsmanager.Secret(
        `${name}-secret`,
        {
          description:
            `Secret variables of the MCP server (${secretFields.join(', ')}); ` + 'ECS injects them at task start',
          tags,
        },
        { parent: this },
      );
      // The string is a Pulumi secret (encrypted in the state).
      const fields = pulumi
        .all(secretValues.map((entry) => entry.value))
        .apply((values) => Object.fromEntries(secretValues.map((entry, i) => [entry.env, values[i]])));
      const secretString = pulumi.secret(fields.apply((byName) => JSON.stringify(byName)));
      const version = new aws.secretsmanager.SecretVersion(
        `${name}-secret`,
        { secretId: out.secret.id, secretString },
        { parent: this },
      );
      out.secretArn = out.secret.arn;
      out.secretVersionId = version.versionId;
    } else if (args.secretArn !== undefined) {
      out.secretArn = pulumi.output(args.secretArn);
    }
    if (!secretFields.includes(ENV.requestStateKeys)) {
      out.requestStateKeysSecret = new aws.secretsmanager.Secret(
        `${name}-request-state-keys`,
        {
          description:
            `${ENV.requestStateKeys} of the MCP server (HMAC keys of 2026-07-28 requestState, the first signs); ` +
            'ECS injects it at task start',
          tags,
        },
        { parent: this },
      );
      new aws.secretsmanager.SecretVersion(
        `${name}-request-state-keys`,
        { secretId: out.requestStateKeysSecret.id, secretString: generatedRequestStateKeys() },
        { parent: this, ignoreChanges: ['secretString'] },
      );
    }
    return out;
  }

  /** The shared session store: created (its own component), or an existing one's URL secret and network path. */
  private createSessionStore(name: string, resolved: ResolvedArgs): ServiceSessionStore {
    const store = resolved.sessionStore;
    if (store?.kind === 'existing') {
      connectExistingSessionStore(name, store, this.serviceSecurityGroup.id, this);
      return { redisUrlSecretArn: pulumi.output(store.redisUrlSecretArn), redisUrlField: store.field };
    }
    if (!store) return {};
    const created = new McpServerlessSessionStore(
      `${name}-sessions`,
      {
        serviceName: name,
        majorEngineVersion: store.majorEngineVersion,
        maxDataStorageGB: store.maxDataStorageGB,
        maxEcpuPerSecond: store.maxEcpuPerSecond,
        kmsKeyArn: store.kmsKeyArn,
        vpcId: this.vpcId,
        subnetIds: this.privateSubnetIds,
        clientSecurityGroupId: this.serviceSecurityGroup.id,
        tags: resolved.tags,
      },
      { parent: this },
    );
    return { store: created, redisUrlSecretArn: created.redisUrlSecret.arn };
  }

  /** The given cluster, or a created one with Container Insights (per-task metrics: what autoscaling sees). */
  private clusterOf(
    name: string,
    args: McpFargateServiceArgs,
    tags: Record<string, string>,
  ): { arn: pulumi.Output<string>; name: pulumi.Output<string> } {
    if (args.clusterArn !== undefined) {
      const arn = pulumi.output(args.clusterArn);
      return { arn, name: arn.apply((clusterArn) => clusterArn.split('/').pop()!) };
    }
    const insights = (args.containerInsights ?? FARGATE_DEFAULTS.containerInsights) ? 'enabled' : 'disabled';
    const cluster = new aws.ecs.Cluster(
      `${name}-cluster`,
      { settings: [{ name: 'containerInsights', value: insights }], tags },
      { parent: this },
    );
    return { arn: cluster.arn, name: cluster.name };
  }

  /** The server container (and, with telemetry, the collector) in a Fargate task definition. */
  private createTaskDefinition(
    name: string,
    args: McpFargateServiceArgs,
    resolved: ResolvedArgs,
    inputs: {
      region: pulumi.Output<string>;
      secretArn?: pulumi.Output<string>;
      redisUrlField?: string;
      requestStateKeysSecretArn?: pulumi.Output<string>;
    },
  ): aws.ecs.TaskDefinition {
    const none = pulumi.output(undefined);
    const metricsLogGroupName = this.telemetry?.metricsLogGroup.name ?? none;
    const containerDefinitions = pulumi
      .all([
        pulumi.output(args.image),
        this.url,
        this.logGroup.name,
        inputs.region,
        inputs.secretArn ?? none,
        this.redisUrlSecretArn ?? none,
        metricsLogGroupName,
        inputs.requestStateKeysSecretArn ?? none,
      ])
      .apply(([image, url, logGroupName, region, secretArn, redisUrlSecretArn, metricsGroup, keysArn]) => {
        // Contract names only, via the contract's own function (nothing secret: see `secrets`). ElastiCache Serverless
        // speaks only the Redis Cluster protocol: with the created store the server connects as a cluster client.
        const environment = envPairs({
          ...plainEnvironment({
            ...resolved.settings,
            ...(this.serverlessSessionStore ? { redisClusterMode: true } : {}),
            publicUrl: url,
          }),
          ...(metricsGroup ? serverTelemetryEnvironment(name) : {}),
        });
        const server = serverContainerDefinition({
          image,
          environment,
          secrets: serverContainerSecrets({
            secretArn,
            secretFields: resolved.secretFields,
            redisUrlSecretArn,
            redisUrlField: inputs.redisUrlField,
            requestStateKeysSecretArn: keysArn,
          }),
          stopTimeoutSeconds: stopTimeoutSeconds(resolved.drainSeconds),
          user: args.containerUser ?? FARGATE_DEFAULTS.containerUser,
          healthCheck: args.containerHealthCheck ?? false,
          logs: awsLogsConfiguration(logGroupName, region),
        });
        const collector = metricsGroup ? [collectorContainer(region, metricsGroup, logGroupName)] : [];
        return JSON.stringify([server, ...collector]);
      });
    return new aws.ecs.TaskDefinition(
      `${name}-task`,
      {
        family: name,
        requiresCompatibilities: ['FARGATE'],
        networkMode: 'awsvpc',
        cpu: String(resolved.cpu),
        memory: String(resolved.memoryLimitMiB),
        runtimePlatform: { operatingSystemFamily: 'LINUX', cpuArchitecture: resolved.cpuArchitecture },
        executionRoleArn: this.executionRole.arn,
        taskRoleArn: this.taskRole.arn,
        containerDefinitions,
        tags: resolved.tags,
      },
      { parent: this },
    );
  }

  /** The ECS service: private subnets, behind the target group, rolling deploys with rollback. */
  private createService(
    name: string,
    resolved: ResolvedArgs,
    inputs: {
      clusterArn: pulumi.Output<string>;
      secretVersionId?: pulumi.Output<string>;
      redisUrlVersionId?: pulumi.Output<string>;
    },
  ): aws.ecs.Service {
    const { secretVersionId, redisUrlVersionId } = inputs;
    // ECS reads secrets only when a task starts: a new secret value rolls the tasks.
    const rollOnSecretChange =
      secretVersionId || redisUrlVersionId
        ? {
            forceNewDeployment: true,
            triggers: {
              ...(secretVersionId ? { secretVersion: secretVersionId } : {}),
              ...(redisUrlVersionId ? { redisUrlVersion: redisUrlVersionId } : {}),
            },
          }
        : {};
    return new aws.ecs.Service(
      `${name}-service`,
      {
        cluster: inputs.clusterArn,
        taskDefinition: this.taskDefinition.arn,
        desiredCount: resolved.desiredCount,
        launchType: 'FARGATE',
        platformVersion: 'LATEST',
        networkConfiguration: {
          subnets: this.privateSubnetIds,
          securityGroups: [this.serviceSecurityGroup.id],
          assignPublicIp: false,
        },
        loadBalancers: [
          { targetGroupArn: this.targetGroup.arn, containerName: CONTAINER_NAME, containerPort: CONTAINER_PORT },
        ],
        // Zero-downtime rolling deploys: new tasks become healthy before old ones drain.
        deploymentMinimumHealthyPercent: ROLLING_DEPLOYMENT.minimumHealthyPercent,
        deploymentMaximumPercent: ROLLING_DEPLOYMENT.maximumPercent,
        // A release whose tasks never become healthy rolls back by itself.
        deploymentCircuitBreaker: { enable: true, rollback: true },
        healthCheckGracePeriodSeconds: HEALTH_CHECK_GRACE_PERIOD_SECONDS,
        enableExecuteCommand: false,
        propagateTags: 'SERVICE',
        ...rollOnSecretChange,
        tags: resolved.tags,
      },
      // The target group must be attached to the load balancer first; autoscaling owns desiredCount afterwards.
      { parent: this, dependsOn: [this.listener], ignoreChanges: resolved.autoScaling ? ['desiredCount'] : [] },
    );
  }

  /** Task-count target tracking on requests per task and on CPU. */
  private addAutoScaling(name: string, resolved: ResolvedArgs): void {
    const autoScaling = resolved.autoScaling;
    if (!autoScaling) return;
    const parent = { parent: this };
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
    const cooldowns = {
      scaleInCooldown: autoScaling.scaleInCooldownSeconds,
      scaleOutCooldown: autoScaling.scaleOutCooldownSeconds,
    };
    const policy = (
      suffix: string,
      config: aws.types.input.appautoscaling.PolicyTargetTrackingScalingPolicyConfiguration,
    ): aws.appautoscaling.Policy =>
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
}
