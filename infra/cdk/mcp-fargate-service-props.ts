/**
 * Properties of `McpFargateService`, each with its documented default.
 *
 * Settings the server itself reads are typed by the server's own contract (`ServerSettings`), so the construct
 * cannot drift from the server it deploys.
 */
import type { Duration } from 'aws-cdk-lib';
import type * as acm from 'aws-cdk-lib/aws-certificatemanager';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as route53 from 'aws-cdk-lib/aws-route53';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { EnvName, ServerSettings } from '../../server/config/contract';
import type { McpCognitoUpstreamOptions } from './cognito-upstream';

/** Task-count autoscaling of the service. */
export interface McpAutoScalingProps {
  /**
   * Fewest running tasks. Two spread the service over two Availability Zones.
   * @default 2
   */
  readonly minCapacity?: number;
  /**
   * Most running tasks.
   * @default 10
   */
  readonly maxCapacity?: number;
  /**
   * Target of the ALB's `RequestCountPerTarget` metric (requests per task per minute).
   * @default 1000
   */
  readonly requestsPerTarget?: number;
  /**
   * Target average CPU utilization of the service, in percent.
   * @default 60
   */
  readonly cpuTargetPercent?: number;
  /**
   * Wait after a scale-in before the next one. Scale-in stops tasks, which ends their open streams (clients
   * reconnect), so it is slower than scale-out.
   * @default Duration.minutes(5)
   */
  readonly scaleInCooldown?: Duration;
  /**
   * Wait after a scale-out before the next one.
   * @default Duration.minutes(1)
   */
  readonly scaleOutCooldown?: Duration;
}

/**
 * The shared session store the construct creates: an ElastiCache Serverless cache for Valkey in the tasks' subnets,
 * reachable only from the tasks and protected by a generated password (ElastiCache RBAC).
 */
export interface McpSessionStoreProps {
  /**
   * Most data the cache may hold, in GB (ElastiCache Serverless accepts 1–5000). Writes fail beyond it.
   * @default - no limit (the cache grows and bills with the data)
   */
  readonly maxDataStorageGB?: number;
  /**
   * Most ElastiCache Processing Units per second (ElastiCache Serverless accepts 1000–15000000); requests are
   * throttled beyond it.
   * @default - no limit
   */
  readonly maxEcpuPerSecond?: number;
  /**
   * Customer-managed KMS key for encryption at rest (the cache is always encrypted at rest and in transit).
   * @default - an AWS-owned key
   */
  readonly encryptionKey?: kms.IKey;
}

/**
 * A session store that exists already (another ElastiCache cache, Memorystore through a tunnel, your own Valkey):
 * the construct creates no cache and only injects its URL.
 */
export interface McpExistingSessionStoreProps {
  /** Secret holding the store's URL (`rediss://[:password@]host:port`), injected as `REDIS_URL`. */
  readonly redisUrlSecret: secretsmanager.ISecret;
  /**
   * JSON field of `redisUrlSecret` that holds the URL.
   * @default - the whole secret string is the URL
   */
  readonly field?: string;
  /**
   * The store's security group: the construct then opens `port` to it from the tasks (ingress on this group,
   * egress on the tasks' group). Without it, open the path yourself, e.g.
   * `mcp.service.connections.allowTo(store, ec2.Port.tcp(6379))` (the tasks' group allows no other egress).
   * @default - no rule is added
   */
  readonly securityGroup?: ec2.ISecurityGroup;
  /**
   * Port of the store, for the rule on `securityGroup`.
   * @default 6379
   */
  readonly port?: number;
}

/**
 * Broker mode (`serverSettings.authMode: 'broker'`): the server runs its own OAuth authorization server on its origin
 * and signs users in with an upstream OpenID Connect provider — a Cognito user pool the construct creates (`cognito`),
 * or an existing provider given by `serverSettings.upstreamIssuer` and `upstreamClientId` (Entra ID, Google, Okta, …)
 * whose OAuth client has `<origin>/oauth/callback` as its redirect URI (the construct's `upstreamCallbackUrl`).
 */
export interface McpBrokerProps {
  /**
   * Create the upstream provider: a Cognito user pool (no self sign-up, e-mail sign-in, MFA required), its hosted
   * sign-in domain, and a confidential app client for the server (code grant, callback `<origin>/oauth/callback`).
   * `UPSTREAM_ISSUER`, `UPSTREAM_CLIENT_ID` and `BROKER_GROUPS_CLAIM` (`cognito:groups`) are set from it, and the
   * client secret is injected from a secret of its own. Leave `serverSettings.upstreamIssuer` and `upstreamClientId`
   * unset.
   * @default - none: the provider of `serverSettings.upstreamIssuer` and `upstreamClientId`
   */
  readonly cognito?: boolean | McpCognitoUpstreamOptions;
  /**
   * Secret holding the existing provider's client secret, injected as `UPSTREAM_CLIENT_SECRET` (not with `cognito`).
   * @default - the `UPSTREAM_CLIENT_SECRET` field of `secret` (created empty: put the client secret in it)
   */
  readonly upstreamClientSecret?: secretsmanager.ISecret;
  /**
   * JSON field of `upstreamClientSecret` that holds the client secret.
   * @default - the whole secret string
   */
  readonly upstreamClientSecretField?: string;
  /**
   * Secret holding the broker's signing keys, a JWKS of private keys (`npm run broker:keys`), injected as
   * `BROKER_SIGNING_KEYS`. Every task must sign with the same keys, and with a shared session store the server refuses
   * to start without them: then they must exist before the first deployment, here or in a given `secret`.
   * @default - the `BROKER_SIGNING_KEYS` field of `secret` (created empty: until you put keys in it, each task
   *   generates its own at start, and its tokens end with it)
   */
  readonly signingKeys?: secretsmanager.ISecret;
  /**
   * JSON field of `signingKeys` that holds the JWKS.
   * @default - the whole secret string
   */
  readonly signingKeysField?: string;
}

/**
 * Where the alarms go (docs/observability-infra.md lists them and their thresholds). Give `topic`, `email`, or both.
 */
export interface McpAlarmsProps {
  /**
   * An SNS topic of yours (e.g. KMS-encrypted, with chat or paging subscriptions). CloudWatch must be able to publish
   * to it: a topic encrypted with a key whose policy lets `cloudwatch.amazonaws.com` use it, not the AWS-managed key.
   * @default - a new topic (TLS-only publishers), when `email` is given
   */
  readonly topic?: sns.ITopic;
  /**
   * E-mail address subscribed to the topic (AWS sends a confirmation mail first).
   * @default - no subscription
   */
  readonly email?: string;
}

export interface McpFargateServiceProps {
  // ---------------------------------------------------------------- network and cluster
  /**
   * The VPC. Tasks run in its private subnets (with egress) and the load balancer in its public subnets.
   * @default - a new VPC over 2 Availability Zones with public and private subnets, `natGateways` NAT gateways
   *   and VPC flow logs to an encrypted CloudWatch log group
   */
  readonly vpc?: ec2.IVpc;
  /**
   * NAT gateways of the created VPC (ignored with `vpc`). Tasks need egress to pull the image, read the secret,
   * ship logs and fetch the authorization server's keys. One per AZ survives the loss of an AZ; 1 costs less.
   * @default 2
   */
  readonly natGateways?: number;
  /**
   * The ECS cluster. Must be in `vpc` when both are given.
   * @default - a new cluster in the VPC with Container Insights enabled
   */
  readonly cluster?: ecs.ICluster;
  /**
   * Subnets of the tasks.
   * @default - the VPC's private subnets with egress
   */
  readonly taskSubnets?: ec2.SubnetSelection;

  // ---------------------------------------------------------------- the container
  /**
   * The server image. It must honour the server contract: listen on `CONTAINER_PORT` (8080), serve `/readyz`,
   * run as a non-root user and work with a read-only root filesystem.
   * @default - this repository's Dockerfile, built from source as a CDK asset (linux/amd64)
   */
  readonly image?: ecs.ContainerImage;
  /**
   * Task CPU units (256 = 0.25 vCPU). Node runs JavaScript on one core, so scale out rather than up.
   * @default 512
   */
  readonly cpu?: number;
  /**
   * Task memory in MiB; must be a valid Fargate combination with `cpu`.
   * @default 1024
   */
  readonly memoryLimitMiB?: number;
  /**
   * CPU architecture of the tasks; the default image asset is built for the same one.
   * @default ecs.CpuArchitecture.X86_64
   */
  readonly cpuArchitecture?: ecs.CpuArchitecture;
  /**
   * User the container runs as. The default is the uid/gid of the `node` user of the official Node images
   * (the Dockerfile's `USER node`), numeric so that it works with any image.
   * @default '1000:1000'
   */
  readonly containerUser?: string;
  /**
   * Container health check run by ECS (ECS ignores the image's `HEALTHCHECK`).
   * @default - with the default image, the Dockerfile's own check of `/healthz`; with a custom image, none
   *   (the load balancer's check of `/readyz` still replaces failing tasks)
   */
  readonly containerHealthCheck?: ecs.HealthCheck;
  /**
   * Retention of the container's logs and of the created VPC's flow logs.
   * @default logs.RetentionDays.ONE_YEAR (AWS Control Tower control CT.CLOUDWATCH.PR.2)
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * KMS key that encrypts the log groups; its policy must let CloudWatch Logs use it.
   * @default - a new customer-managed key with yearly rotation, usable by CloudWatch Logs in this account and region
   */
  readonly logsEncryptionKey?: kms.IKey;

  // ---------------------------------------------------------------- the service
  /**
   * Number of tasks.
   * @default - with autoscaling: not set, so that a deployment never resets a scaled-out service (the service
   *   starts with 1 task and autoscaling raises it to `minCapacity` at once); without autoscaling: 2
   */
  readonly desiredCount?: number;
  /**
   * Task-count autoscaling on requests per target and on CPU, or `false` for a fixed `desiredCount`.
   * @default - enabled with the defaults of `McpAutoScalingProps`
   */
  readonly autoScaling?: McpAutoScalingProps | false;

  // ---------------------------------------------------------------- TLS, DNS, load balancer
  /**
   * Certificate of the HTTPS listener, in the stack's region (an ALB takes only certificates of its own region; an
   * imported ARN from another region is refused at synth). Give this, or `domainName` with `hostedZone`.
   * @default - a DNS-validated ACM certificate for `domainName` in `hostedZone`
   */
  readonly certificate?: acm.ICertificate;
  /**
   * Domain name of the service, e.g. `mcp.example.com`. It makes the public URL (and so the token audience)
   * stable across re-creations of the load balancer.
   * @default - none: the URL uses the load balancer's DNS name
   */
  readonly domainName?: string;
  /**
   * Hosted zone of `domainName`: validates the created certificate and receives an alias A record for the
   * load balancer.
   * @default - no DNS record (and `certificate` is required)
   */
  readonly hostedZone?: route53.IHostedZone;
  /**
   * Load balancer idle timeout. Streams (SSE) sit idle between the server's keep-alive comments and while a
   * tool runs without output, so it must exceed `keepAliveSeconds`; ALB accepts 1–4000 s.
   * @default Duration.seconds(3600)
   */
  readonly idleTimeout?: Duration;
  /**
   * TLS policy of the HTTPS listener.
   * @default elbv2.SslPolicy.TLS13_12_RES_PQ (TLS 1.3 and 1.2, restricted ciphers, post-quantum key exchange)
   */
  readonly sslPolicy?: elbv2.SslPolicy;
  /**
   * Bucket for the load balancer's access logs (must use SSE-S3 encryption).
   * @default - a new SSE-S3 encrypted, TLS-only, private bucket that expires logs after `accessLogsRetentionDays`
   */
  readonly accessLogsBucket?: s3.IBucket;
  /**
   * Days to keep access logs in the created bucket.
   * @default 90
   */
  readonly accessLogsRetentionDays?: number;
  /**
   * ARN of a regional AWS WAF web ACL to associate with the load balancer.
   * @default - no web ACL
   */
  readonly webAclArn?: string;
  /**
   * Protect the load balancer from deletion (a `cdk destroy` then needs it turned off first).
   * @default false
   */
  readonly deletionProtection?: boolean;

  // ---------------------------------------------------------------- the server
  /**
   * The server's configuration, typed by the server's contract and validated with its own
   * `validateServerSettings`. `sessionMode: 'stateful'` keeps sessions in one task's memory and the load balancer has
   * no stickiness, so it is refused unless exactly one task runs (`autoScaling: false` with `desiredCount: 1`, or
   * `autoScaling: { minCapacity: 1, maxCapacity: 1 }`) or the service has a shared `sessionStore`.
   * @default - `authMode: 'oauth'` (which needs `oauthIssuer`), or `'broker'` when `broker` is set; `publicUrl` is
   *   `https://<domainName>/mcp`, or `https://<load balancer DNS name>/mcp` with only a certificate; every other value
   *   is the server's default
   */
  readonly serverSettings?: ServerSettings;
  /**
   * Secret whose JSON fields are injected as the container's secret variables (names from `SECRET_ENV`: the OAuth
   * client secret, bearer tokens, broker keys…; the construct's `secret`).
   * ECS reads it when a task starts: after changing its value, force a new deployment.
   * @default - a new secret: for `authMode: 'oauth'` `{"OAUTH_CLIENT_SECRET": ""}` (fill it in if the server
   *   introspects tokens); for `authMode: 'token'` `{"MCP_BEARER_TOKENS": "<generated>"}`; for `authMode: 'broker'`
   *   `{"UPSTREAM_CLIENT_SECRET": "", "BROKER_SIGNING_KEYS": ""}`, less what `broker` injects from elsewhere
   */
  readonly secret?: secretsmanager.ISecret;
  /**
   * The former name of `secret` (it holds more than OAuth secrets); give one of the two.
   * @deprecated use `secret`
   * @default - as `secret`
   */
  readonly oauthSecret?: secretsmanager.ISecret;
  /**
   * JSON fields of `secret` to inject; each must be one of the contract's `SECRET_ENV` names and must
   * exist in the secret (a task fails to start otherwise).
   * @default - ['OAUTH_CLIENT_SECRET'] for authMode 'oauth', ['MCP_BEARER_TOKENS'] for authMode 'token',
   *   ['UPSTREAM_CLIENT_SECRET', 'BROKER_SIGNING_KEYS'] for authMode 'broker' (without those `broker`
   *   injects otherwise)
   */
  readonly secretFields?: EnvName[];
  /**
   * More plain environment variables for the container. Must not set the contract's variables (use
   * `serverSettings`) nor secret ones (use `secrets`).
   * @default - none
   */
  readonly environment?: Record<string, string>;
  /**
   * More secret variables for the container.
   * @default - none
   */
  readonly secrets?: Record<string, ecs.Secret>;

  /**
   * Secret holding the keys that sign 2026-07-28 `requestState` (multi round-trip requests), injected as
   * `MCP_REQUEST_STATE_KEYS`: comma-separated, each at least 32 bytes, the first signs and all verify. Every task must
   * share them (a retry may land on another task) and the server refuses to start on a non-loopback host without them.
   * Rotate by putting `<new>,<old>` in the secret, then forcing a new deployment (docs/cdk.md).
   * @default - a new secret whose whole value is one generated key (64 letters and digits), identical on every task
   */
  readonly requestStateKeys?: secretsmanager.ISecret;
  /**
   * JSON field of `requestStateKeys` that holds the keys.
   * @default - the whole secret string
   */
  readonly requestStateKeysField?: string;

  /**
   * Shared session store, so that `sessionMode: 'stateful'` (and legacy HTTP+SSE sessions) work on any number of
   * tasks: any task serves any session. `true` (or `McpSessionStoreProps`) creates an ElastiCache Serverless cache
   * for Valkey that only the tasks can reach, with a generated password, and injects its URL as the secret variable
   * `REDIS_URL`; `McpExistingSessionStoreProps` injects the URL of a store you run. Read by `sessionMode: 'stateful'`,
   * by `authMode: 'broker'` (its authorization server keeps its state there), and on several tasks by 2026-07-28
   * listen streams (list changes made on another task); refused only for a stateless, non-broker service that runs
   * exactly one task, where nothing reads it. ElastiCache Serverless bills a minimum of data stored per hour:
   * see docs/cdk.md.
   * @default - none: sessions live in each task's memory
   */
  readonly sessionStore?: boolean | McpSessionStoreProps | McpExistingSessionStoreProps;

  /**
   * Broker mode: the upstream identity provider (a created Cognito user pool, or an existing one's secret) and where
   * the signing keys come from. Setting it makes `authMode` default to `'broker'`; refused with any other mode.
   * @default - none; `authMode: 'broker'` then takes `serverSettings.upstreamIssuer` and `upstreamClientId`, and its
   *   secrets from `secret`
   */
  readonly broker?: McpBrokerProps;

  // ---------------------------------------------------------------- observability (docs/observability-infra.md)
  /**
   * A CloudWatch dashboard: requests, 4xx/5xx, target response time p50/p99, healthy hosts, connections, task CPU
   * and memory, and the server's own MCP metrics (with `telemetry`).
   * @default true
   */
  readonly dashboard?: boolean;
  /**
   * Alarms — no healthy host, 5xx rate, p99 latency, tasks below desired (restarts) — with their actions to an SNS
   * topic or an e-mail address. Alarms need a destination, so they exist only when this is set.
   * @default - no alarms
   */
  readonly alarms?: McpAlarmsProps;
  /**
   * Traces and metrics: the AWS Distro for OpenTelemetry collector as a sidecar (X-Ray, CloudWatch EMF in the
   * `RemoteMcp` namespace), and the server's `OTEL_*` variables pointing at it. Costs 128 CPU units and up to
   * 256 MiB of the task, and X-Ray/CloudWatch usage.
   * @default false
   */
  readonly telemetry?: boolean;
}
