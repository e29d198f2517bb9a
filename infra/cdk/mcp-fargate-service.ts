/**
 * `McpFargateService`: the reference remote MCP server on ECS Fargate behind an Application Load Balancer,
 * with defaults that follow from how the server behaves (long-lived SSE streams, graceful drain, OAuth).
 */
import { Annotations, Duration, RemovalPolicy, Size, Stack, Token } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as route53targets from 'aws-cdk-lib/aws-route53-targets';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { CONTAINER_PORT, ENV, PATHS, serverEnvironment, type ServerSettings } from '../../server/config/contract';
import { certificateRegionProblem } from '../shared/arn';
import {
  CONTAINER_LOGS,
  CONTAINER_NAME,
  CONTAINER_USER,
  FARGATE_TASK_DEFAULTS,
  HEALTH_CHECK_GRACE_PERIOD_SECONDS,
  LOG_RETENTION_DAYS,
  ROLLING_DEPLOYMENT,
  TARGET_HEALTH_CHECK,
} from '../shared/fargate';
import { ADOT_COLLECTOR_RESOURCES } from '../shared/observability';
import { McpCognitoUpstream, upstreamCallbackUrl } from './cognito-upstream';
import { defaultContainerHealthCheck, defaultImage } from './default-image';
import { acknowledgeServiceFindings } from './findings';
import { grantRegistryImagePull } from './image-pull';
import type { McpFargateServiceProps } from './mcp-fargate-service-props';
import { McpObservability } from './observability';
import { McpConfigError, resolveProps, type ResolvedSessionStore } from './resolve-props';
import { McpServerlessSessionStore, sessionStoreSubnets, tooFewAzs, type McpSessionStore } from './session-store';
import {
  createAccessLogsBucket,
  createLogsKey,
  createRequestStateKeysSecret,
  createSecret,
  createVpc,
} from './supporting-resources';

export { CONTAINER_NAME } from '../shared/fargate';

export class McpFargateService extends Construct {
  /** The URL clients add: `https://<domain or load balancer>/mcp` (or `serverSettings.publicUrl`). */
  public readonly url: string;
  /** The server settings deployed, with the construct's defaults applied (`publicUrl` is `url`). */
  public readonly serverSettings: ServerSettings;
  public readonly vpc: ec2.IVpc;
  public readonly cluster: ecs.ICluster;
  public readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  /** The HTTPS listener on 443. */
  public readonly listener: elbv2.ApplicationListener;
  /** The HTTP listener on 80, which only redirects to HTTPS. */
  public readonly redirectListener: elbv2.ApplicationListener;
  public readonly targetGroup: elbv2.ApplicationTargetGroup;
  public readonly service: ecs.FargateService;
  public readonly taskDefinition: ecs.FargateTaskDefinition;
  public readonly container: ecs.ContainerDefinition;
  /**
   * The private ECR repository of an `image` given by URI (`ContainerImage.fromRegistry`): the execution role may pull
   * from it (and from no other repository).
   */
  public readonly imageRepository?: ecr.IRepository;
  /** The secret whose JSON fields are injected as the container's secret variables. */
  public readonly secret: secretsmanager.ISecret;
  /**
   * The secret `MCP_REQUEST_STATE_KEYS` is injected from (created, or `requestStateKeys`); undefined when it comes from
   * `secretFields` or `secrets`.
   */
  public readonly requestStateKeysSecret?: secretsmanager.ISecret;
  public readonly certificate: acm.ICertificate;
  public readonly logGroup: logs.ILogGroup;
  /** The key that encrypts the log groups. */
  public readonly logsEncryptionKey: kms.IKey;
  public readonly accessLogsBucket: s3.IBucket;
  public readonly loadBalancerSecurityGroup: ec2.SecurityGroup;
  public readonly serviceSecurityGroup: ec2.SecurityGroup;
  /** Task-count autoscaling, unless disabled. */
  public readonly scaling?: ecs.ScalableTaskCount;
  /** The alias record, when `hostedZone` is given. */
  public readonly aliasRecord?: route53.ARecord;
  /**
   * The shared session store, when `sessionStore` is set: its `REDIS_URL` secret, and for a created store the cache and
   * its security group (an `McpServerlessSessionStore`).
   */
  public readonly sessionStore?: McpSessionStore;
  /**
   * Broker mode: the redirect URI of the server at the upstream provider, `<origin of url>/oauth/callback`. Register it
   * on an existing provider's OAuth client; a created Cognito client has it already.
   */
  public readonly upstreamCallbackUrl?: string;
  /** Broker mode with `broker.cognito`: the user pool, its domain, the server's app client and that client's secret. */
  public readonly cognito?: McpCognitoUpstream;
  /** Dashboard, alarms and (with `telemetry`) the collector sidecar: docs/observability-infra.md. */
  public readonly observability: McpObservability;

  constructor(scope: Construct, id: string, props: McpFargateServiceProps) {
    super(scope, id);
    const where = `McpFargateService '${this.node.path}'`;
    const resolved = resolveProps(props, where);
    // The principal that delivers ALB access logs differs by region, so a created log bucket needs a known one.
    const regionKnown = !Token.isUnresolved(Stack.of(this).region);
    if (!regionKnown && !props.accessLogsBucket) {
      throw new McpConfigError(
        `${where}: ALB access logging needs the stack's region (its log-delivery principal differs by region): ` +
          'give the stack `env: { region }` (the account may stay unset), or pass `accessLogsBucket` with its own ' +
          'policy',
      );
    }
    // A certificate from another region passes synth and fails at deploy: compare when both regions are known.
    if (props.certificate && regionKnown && !Token.isUnresolved(props.certificate.certificateArn)) {
      const problem = certificateRegionProblem(props.certificate.certificateArn, Stack.of(this).region);
      if (problem) throw new McpConfigError(`${where}: ${problem}`);
    }

    this.logsEncryptionKey = props.logsEncryptionKey ?? createLogsKey(this);
    // RetentionDays' values are the days (ONE_YEAR = 365).
    const logRetention = props.logRetention ?? (LOG_RETENTION_DAYS as logs.RetentionDays);

    // ------------------------------------------------------------------ network
    this.vpc =
      props.vpc ??
      props.cluster?.vpc ??
      createVpc(this, { natGateways: props.natGateways ?? 2, retention: logRetention, key: this.logsEncryptionKey });
    this.cluster =
      props.cluster ??
      // Container Insights: per-task CPU, memory and network metrics, needed to see what autoscaling sees.
      new ecs.Cluster(this, 'Cluster', { vpc: this.vpc, containerInsightsV2: ecs.ContainerInsights.ENABLED });

    this.loadBalancerSecurityGroup = new ec2.SecurityGroup(this, 'LoadBalancerSecurityGroup', {
      vpc: this.vpc,
      description: 'MCP load balancer: HTTPS (and HTTP, redirected) from clients',
      allowAllOutbound: false,
    });
    this.loadBalancerSecurityGroup.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS from MCP clients');
    this.loadBalancerSecurityGroup.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(80), 'HTTP, redirected to HTTPS');

    this.serviceSecurityGroup = new ec2.SecurityGroup(this, 'ServiceSecurityGroup', {
      vpc: this.vpc,
      description: 'MCP tasks: reachable only from the load balancer',
      allowAllOutbound: false,
    });
    // Tasks call out over HTTPS only: image registry, Secrets Manager, CloudWatch Logs, the authorization server.
    this.serviceSecurityGroup.addEgressRule(
      ec2.Peer.anyIpv4(),
      ec2.Port.tcp(443),
      'HTTPS to AWS APIs and the authorization server',
    );

    // ------------------------------------------------------------------ load balancer
    this.accessLogsBucket = props.accessLogsBucket ?? createAccessLogsBucket(this, props.accessLogsRetentionDays ?? 90);
    this.loadBalancer = new elbv2.ApplicationLoadBalancer(this, 'LoadBalancer', {
      vpc: this.vpc,
      internetFacing: true,
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      securityGroup: this.loadBalancerSecurityGroup,
      // SSE streams sit idle between keep-alive comments (every keepAliveSeconds) and while a tool runs
      // silently: the idle timeout exceeds the keep-alive (the 60 s default would cut long tool calls).
      // The server's Node keepAliveTimeout (NODE_KEEP_ALIVE_TIMEOUT_SECONDS) is above the ALB maximum, so the ALB
      // always closes idle connections first and never reuses one Node has closed (intermittent 502s).
      idleTimeout: Duration.seconds(resolved.idleTimeoutSeconds),
      // Malformed header names never reach the server (request smuggling, header confusion).
      dropInvalidHeaderFields: true,
      deletionProtection: props.deletionProtection ?? false,
    });
    if (regionKnown) {
      this.loadBalancer.logAccessLogs(this.accessLogsBucket, 'alb');
    } else {
      // A given bucket in a region-agnostic stack: its policy must already allow ELB log delivery.
      this.loadBalancer.setAttribute('access_logs.s3.enabled', 'true');
      this.loadBalancer.setAttribute('access_logs.s3.bucket', this.accessLogsBucket.bucketName);
      this.loadBalancer.setAttribute('access_logs.s3.prefix', 'alb');
    }

    this.certificate = props.certificate ?? this.createCertificate(props);
    this.url = resolved.settings.publicUrl ?? `https://${this.loadBalancer.loadBalancerDnsName}${PATHS.mcp}`;
    if (!props.domainName && !resolved.settings.publicUrl) {
      Annotations.of(this).addWarningV2(
        'remote-mcp-stacks:urlUsesLoadBalancerDnsName',
        'No domainName: the MCP URL (and so the OAuth audience) is the load balancer DNS name, which the certificate ' +
          'does not cover and which changes if the load balancer is re-created. Pass domainName for a stable URL.',
      );
    }

    // ------------------------------------------------------------------ broker: the upstream provider
    if (resolved.broker) {
      this.upstreamCallbackUrl = upstreamCallbackUrl(this.url);
      if (resolved.broker.cognito) {
        this.cognito = new McpCognitoUpstream(this, 'Cognito', {
          ...resolved.broker.cognito,
          callbackUrl: this.upstreamCallbackUrl,
          scopes: resolved.settings.upstreamScopes,
          logsEncryptionKey: this.logsEncryptionKey,
        });
      }
    }
    if (resolved.brokerWarning)
      Annotations.of(this).addWarningV2('remote-mcp-stacks:brokerStatePerTask', resolved.brokerWarning);

    this.targetGroup = new elbv2.ApplicationTargetGroup(this, 'TargetGroup', {
      vpc: this.vpc,
      targetType: elbv2.TargetType.IP,
      protocol: elbv2.ApplicationProtocol.HTTP,
      port: CONTAINER_PORT,
      // /readyz: 200 once the server can serve; a task that fails it is taken out of rotation and replaced. (A task
      // that ECS stops is deregistered before it gets SIGTERM, so the 503 /readyz returns while draining does not
      // steer traffic here — the deregistration below does.)
      healthCheck: {
        path: PATHS.readyz,
        healthyHttpCodes: TARGET_HEALTH_CHECK.matcher,
        interval: Duration.seconds(TARGET_HEALTH_CHECK.interval),
        timeout: Duration.seconds(TARGET_HEALTH_CHECK.timeout),
        healthyThresholdCount: TARGET_HEALTH_CHECK.healthyThreshold,
        unhealthyThresholdCount: TARGET_HEALTH_CHECK.unhealthyThreshold,
      },
      // Stopping a task, ECS first deregisters it: for this delay the ALB sends it no new request but lets the open
      // ones (calls, SSE streams) run; then it closes what is still open, and only then does ECS send SIGTERM. So this
      // delay, = drainSeconds, is the real budget for in-flight calls on ECS.
      deregistrationDelay: Duration.seconds(resolved.drainSeconds),
      // An open SSE stream is an outstanding request: balance on those, not round-robin on new connections.
      loadBalancingAlgorithmType: elbv2.TargetGroupLoadBalancingAlgorithmType.LEAST_OUTSTANDING_REQUESTS,
      // No session stickiness: ALB stickiness is a cookie and MCP clients keep no cookies (stateless is the default).
    });

    this.listener = this.loadBalancer.addListener('Https', {
      port: 443,
      protocol: elbv2.ApplicationProtocol.HTTPS,
      certificates: [this.certificate],
      // Set explicitly: the API default (ELBSecurityPolicy-2016-08) still allows TLS 1.0 and has no TLS 1.3.
      sslPolicy: props.sslPolicy ?? elbv2.SslPolicy.TLS13_12_RES_PQ,
      open: false, // ingress is the security group's rules above
      defaultTargetGroups: [this.targetGroup],
    });
    this.redirectListener = this.loadBalancer.addListener('HttpRedirect', {
      port: 80,
      protocol: elbv2.ApplicationProtocol.HTTP,
      open: false,
      defaultAction: elbv2.ListenerAction.redirect({ protocol: 'HTTPS', port: '443', permanent: true }),
    });

    if (props.hostedZone && props.domainName) {
      this.aliasRecord = new route53.ARecord(this, 'AliasRecord', {
        zone: props.hostedZone,
        recordName: props.domainName,
        target: route53.RecordTarget.fromAlias(new route53targets.LoadBalancerTarget(this.loadBalancer)),
      });
    }
    if (props.webAclArn) {
      new wafv2.CfnWebACLAssociation(this, 'WebAclAssociation', {
        resourceArn: this.loadBalancer.loadBalancerArn,
        webAclArn: props.webAclArn,
      });
    }

    // ------------------------------------------------------------------ session store
    const taskSubnets = props.taskSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };
    if (resolved.sessionStore) this.sessionStore = this.createSessionStore(resolved.sessionStore, taskSubnets, where);

    // ------------------------------------------------------------------ task
    this.serverSettings = {
      ...resolved.settings,
      publicUrl: this.url,
      // ElastiCache Serverless speaks only the Redis Cluster protocol: the server must connect as a cluster client.
      ...(this.sessionStore instanceof McpServerlessSessionStore ? { redisClusterMode: true } : {}),
      // A created user pool is the upstream provider; Cognito lists groups in `cognito:groups`.
      ...(this.cognito
        ? {
            upstreamIssuer: this.cognito.issuer,
            upstreamClientId: this.cognito.clientId,
            brokerGroupsClaim: resolved.settings.brokerGroupsClaim ?? this.cognito.groupsClaim,
          }
        : {}),
    };
    this.secret = resolved.secret ?? createSecret(this, resolved.secretFields);
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: logRetention,
      encryptionKey: this.logsEncryptionKey,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const cpuArchitecture = props.cpuArchitecture ?? ecs.CpuArchitecture.of(FARGATE_TASK_DEFAULTS.cpuArchitecture);
    const memoryLimitMiB = props.memoryLimitMiB ?? FARGATE_TASK_DEFAULTS.memoryMiB;
    this.taskDefinition = new ecs.FargateTaskDefinition(this, 'TaskDefinition', {
      cpu: props.cpu ?? FARGATE_TASK_DEFAULTS.cpu,
      memoryLimitMiB,
      runtimePlatform: { cpuArchitecture, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
    });
    const secrets: Record<string, ecs.Secret> = {};
    // Secrets are injected by ECS at task start from the secret's JSON fields, never put in Environment.
    for (const field of resolved.secretFields) secrets[field] = ecs.Secret.fromSecretsManager(this.secret, field);
    if (this.sessionStore) {
      secrets[ENV.redisUrl] = ecs.Secret.fromSecretsManager(
        this.sessionStore.redisUrlSecret,
        this.sessionStore.redisUrlField,
      );
    }
    // Broker secrets kept outside `this.secret`: the Cognito client's secret, or secrets given in `broker`.
    if (this.cognito) secrets[ENV.upstreamClientSecret] = ecs.Secret.fromSecretsManager(this.cognito.clientSecret);
    for (const [name, ref] of [
      [ENV.upstreamClientSecret, resolved.broker?.upstreamClientSecret],
      [ENV.brokerSigningKeys, resolved.broker?.signingKeys],
    ] as const) {
      if (ref) secrets[name] = ecs.Secret.fromSecretsManager(ref.secret, ref.field);
    }
    // The requestState keys: one secret for every task, read by ECS at task start (a rotation needs a deployment).
    const requestStateKeys = resolved.requestStateKeys;
    if (requestStateKeys.kind === 'created' || requestStateKeys.kind === 'given') {
      this.requestStateKeysSecret =
        requestStateKeys.kind === 'created' ? createRequestStateKeysSecret(this) : requestStateKeys.secret;
      secrets[ENV.requestStateKeys] = ecs.Secret.fromSecretsManager(
        this.requestStateKeysSecret,
        requestStateKeys.kind === 'given' ? requestStateKeys.field : undefined,
      );
    }
    const image = props.image ?? defaultImage(cpuArchitecture);
    this.container = this.taskDefinition.addContainer('Server', {
      containerName: CONTAINER_NAME,
      image,
      // Contract names only, via the contract's own function; listens on 0.0.0.0:CONTAINER_PORT behind one proxy.
      environment: { ...serverEnvironment(this.serverSettings), ...props.environment },
      secrets: { ...secrets, ...props.secrets },
      portMappings: [{ containerPort: CONTAINER_PORT, protocol: ecs.Protocol.TCP, name: 'http' }],
      // SIGTERM comes after the deregistration delay; stopTimeout = stopTimeoutSeconds(drain) (drain + margin) then
      // lets the server drain whatever is still running and exit before SIGKILL.
      stopTimeout: Duration.seconds(resolved.stopTimeoutSeconds),
      // A hard memory limit: the server may use the whole task (less the collector's reservation, with telemetry).
      memoryLimitMiB,
      ...(props.telemetry
        ? { memoryReservationMiB: memoryLimitMiB - ADOT_COLLECTOR_RESOURCES.memoryReservationMiB }
        : {}),
      user: props.containerUser ?? CONTAINER_USER,
      // The server writes nothing to disk (logs go to stdout).
      readonlyRootFilesystem: true,
      privileged: false,
      healthCheck:
        props.containerHealthCheck ??
        (props.image ? undefined : defaultContainerHealthCheck(CONTAINER_PORT, PATHS.healthz)),
      logging: ecs.LogDrivers.awsLogs({
        logGroup: this.logGroup,
        streamPrefix: CONTAINER_LOGS.streamPrefix,
        // A slow log stream must never block stdout: a blocked write would stall the event loop and every stream.
        mode: ecs.AwsLogDriverMode.NON_BLOCKING,
        maxBufferSize: Size.mebibytes(CONTAINER_LOGS.maxBufferSizeMiB),
      }),
    });

    // An ECR image given by URI carries no pull rights: without them the first task would fail to start.
    this.imageRepository = grantRegistryImagePull(this, image, this.container);

    // ------------------------------------------------------------------ service
    this.service = new ecs.FargateService(this, 'Service', {
      cluster: this.cluster,
      taskDefinition: this.taskDefinition,
      desiredCount: resolved.desiredCount,
      // Zero-downtime rolling deploys: new tasks become healthy before old ones drain.
      minHealthyPercent: ROLLING_DEPLOYMENT.minimumHealthyPercent,
      maxHealthyPercent: ROLLING_DEPLOYMENT.maximumPercent,
      // A release whose tasks never become healthy rolls back by itself.
      circuitBreaker: { enable: true, rollback: true },
      assignPublicIp: false,
      vpcSubnets: taskSubnets,
      securityGroups: [this.serviceSecurityGroup],
      // Time for a new task to start before the load balancer's health checks count against it.
      healthCheckGracePeriod: Duration.seconds(HEALTH_CHECK_GRACE_PERIOD_SECONDS),
      platformVersion: ecs.FargatePlatformVersion.LATEST,
      enableExecuteCommand: false,
      propagateTags: ecs.PropagatedTagSource.SERVICE,
    });
    // Tasks are reachable only from the load balancer, on the container port.
    this.service.connections.allowFrom(this.loadBalancer, ec2.Port.tcp(CONTAINER_PORT), 'Load balancer to MCP tasks');
    this.targetGroup.addTarget(
      this.service.loadBalancerTarget({ containerName: CONTAINER_NAME, containerPort: CONTAINER_PORT }),
    );

    if (resolved.autoScaling) {
      const autoScaling = resolved.autoScaling;
      const { minCapacity, maxCapacity } = autoScaling;
      this.scaling = this.service.autoScaleTaskCount({ minCapacity, maxCapacity });
      const cooldowns = {
        scaleInCooldown: autoScaling.scaleInCooldown,
        scaleOutCooldown: autoScaling.scaleOutCooldown,
      };
      this.scaling.scaleOnRequestCount('RequestScaling', {
        requestsPerTarget: autoScaling.requestsPerTarget,
        targetGroup: this.targetGroup,
        ...cooldowns,
      });
      this.scaling.scaleOnCpuUtilization('CpuScaling', {
        targetUtilizationPercent: autoScaling.cpuTargetPercent,
        ...cooldowns,
      });
    }

    this.observability = new McpObservability(this, 'Observability', {
      loadBalancer: this.loadBalancer,
      targetGroup: this.targetGroup,
      service: this.service,
      taskDefinition: this.taskDefinition,
      container: this.container,
      userEnvironment: props.environment ?? {},
      dashboard: props.dashboard ?? true,
      alarms: props.alarms,
      telemetry: props.telemetry ?? false,
      logRetention,
      logsEncryptionKey: this.logsEncryptionKey,
      serviceLogGroup: this.logGroup,
      serviceName: this.node.path,
    });

    acknowledgeServiceFindings(this, {
      createdSecret: !resolved.secret,
      createdBucket: !props.accessLogsBucket,
      deletionProtection: props.deletionProtection ?? false,
      createdSessionStore: this.sessionStore instanceof McpServerlessSessionStore,
      createdCognito: this.cognito !== undefined,
      telemetry: props.telemetry ?? false,
      createdRequestStateKeys: requestStateKeys.kind === 'created',
    });
  }

  /** A created cache in the tasks' subnets (one per AZ), or an existing store's URL secret and network path. */
  private createSessionStore(
    store: ResolvedSessionStore,
    taskSubnets: ec2.SubnetSelection,
    where: string,
  ): McpSessionStore {
    if (store.kind === 'existing') {
      // The tasks' group allows only 443 out: open the store's port to its group (ingress there, egress here).
      if (store.securityGroup) {
        this.serviceSecurityGroup.connections.allowTo(
          store.securityGroup,
          ec2.Port.tcp(store.port),
          'MCP tasks to the session store',
        );
      }
      return { redisUrlSecret: store.redisUrlSecret, redisUrlField: store.field };
    }
    const subnets = sessionStoreSubnets(this.vpc, taskSubnets);
    if (tooFewAzs(subnets)) {
      throw new McpConfigError(
        `${where}: sessionStore needs the tasks' subnets in at least two Availability Zones (ElastiCache Serverless ` +
          `spreads over 2 or 3), got ${subnets.length === 1 ? 'one' : subnets.length}: give \`vpc\` or ` +
          `\`taskSubnets\` private subnets in two AZs`,
      );
    }
    return new McpServerlessSessionStore(this, 'SessionStore', {
      vpc: this.vpc,
      subnets,
      clientSecurityGroup: this.serviceSecurityGroup,
      maxDataStorageGB: store.maxDataStorageGB,
      maxEcpuPerSecond: store.maxEcpuPerSecond,
      encryptionKey: store.encryptionKey,
    });
  }

  private createCertificate(props: McpFargateServiceProps): acm.ICertificate {
    // resolveProps guarantees domainName and hostedZone here.
    return new acm.Certificate(this, 'Certificate', {
      domainName: props.domainName!,
      validation: acm.CertificateValidation.fromDns(props.hostedZone),
    });
  }
}
