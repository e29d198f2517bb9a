/**
 * Arguments of the Pulumi `McpFargateService`, each with its documented default (the counterpart of the CDK
 * construct's `infra/cdk/mcp-fargate-service-props.ts`; the same thing has the same name in both).
 *
 * Settings the server itself reads are typed by the server's own contract (`ServerSettings`), so the component
 * cannot drift from the server it deploys.
 */
import type * as pulumi from '@pulumi/pulumi';
import type { EnvName, ServerSettings } from '../../../server/config/contract';
import type { McpSecretValues } from '../common/server-settings';
import type { McpFargateAlarms } from './observability';

/**
 * The shared session store the component creates (`sessionStore: true` or an object of these settings): ElastiCache
 * Serverless for Valkey in the tasks' private subnets, TLS, a password user, reachable only from the tasks.
 */
export interface McpFargateSessionStore {
  /**
   * Valkey major version (7 or later: the server needs Redis/Valkey 7+).
   * @default '8'
   */
  majorEngineVersion?: string;
  /**
   * Cap on stored data in GB (1–5000), a cost ceiling: writes fail beyond it.
   * @default no cap
   */
  maxDataStorageGB?: number;
  /**
   * Cap on ElastiCache Processing Units per second (1000–15000000).
   * @default no cap
   */
  maxEcpuPerSecond?: number;
  /**
   * KMS key (ARN) for encryption at rest.
   * @default an AWS-owned key
   */
  kmsKeyArn?: pulumi.Input<string>;
}

/** An existing store: its `REDIS_URL` in a Secrets Manager secret, and how the tasks reach it. */
export interface McpFargateExistingSessionStore {
  /** Secrets Manager secret (ARN) holding the store's URL (`rediss://[:password@]host:port`). */
  redisUrlSecretArn: pulumi.Input<string>;
  /**
   * JSON field of the secret that holds the URL.
   * @default the whole secret string is the URL
   */
  field?: string;
  /**
   * The store's security group: it gets an ingress rule from the tasks on `port`, and the tasks an egress rule to it.
   * Without it no rule is added: open the path yourself (the tasks' group, `serviceSecurityGroup`, allows no other
   * egress than HTTPS).
   * @default no rule
   */
  securityGroupId?: pulumi.Input<string>;
  /**
   * Port of the store, for the rules on `securityGroupId`.
   * @default 6379
   */
  port?: number;
}

/** Task-count autoscaling on requests per target and on CPU. */
export interface McpFargateAutoScaling {
  /** @default 2 */
  minCapacity?: number;
  /** @default 10 */
  maxCapacity?: number;
  /**
   * Target of the ALB's RequestCountPerTarget (requests per task per minute).
   * @default 1000
   */
  requestsPerTarget?: number;
  /** @default 60 */
  cpuTargetPercent?: number;
  /**
   * Scale-in stops tasks (their streams reconnect elsewhere), so it is slower.
   * @default 300
   */
  scaleInCooldownSeconds?: number;
  /** @default 60 */
  scaleOutCooldownSeconds?: number;
}

export interface McpFargateServiceArgs {
  /** The server image (ECR or any registry the tasks can reach). */
  image: pulumi.Input<string>;
  /**
   * Your VPC, with `publicSubnetIds` and `privateSubnetIds` (all three or none).
   * @default a new network like the CDK construct's (`McpNetwork`): two AZs, public and private subnets, NAT
   * gateways, flow logs
   */
  vpcId?: pulumi.Input<string>;
  /**
   * Public subnets (at least two AZs) for the internet-facing load balancer.
   * @default the created network's
   */
  publicSubnetIds?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * Private subnets with egress (NAT or VPC endpoints) for the tasks.
   * @default the created network's
   */
  privateSubnetIds?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * NAT gateways of the created network, 1 or 2 (not with `vpcId`): one per AZ survives the loss of an AZ.
   * @default 2
   */
  natGateways?: number;
  /**
   * ACM certificate of the HTTPS listener (it should cover `domainName`), in the load balancer's region. A plain ARN
   * from another region than `aws:region` is refused when the component uses the default provider.
   */
  certificateArn: pulumi.Input<string>;
  /**
   * Domain name of the service, e.g. `mcp.example.com`: the public URL becomes `https://<domainName>/mcp`, stable
   * across re-creations of the load balancer.
   * @default none: the URL uses the load balancer's DNS name
   */
  domainName?: string;
  /**
   * Route 53 hosted zone of `domainName`: receives an alias A record for the load balancer.
   * @default no record
   */
  hostedZoneId?: pulumi.Input<string>;
  /**
   * The server's settings, typed by its contract and checked with its own `validateServerSettings` (the CDK
   * construct's `serverSettings`).
   * @default `authMode: 'oauth'`, `drainSeconds` the server's default (20), `publicUrl` from `domainName`
   */
  serverSettings?: ServerSettings;
  /**
   * @deprecated the former name of `serverSettings` (the same value; give one of the two).
   * @default none
   */
  server?: ServerSettings;
  /**
   * Secret values: stored in a new Secrets Manager secret (JSON fields named as the contract's variables).
   * @default no secret values
   */
  secrets?: McpSecretValues;
  /**
   * Or an existing Secrets Manager secret whose JSON fields are injected (with `secretFields`).
   * @default none
   */
  secretArn?: pulumi.Input<string>;
  /**
   * Fields of `secretArn` to inject; each must be a `SECRET_ENV` name and exist in the secret.
   * @default none (required with `secretArn`)
   */
  secretFields?: EnvName[];
  /**
   * ALB idle timeout, 1–4000 s and longer than the server's keep-alive.
   * @default 3600
   */
  idleTimeoutSeconds?: number;
  /** @default 'ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09' */
  sslPolicy?: string;
  /**
   * Task CPU units.
   * @default 512
   */
  cpu?: number;
  /**
   * Task memory (MiB), a valid Fargate combination with `cpu` (the CDK construct's and aws-cdk-lib's name).
   * @default 1024
   */
  memoryLimitMiB?: number;
  /**
   * @deprecated the former name of `memoryLimitMiB` (the same value; give one of the two).
   * @default 1024
   */
  memoryMiB?: number;
  /** @default 'X86_64' */
  cpuArchitecture?: 'X86_64' | 'ARM64';
  /** @default '1000:1000' */
  containerUser?: string;
  /**
   * Run the image's Node-based `/healthz` check as an ECS container health check (the ALB checks `/readyz` anyway).
   * @default false
   */
  containerHealthCheck?: boolean;
  /**
   * Fixed task count when `autoScaling` is false. `serverSettings.sessionMode: 'stateful'` needs exactly one task (a
   * fixed count of 1, or autoscaling between 1 and 1) unless the service has a `sessionStore`.
   * @default 2 (with autoscaling: its minCapacity)
   */
  desiredCount?: number;
  /** @default enabled with the defaults of `McpFargateAutoScaling` */
  autoScaling?: McpFargateAutoScaling | false;
  /** @default 365 */
  logRetentionDays?: number;
  /**
   * KMS key (ARN) to encrypt the log group with; its key policy must allow CloudWatch Logs.
   * @default AWS-managed encryption
   */
  logsKmsKeyArn?: pulumi.Input<string>;
  /**
   * An existing ECS cluster.
   * @default a created cluster with Container Insights
   */
  clusterArn?: pulumi.Input<string>;
  /**
   * Container Insights on the created cluster.
   * @default true
   */
  containerInsights?: boolean;
  /**
   * Existing S3 bucket (SSE-S3, with the ELB log-delivery policy) for ALB access logs.
   * @default no access logs
   */
  accessLogsBucket?: pulumi.Input<string>;
  /** @default 'alb' */
  accessLogsPrefix?: string;
  /**
   * ARN of a regional WAFv2 web ACL to associate with the load balancer.
   * @default none
   */
  webAclArn?: pulumi.Input<string>;
  /**
   * ALB deletion protection.
   * @default false
   */
  deletionProtection?: boolean;
  /**
   * Client CIDRs allowed to reach the load balancer.
   * @default ['0.0.0.0/0']
   */
  ingressCidrs?: string[];
  /**
   * The shared session store (`REDIS_URL`), with which `sessionMode: 'stateful'` and `authMode: 'broker'` work on any
   * number of tasks and 2026-07-28 listen streams hear list changes made on another task: `true` (or settings) creates
   * ElastiCache Serverless for Valkey reachable only from the tasks; an existing store is given by the Secrets Manager
   * secret holding its URL. Refused for a stateless, non-broker service on exactly one task (nothing reads it).
   * @default none
   */
  sessionStore?: boolean | McpFargateSessionStore | McpFargateExistingSessionStore;
  /**
   * CloudWatch dashboard (docs/observability-infra.md).
   * @default true
   */
  dashboard?: boolean;
  /**
   * Alarms (no healthy host, 5xx rate, p99 latency, tasks below desired) to an SNS topic or an e-mail address.
   * @default no alarms
   */
  alarms?: McpFargateAlarms;
  /**
   * ADOT collector sidecar: traces to X-Ray, metrics to CloudWatch (`RemoteMcp`); sets the server's OTEL_* variables.
   * @default false
   */
  telemetry?: boolean;
  /**
   * Tags of every resource, beside `managed-by: pulumi` and `app: remote-mcp`.
   * @default none
   */
  tags?: Record<string, string>;
}
