/**
 * The arguments of `McpCloudRunService`, each with its default. Validation and defaults live in `resolve-args.ts`;
 * the component only wires resources.
 */
import type * as pulumi from '@pulumi/pulumi';
import type { ServerSettings } from '../../../server/config/contract';
import type { CloudRunPublicAccess } from '../../shared/cloud-run';
import type { McpSecretValues } from '../common/server-settings';
import type { CloudRunAlerts } from './monitoring';

/**
 * The shared session store the component creates (`sessionStore: true` or an object of these settings): a
 * Memorystore for Redis instance with AUTH and TLS, reached from the service by Direct VPC egress.
 */
export interface CloudRunSessionStore {
  /** `BASIC` (one node) or `STANDARD_HA` (a replica in another zone, automatic failover). @default 'BASIC' */
  tier?: 'BASIC' | 'STANDARD_HA';
  /** Memory in GiB (1–300). @default 1 */
  memorySizeGb?: number;
  /** Memorystore version, 7 or later (the server needs Redis 7+). @default 'REDIS_7_2' */
  redisVersion?: string;
  /**
   * An existing VPC network (name, `projects/<p>/global/networks/<n>` or self link) to put the instance and the
   * service's egress in. @default a new network dedicated to this service, with one subnet for Direct VPC egress
   */
  network?: pulumi.Input<string>;
  /** The subnet of `network` the service takes its IP addresses from. @default the subnet named as the network */
  subnetwork?: pulumi.Input<string>;
  /**
   * Range of the created egress subnet (a /26 or larger: Direct VPC egress takes about two addresses per instance).
   * @default '10.8.0.0/24'
   */
  subnetCidr?: string;
  /**
   * Egress firewall rules in the network: only instances with the service's network tag may open connections to the
   * instance's range. Set false for a Shared VPC network of another project (create the rules in the host project).
   * @default true
   */
  egressFirewall?: boolean;
}

/** An existing store: its `REDIS_URL` in a Secret Manager secret, and how the service reaches it. */
export interface CloudRunExistingSessionStore {
  /** Secret Manager secret (ID in `project`, or `projects/<p>/secrets/<id>`) whose value is the `REDIS_URL`. */
  redisUrlSecret: pulumi.Input<string>;
  /** @default 'latest' */
  redisUrlSecretVersion?: pulumi.Input<string>;
  /** Direct VPC egress to this network when the store has a private address. @default no VPC egress */
  network?: pulumi.Input<string>;
  /** @default no VPC egress (with `network`: the subnet named as the network) */
  subnetwork?: pulumi.Input<string>;
}

export interface McpCloudRunServiceArgs {
  /** The server image, e.g. `us-central1-docker.pkg.dev/my-project/remote-mcp/server:1.0.0`. @default none: required */
  image: pulumi.Input<string>;
  /** @default the `gcp:project` configuration */
  project?: string;
  /** @default the `gcp:region` configuration */
  region?: string;
  /** Cloud Run service name (lowercase letters, digits, hyphens; at most 49 characters). @default the component name */
  serviceName?: string;
  /**
   * The server's settings, typed by its contract and checked with its own `validateServerSettings`.
   * `authMode` defaults to `'oauth'` (which needs `oauthIssuer`); `drainSeconds` defaults to 8 (see
   * `CLOUD_RUN_LIMITS.maxDrainSeconds`); `publicUrl` defaults to `https://<domainName>/mcp`, else the service's
   * deterministic `https://<service>-<project number>.<region>.run.app/mcp`.
   * @default { authMode: 'oauth', drainSeconds: 8 }
   */
  server?: ServerSettings;
  /**
   * Secret values: stored in Secret Manager and injected with `secretKeyRef`, never as plain environment.
   * @default none (`MCP_REQUEST_STATE_KEYS` is generated once and kept)
   */
  secrets?: McpSecretValues;
  /** Request timeout in seconds: ≤ 3600 and longer than the server's keep-alive interval. @default 3600 */
  requestTimeoutSeconds?: number;
  /** Requests per instance, every open stream counted (see CLOUD_RUN_DEFAULTS.concurrency). @default 200 */
  concurrency?: number;
  /** @default 0 */
  minInstances?: number;
  /** @default 10, or minInstances when that is larger */
  maxInstances?: number;
  /** CPU limit, e.g. `'1'`, `'2'`. @default '1' */
  cpu?: string;
  /** Memory limit, e.g. `'512Mi'`, `'1Gi'`. @default '512Mi' */
  memory?: string;
  /**
   * Keep CPU allocated outside requests (`resources.cpuIdle: false`, instance-based billing) so background timers
   * run. With `false`, CPU is throttled between requests (request-based billing). @default true
   */
  cpuAlwaysAllocated?: boolean;
  /** Extra CPU while an instance starts. @default true */
  startupCpuBoost?: boolean;
  /** See `CloudRunPublicAccess`. @default 'invoker-iam-disabled' */
  publicAccess?: CloudRunPublicAccess;
  /**
   * `INGRESS_TRAFFIC_ALL`, `INGRESS_TRAFFIC_INTERNAL_ONLY` or `INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER`.
   * @default 'INGRESS_TRAFFIC_ALL'
   */
  ingress?: string;
  /** Cloud Run deletion protection (the provider defaults it to true). @default true */
  deletionProtection?: boolean;
  /**
   * Custom domain, e.g. `mcp.example.com`, mapped with `cloudrun.DomainMapping` (the domain must be verified for
   * the deploying account; see the `dnsRecords` output for the records to create). @default none: the run.app URL
   */
  domainName?: string;
  /** Create an Artifact Registry repository (output `imageRepository`). @default true */
  artifactRegistry?: boolean;
  /** Enable the Google APIs the service needs. @default true */
  enableApis?: boolean;
  /**
   * The shared session store (`REDIS_URL`), with which `sessionMode: 'stateful'` and `authMode: 'broker'` work on any
   * number of instances and 2026-07-28 listen streams hear list changes made on another instance: `true` (or
   * settings) creates a Memorystore for Redis instance (AUTH, TLS) and the network path to it; an existing store is
   * given by the Secret Manager secret holding its URL. Refused for a stateless, non-broker service whose
   * `maxInstances` is 1 (nothing reads it). @default none
   */
  sessionStore?: boolean | CloudRunSessionStore | CloudRunExistingSessionStore;
  /**
   * Cloud Monitoring alert policies (5xx ratio, p99 latency, instances at maxInstances) and, with public access, an
   * uptime check of /healthz with its alert (docs/observability-infra.md). @default none
   */
  alerts?: CloudRunAlerts;
  /**
   * The Google-Built OpenTelemetry Collector as a sidecar: traces to Cloud Trace, metrics to Cloud Monitoring; sets
   * the server's OTEL_* variables and grants the service account roles/cloudtrace.agent and
   * roles/monitoring.metricWriter.
   * @default false
   */
  telemetry?: boolean;
  /** Added to the labels the component sets (`managed-by`, `app`, `mcp-service`). @default none */
  labels?: Record<string, string>;
}
