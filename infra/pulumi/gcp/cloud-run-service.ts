/**
 * `McpCloudRunService`: the remote MCP server on Google Cloud Run (v2 API), with its own service account, its
 * secrets in Secret Manager, the Google APIs it needs, an Artifact Registry repository and, optionally, a custom
 * domain.
 *
 * Every timing and path comes from the server's contract (`server/config/contract.ts`), so the service cannot
 * drift from the server it runs.
 */
import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import { CONTAINER_PORT, ENV, PATHS, redisUrl, type ServerSettings } from '../../../server/config/contract';
import { upstreamCallbackUrlOf } from '../../shared/broker';
import { CLOUD_RUN_MAX_DRAIN_SECONDS, CLOUD_RUN_SIGTERM_GRACE_SECONDS, cloudRunDrainProblem } from '../../shared/drain';
import { clientConfigOutput, type McpClientConfig } from '../common/client-config';
import { checkInteger, configFail } from '../common/errors';
import { checkAlerts, createMonitoring, createTelemetry, monitoringApis, type CloudRunAlerts, type CloudRunMonitoring, type CloudRunTelemetry } from './monitoring';
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
import { McpImageRepository } from './image-repository';
import { enableApis, resolveProjectAndRegion } from './project';

/**
 * How the service is reachable without Google credentials. MCP clients authenticate with the server's own OAuth
 * (or bearer tokens), not with Google-signed ID tokens, so the Cloud Run invoker check must let them through:
 *
 * - `'invoker-iam-disabled'` (default): `invokerIamDisabled: true` on the service. Google's recommended form for
 *   public services: it writes no IAM policy, so it works where the Domain Restricted Sharing policy
 *   (`iam.allowedPolicyMemberDomains`) forbids `allUsers` bindings, and it takes effect with the revision.
 * - `'all-users'`: an `allUsers` → `roles/run.invoker` binding on this service only.
 * - `'none'`: neither; callers need `roles/run.invoker` (for example behind IAP or an internal load balancer).
 *
 * The organization policy `constraints/run.managed.requireInvokerIam` forbids both public forms: an organization
 * that enforces it must exempt the project, or use `'none'` with a load balancer in front.
 */
export type CloudRunPublicAccess = 'invoker-iam-disabled' | 'all-users' | 'none';

/** Cloud Run's own limits. */
export const CLOUD_RUN_LIMITS = {
  /** Request timeout: Cloud Run allows up to 60 minutes; an SSE stream is cut when it is reached. */
  requestTimeoutSeconds: { min: 1, max: 3600 },
  /** Requests (open streams included) one instance serves at once. */
  concurrency: { min: 1, max: 1000 },
  /**
   * Cloud Run sends SIGTERM and kills the container 10 s later. The server must finish draining before that,
   * with time left for the process to exit and its last logs to flush: at most 8 s of drain.
   */
  sigtermGraceSeconds: CLOUD_RUN_SIGTERM_GRACE_SECONDS,
  maxDrainSeconds: CLOUD_RUN_MAX_DRAIN_SECONDS,
  /** A service name is at most 49 characters (and `<name>-<project number>` must fit one 63-character DNS label). */
  serviceNameMaxLength: 49,
} as const;

export const CLOUD_RUN_DEFAULTS = {
  /** The longest Cloud Run allows: tools may stream for a long time; clients reconnect after it. */
  requestTimeoutSeconds: 3600,
  /** See CLOUD_RUN_LIMITS.maxDrainSeconds: the server's own default (20 s) does not fit Cloud Run's 10 s grace. */
  drainSeconds: 8,
  /**
   * Every open request counts against concurrency, idle SSE streams included. An idle stream costs little memory
   * and no CPU, so a high value lets one instance hold many connected clients instead of Cloud Run scaling out
   * on connections; Cloud Run still scales out on CPU. Lower it for CPU-heavy tools.
   */
  concurrency: 200,
  /** Scale to zero when idle: cheapest; the first request after idling waits for a cold start (~1–3 s). */
  minInstances: 0,
  maxInstances: 10,
  cpu: '1',
  memory: '512Mi',
  /** `cpuIdle: false`: CPU stays allocated outside requests so the server's timers (keep-alives, session sweeps) run. */
  cpuAlwaysAllocated: true,
  startupCpuBoost: true,
  publicAccess: 'invoker-iam-disabled' as CloudRunPublicAccess,
  /** The provider's own default: a destroy or replace fails until it is set to false. */
  deletionProtection: true,
  ingress: 'INGRESS_TRAFFIC_ALL',
} as const;

/** Probe timings (paths and port come from the contract). */
export const CLOUD_RUN_PROBES = {
  /** Startup: `/readyz` every 2 s, up to 60 s for the server to become ready. */
  startup: { initialDelaySeconds: 0, periodSeconds: 2, timeoutSeconds: 1, failureThreshold: 30 },
  /** Liveness: `/healthz` every 15 s; three failures in a row restart the container. */
  liveness: { initialDelaySeconds: 0, periodSeconds: 15, timeoutSeconds: 3, failureThreshold: 3 },
  /** With Direct VPC egress (the session store): up to 180 s for the first connections through the VPC. */
  startupWithVpcEgressFailureThreshold: 90,
} as const;

const APIS = {
  run: 'run.googleapis.com',
  iam: 'iam.googleapis.com',
  secretManager: 'secretmanager.googleapis.com',
  redis: 'redis.googleapis.com',
  compute: 'compute.googleapis.com',
} as const;

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
  /** Range of the created egress subnet (a /26 or larger: Direct VPC egress takes about two addresses per instance). @default '10.8.0.0/24' */
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
  subnetwork?: pulumi.Input<string>;
}

export const SESSION_STORE_DEFAULTS = {
  tier: 'BASIC' as 'BASIC' | 'STANDARD_HA',
  memorySizeGb: 1,
  redisVersion: 'REDIS_7_2',
  subnetCidr: '10.8.0.0/24',
  /** Where the instance's server CA is mounted; `NODE_EXTRA_CA_CERTS` points Node's TLS at it. */
  caMountPath: '/etc/redis-ca',
  caFileName: 'server-ca.pem',
} as const;

export interface McpCloudRunServiceArgs {
  /** The server image, e.g. `us-central1-docker.pkg.dev/my-project/remote-mcp/server:1.0.0`. */
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
   */
  server?: ServerSettings;
  /** Secret values: stored in Secret Manager and injected with `secretKeyRef`, never as plain environment. */
  secrets?: McpSecretValues;
  /** Request timeout in seconds: ≤ 3600 and longer than the server's keep-alive interval. @default 3600 */
  requestTimeoutSeconds?: number;
  /** Requests per instance, every open stream counted (see CLOUD_RUN_DEFAULTS.concurrency). @default 200 */
  concurrency?: number;
  /** @default 0 */
  minInstances?: number;
  /** @default 10 */
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
  /** `INGRESS_TRAFFIC_ALL`, `INGRESS_TRAFFIC_INTERNAL_ONLY` or `INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER`. @default all */
  ingress?: string;
  /** Cloud Run deletion protection (the provider defaults it to true). @default true */
  deletionProtection?: boolean;
  /**
   * Custom domain, e.g. `mcp.example.com`, mapped with `cloudrun.DomainMapping` (the domain must be verified for
   * the deploying account; see the `dnsRecords` output for the records to create).
   */
  domainName?: string;
  /** Create an Artifact Registry repository (output `imageRepository`). @default true */
  artifactRegistry?: boolean;
  /** Enable the Google APIs the service needs. @default true */
  enableApis?: boolean;
  /**
   * The shared session store (`REDIS_URL`), with which `sessionMode: 'stateful'` works on any number of instances:
   * `true` (or settings) creates a Memorystore for Redis instance (AUTH, TLS) and the network path to it; an
   * existing store is given by the Secret Manager secret holding its URL. @default none
   */
  sessionStore?: boolean | CloudRunSessionStore | CloudRunExistingSessionStore;
  /**
   * Cloud Monitoring alert policies (5xx ratio, p99 latency, instances at maxInstances) and, with public access, an
   * uptime check of /healthz with its alert (docs/observability-infra.md). @default none
   */
  alerts?: CloudRunAlerts;
  /**
   * The Google-Built OpenTelemetry Collector as a sidecar: traces to Cloud Trace, metrics to Cloud Monitoring; sets the
   * server's OTEL_* variables and grants the service account roles/cloudtrace.agent and roles/monitoring.metricWriter.
   * @default false
   */
  telemetry?: boolean;
  labels?: Record<string, string>;
}

export class McpCloudRunService extends pulumi.ComponentResource {
  readonly service: gcp.cloudrunv2.Service;
  readonly serviceAccount: gcp.serviceaccount.Account;
  /** Secret Manager secrets by the contract's variable name. */
  readonly secrets: Record<string, gcp.secretmanager.Secret>;
  /** The service's `run.app` URL (`uri`). */
  readonly serviceUrl: pulumi.Output<string>;
  /** The exact MCP URL clients add (the server's `publicUrl`). */
  readonly mcpUrl: pulumi.Output<string>;
  /**
   * Broker mode: the redirect URI to register on the server's OAuth client at the upstream provider,
   * `<origin of mcpUrl>/oauth/callback`.
   */
  readonly upstreamCallbackUrl?: pulumi.Output<string>;
  readonly serviceName: pulumi.Output<string>;
  readonly serviceAccountEmail: pulumi.Output<string>;
  /** Snippets for Claude Desktop, Claude Code and VS Code. */
  readonly clientConfig: pulumi.Output<McpClientConfig>;
  /** Where to push images, when the component created a repository. */
  readonly imageRepository?: pulumi.Output<string>;
  /** DNS records to create for `domainName`. */
  readonly dnsRecords?: pulumi.Output<{ name: string; type?: string; rrdata: string }[]>;
  /** The Memorystore instance, when the component created the session store. */
  readonly sessionStore?: gcp.redis.Instance;
  /** The network created for the store (when no `sessionStore.network` was given) and its egress subnet. */
  readonly network?: gcp.compute.Network;
  readonly subnetwork?: gcp.compute.Subnetwork;
  /** The secret holding `REDIS_URL` (created, or the one given). */
  readonly redisUrlSecretId?: pulumi.Output<string>;
  /** With `alerts`: the alert policies, the uptime check and the created e-mail channel. */
  readonly monitoring?: CloudRunMonitoring;
  /** With `telemetry`: the collector sidecar and the service account's two roles. */
  readonly telemetry?: CloudRunTelemetry;
  /** `REDIS_URL` of the created store (with the AUTH string): a Pulumi secret. */
  readonly redisUrl?: pulumi.Output<string>;
  /** The instance's server CA certificates (PEM), mounted for `NODE_EXTRA_CA_CERTS`. */
  readonly sessionStoreCaCerts?: pulumi.Output<string>;

  constructor(name: string, args: McpCloudRunServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super('remote-mcp-stacks:gcp:McpCloudRunService', name, {}, opts);
    const where = `McpCloudRunService ${name}`;

    // ------------------------------------------------------------------ validation (before any resource)
    const { project, region } = resolveProjectAndRegion(where, args.project, args.region);
    const serviceName = args.serviceName ?? name;
    if (!/^[a-z]([a-z0-9-]*[a-z0-9])?$/.test(serviceName) || serviceName.length > CLOUD_RUN_LIMITS.serviceNameMaxLength) {
      configFail(
        where,
        `serviceName must be lowercase letters, digits and hyphens, start with a letter, not end with a hyphen, at most ${CLOUD_RUN_LIMITS.serviceNameMaxLength} characters; got '${serviceName}'`,
      );
    }
    const { settings, keepAliveSeconds } = resolveServerSettings(where, args, {
      defaultSeconds: CLOUD_RUN_DEFAULTS.drainSeconds,
      problem: cloudRunDrainProblem,
    });

    const timeout = args.requestTimeoutSeconds ?? CLOUD_RUN_DEFAULTS.requestTimeoutSeconds;
    checkInteger(where, 'requestTimeoutSeconds', timeout, CLOUD_RUN_LIMITS.requestTimeoutSeconds.min, CLOUD_RUN_LIMITS.requestTimeoutSeconds.max);
    if (timeout <= keepAliveSeconds) {
      configFail(where, `requestTimeoutSeconds (${timeout}) must exceed the server's keepAliveSeconds (${keepAliveSeconds}), or streams are cut between keep-alives`);
    }
    const concurrency = args.concurrency ?? CLOUD_RUN_DEFAULTS.concurrency;
    checkInteger(where, 'concurrency', concurrency, CLOUD_RUN_LIMITS.concurrency.min, CLOUD_RUN_LIMITS.concurrency.max);
    const minInstances = args.minInstances ?? CLOUD_RUN_DEFAULTS.minInstances;
    const maxInstances = args.maxInstances ?? Math.max(CLOUD_RUN_DEFAULTS.maxInstances, minInstances);
    checkInteger(where, 'minInstances', minInstances, 0, 1000);
    checkInteger(where, 'maxInstances', maxInstances, 1, 1000);
    if (minInstances > maxInstances) configFail(where, `minInstances (${minInstances}) must not exceed maxInstances (${maxInstances})`);
    const cpu = args.cpu ?? CLOUD_RUN_DEFAULTS.cpu;
    if (!/^(\d+(\.\d+)?|\d+m)$/.test(cpu)) configFail(where, `cpu must look like '1', '2' or '1000m', got '${cpu}'`);
    const memory = args.memory ?? CLOUD_RUN_DEFAULTS.memory;
    if (!/^\d+(Mi|Gi)$/.test(memory)) configFail(where, `memory must look like '512Mi' or '2Gi', got '${memory}'`);
    const cpuAlwaysAllocated = args.cpuAlwaysAllocated ?? CLOUD_RUN_DEFAULTS.cpuAlwaysAllocated;
    if (cpuAlwaysAllocated && (vcpus(cpu) < 1 || mebibytes(memory) < 512)) {
      configFail(where, `cpuAlwaysAllocated (instance-based billing) needs cpu of at least 1 and memory of at least 512Mi, got cpu '${cpu}', memory '${memory}'`);
    }
    if (vcpus(cpu) < 1 && concurrency > 1) {
      configFail(where, `cpu below 1 needs concurrency 1 on Cloud Run (every open stream would then hold an instance), got cpu '${cpu}' with concurrency ${concurrency}`);
    }
    const publicAccess = args.publicAccess ?? CLOUD_RUN_DEFAULTS.publicAccess;
    if (!['invoker-iam-disabled', 'all-users', 'none'].includes(publicAccess)) {
      configFail(where, `publicAccess must be 'invoker-iam-disabled', 'all-users' or 'none', got '${String(publicAccess)}'`);
    }
    const secrets = secretEntries(args.secrets, where);
    const stateful = settings.sessionMode === 'stateful';
    const store = resolveSessionStore(where, args.sessionStore);
    assertSecretsFitSettings(settings, secrets.map((s) => s.env), where, { sharedStore: store !== undefined });
    for (const warning of brokerWarnings(settings, secrets.map((s) => s.env), {
      instances: maxInstances > 1 ? `up to ${maxInstances} instances` : undefined,
      sharedStore: store !== undefined,
      fix: 'Set maxInstances to 1, or give the service a shared store (sessionStore: true, which holds the broker state, with the signing keys).',
      restarts: 'a new revision, scale-in, and every scale from zero',
    })) {
      pulumi.log.warn(`${where}: ${warning}`, this);
    }
    // The broker keeps its state in the store whatever the session mode; stateless MCP requests alone keep nothing.
    if (store && !stateful && settings.authMode !== 'broker') {
      configFail(
        where,
        "sessionStore is used only by sessionMode 'stateful' and authMode 'broker' (stateless requests keep nothing between them), and would be a billed instance that nothing reads: set `server: { sessionMode: 'stateful' }`, or remove sessionStore",
      );
    }
    // With a shared store any instance serves any session: nothing breaks on scale-out, nothing to warn about.
    if (stateful && !store) {
      // Allowed (session affinity routes a client back to its instance, best effort), but said plainly: a session
      // lives in one instance's memory.
      const scale =
        maxInstances > 1
          ? `with maxInstances ${maxInstances}, sessions break on scale-out, scale-in and restarts: a request that reaches another instance gets 404 (session not found), and some clients do not re-initialize. Set maxInstances to 1 to keep every session on one instance (a restart or a new revision still ends them), or`
          : 'maxInstances is 1, so every session stays on the one instance, but a restart or a new revision still ends them (404, and some clients do not re-initialize). Or';
      pulumi.log.warn(
        `${where}: sessionMode 'stateful' keeps each session in one instance's memory and Cloud Run's session affinity is best effort: ${scale} use sessionMode 'stateless', the robust choice, or give the service a shared session store (sessionStore: true).`,
        this,
      );
    }

    // ------------------------------------------------------------------ APIs, registry, identity
    const labels = { 'managed-by': 'pulumi', app: 'remote-mcp', 'mcp-service': serviceName, ...(args.labels ?? {}) };
    const created = store?.kind === 'create' ? store : undefined;
    const apiList: string[] = [
      APIS.run,
      APIS.iam,
      // Always: the requestState keys are a secret (given or generated).
      APIS.secretManager,
      ...(created ? [APIS.redis] : []),
      ...(created && (!created.network || created.egressFirewall) ? [APIS.compute] : []),
      ...monitoringApis(args),
    ];
    checkAlerts(where, args.alerts);
    const apis = args.enableApis === false ? [] : enableApis(name, project, apiList, this);

    if (args.artifactRegistry !== false) {
      const repo = new McpImageRepository(
        `${name}-images`,
        { project, region, repositoryId: serviceName, enableApi: args.enableApis !== false, labels },
        { parent: this },
      );
      this.imageRepository = repo.imageRepository;
    }

    // A dedicated identity: it can read this service's secrets and nothing else (no project-wide role).
    this.serviceAccount = new gcp.serviceaccount.Account(
      `${name}-sa`,
      {
        project,
        accountId: serviceAccountId(serviceName),
        displayName: `MCP server ${serviceName} (Cloud Run)`,
        description: 'Runtime identity of the remote MCP server; reads its own Secret Manager secrets only.',
      },
      { parent: this, dependsOn: apis },
    );
    const member = pulumi.interpolate`serviceAccount:${this.serviceAccount.email}`;
    if (args.telemetry) this.telemetry = createTelemetry(name, { project, serviceName, member }, this);

    // ------------------------------------------------------------------ secrets
    this.secrets = {};
    const secretEnvs: gcp.types.input.cloudrunv2.ServiceTemplateContainerEnv[] = [];
    const secretAccess: pulumi.Resource[] = [];
    /** A Secret Manager secret with one version, readable by this service account only. */
    const storeSecret = (slug: string, value: pulumi.Output<string>, keepFirstValue = false) => {
      const secret = new gcp.secretmanager.Secret(
        `${name}-${slug}`,
        { project, secretId: `${serviceName}-${slug}`, replication: { auto: {} }, labels },
        { parent: this, dependsOn: apis },
      );
      // secretData is a Pulumi secret (and the provider marks it secret too): it is encrypted in the state.
      // keepFirstValue: a value drawn on every run (generatedRequestStateKeys) keeps the one the version was created with.
      const version = new gcp.secretmanager.SecretVersion(
        `${name}-${slug}`,
        { secret: secret.id, secretData: value },
        { parent: this, ...(keepFirstValue ? { ignoreChanges: ['secretData'] } : {}) },
      );
      // accessor on this secret only, for this service account only
      secretAccess.push(
        new gcp.secretmanager.SecretIamMember(
          `${name}-${slug}-accessor`,
          { project, secretId: secret.secretId, role: 'roles/secretmanager.secretAccessor', member },
          { parent: this },
        ),
      );
      return { secret, version };
    };
    for (const s of secrets) {
      const { secret, version } = storeSecret(s.slug, s.value);
      this.secrets[s.env] = secret;
      // Pinned to the version just written: a new value makes a new version and so a new revision.
      secretEnvs.push({ name: s.env, valueSource: { secretKeyRef: { secret: secret.secretId, version: version.version } } });
    }
    // The requestState keys, unless given: one generated key for every instance (a retry may reach another one), kept
    // across runs; the server refuses to start on Cloud Run's address without them.
    if (!secrets.some((s) => s.env === ENV.requestStateKeys)) {
      const slug = 'request-state-keys';
      const { secret, version } = storeSecret(slug, generatedRequestStateKeys(), true);
      this.secrets[ENV.requestStateKeys] = secret;
      secretEnvs.push({ name: ENV.requestStateKeys, valueSource: { secretKeyRef: { secret: secret.secretId, version: version.version } } });
    }

    // ------------------------------------------------------------------ shared session store
    let vpcAccess: gcp.types.input.cloudrunv2.ServiceTemplateVpcAccess | undefined;
    const storeEnvs: gcp.types.input.cloudrunv2.ServiceTemplateContainerEnv[] = [];
    const volumes: gcp.types.input.cloudrunv2.ServiceTemplateVolume[] = [];
    const volumeMounts: gcp.types.input.cloudrunv2.ServiceTemplateContainerVolumeMount[] = [];
    const networkPath: pulumi.Resource[] = [];
    if (store?.kind === 'existing') {
      // Read access on the given secret only; the URL reaches the container only through secretKeyRef.
      secretAccess.push(
        new gcp.secretmanager.SecretIamMember(
          `${name}-redis-url-accessor`,
          { project, secretId: store.redisUrlSecret, role: 'roles/secretmanager.secretAccessor', member },
          { parent: this },
        ),
      );
      this.redisUrlSecretId = pulumi.output(store.redisUrlSecret);
      secretEnvs.push({ name: ENV.redisUrl, valueSource: { secretKeyRef: { secret: store.redisUrlSecret, version: store.redisUrlSecretVersion ?? 'latest' } } });
      if (store.network !== undefined || store.subnetwork !== undefined) {
        vpcAccess = { egress: 'PRIVATE_RANGES_ONLY', networkInterfaces: [{ network: store.network, subnetwork: store.subnetwork }] };
      }
    } else if (created) {
      // The network: the one given, or a new one that holds nothing but this service's egress (so nothing else in it
      // can reach the instance at all).
      let network: pulumi.Input<string>;
      let subnetwork: pulumi.Input<string> | undefined;
      if (created.network !== undefined) {
        network = created.network;
        subnetwork = created.subnetwork;
      } else {
        this.network = new gcp.compute.Network(
          `${name}-sessions`,
          {
            project,
            name: `${serviceName}-sessions`,
            description: `Session store network of the MCP server ${serviceName}: its Cloud Run egress and its Memorystore instance only`,
            autoCreateSubnetworks: false,
          },
          { parent: this, dependsOn: apis },
        );
        this.subnetwork = new gcp.compute.Subnetwork(
          `${name}-run-egress`,
          {
            project,
            region,
            name: `${serviceName}-run-egress`,
            description: `Direct VPC egress of the Cloud Run service ${serviceName}`,
            network: this.network.id,
            ipCidrRange: created.subnetCidr,
          },
          { parent: this },
        );
        network = this.network.id;
        subnetwork = this.subnetwork.id;
        networkPath.push(this.subnetwork);
      }

      // Connect mode DIRECT_PEERING (the default): Memorystore peers its producer network with `network` by itself, and
      // Direct VPC egress gives each Cloud Run instance an address in our subnet, so the instance is reached like from
      // a VM in that network (peering is not transitive, but nothing transitive is needed). PRIVATE_SERVICE_ACCESS
      // works as well but needs an allocated range and a servicenetworking connection in the network — more to create
      // and to own (it is the mode for Shared VPC service projects; bring such a network and store as `redisUrlSecret`).
      this.sessionStore = new gcp.redis.Instance(
        `${name}-sessions`,
        {
          project,
          region,
          name: redisInstanceId(serviceName),
          displayName: `MCP sessions (${serviceName})`,
          tier: created.tier,
          memorySizeGb: created.memorySizeGb,
          redisVersion: created.redisVersion,
          authorizedNetwork: network,
          connectMode: 'DIRECT_PEERING',
          // AUTH: a client needs the instance's AUTH string (a Pulumi secret), not only a network path.
          authEnabled: true,
          // TLS with a per-instance Google-managed CA (port 6378 instead of 6379): the URL is rediss://.
          transitEncryptionMode: 'SERVER_AUTHENTICATION',
          deletionProtection: args.deletionProtection ?? CLOUD_RUN_DEFAULTS.deletionProtection,
          labels,
        },
        // After the subnet: Memorystore picks its /29 among the ranges still free in the network.
        { parent: this, dependsOn: [...apis, ...networkPath] },
      );
      const instance = this.sessionStore;

      // Who can connect. Memorystore lives in Google's producer network: ingress firewall rules of `network` do not
      // apply to it (they filter traffic to our own VM and Cloud Run interfaces), so an ingress rule "the store's port
      // from the egress subnet" would only look like a control. What restricts access, in order of strength:
      //   1. AUTH (authEnabled): without the AUTH string — a Pulumi secret, in Secret Manager, readable by this
      //      service account only — every command is refused;
      //   2. the network: only clients in `network` have a route to the instance (peering is not transitive; routes
      //      exported to a VPN or Interconnect aside), and a created network holds nothing but this service's egress;
      //   3. EGRESS rules, which do apply to the clients in `network` (VMs and Direct VPC egress alike): connections to
      //      the instance's range are denied unless the client carries this service's network tag. (A rule of higher
      //      priority that allows all egress would override them: it is the network owner's call.)
      const clientTag = `${serviceName}-redis-client`.slice(0, 63).replace(/-+$/, '');
      if (created.egressFirewall) {
        const range = [instance.effectiveReservedIpRange];
        networkPath.push(
          new gcp.compute.Firewall(
            `${name}-redis-allow`,
            {
              project,
              network,
              name: `${serviceName}-redis-allow`,
              description: `Only the Cloud Run service ${serviceName} (network tag ${clientTag}) connects to its session store`,
              direction: 'EGRESS',
              priority: 1000,
              destinationRanges: range,
              targetTags: [clientTag],
              allows: [{ protocol: 'tcp', ports: [instance.port.apply(String)] }],
            },
            { parent: this, dependsOn: apis },
          ),
          new gcp.compute.Firewall(
            `${name}-redis-deny`,
            {
              project,
              network,
              name: `${serviceName}-redis-deny`,
              description: `Nothing else in the network connects to the session store of ${serviceName}`,
              direction: 'EGRESS',
              priority: 1010,
              destinationRanges: range,
              denies: [{ protocol: 'all' }],
            },
            { parent: this, dependsOn: apis },
          ),
        );
      }
      // Direct VPC egress (no connector): private ranges go through the VPC, everything else (the authorization
      // server, Google APIs) leaves as before.
      vpcAccess = { egress: 'PRIVATE_RANGES_ONLY', networkInterfaces: [{ network, subnetwork, tags: [clientTag] }] };

      // REDIS_URL, built by the contract's helper; the AUTH string makes it a secret, and it is wrapped explicitly.
      const url = pulumi.secret(
        pulumi.all([instance.host, instance.port, instance.authString]).apply(([host, port, password]) => redisUrl(host, { port, tls: true, password })),
      );
      this.redisUrl = url;
      const urlSecret = storeSecret('redis-url', url);
      this.secrets[ENV.redisUrl] = urlSecret.secret;
      this.redisUrlSecretId = urlSecret.secret.secretId;
      secretEnvs.push({ name: ENV.redisUrl, valueSource: { secretKeyRef: { secret: urlSecret.secret.secretId, version: urlSecret.version.version } } });

      // The server CA is Google-managed per instance and not in Node's trust store. Node adds the certificates of the
      // file named by NODE_EXTRA_CA_CERTS (a Node variable, not a server setting) to its default CAs at start-up, so
      // the store's client verifies the server without any server option. Cloud Run mounts files only from Secret
      // Manager: the PEM (public) goes there. A CA rotation shows in serverCaCerts and makes a new revision.
      this.sessionStoreCaCerts = instance.serverCaCerts.apply((certs) => (certs ?? []).map((c) => c.cert.trim()).join('\n') + '\n');
      const ca = storeSecret('redis-ca', this.sessionStoreCaCerts);
      volumes.push({ name: 'redis-ca', secret: { secret: ca.secret.secretId, items: [{ version: ca.version.version, path: SESSION_STORE_DEFAULTS.caFileName }] } });
      volumeMounts.push({ name: 'redis-ca', mountPath: SESSION_STORE_DEFAULTS.caMountPath });
      storeEnvs.push({ name: 'NODE_EXTRA_CA_CERTS', value: `${SESSION_STORE_DEFAULTS.caMountPath}/${SESSION_STORE_DEFAULTS.caFileName}` });
    }

    // ------------------------------------------------------------------ the service
    const publicUrl: pulumi.Output<string> = settings.publicUrl
      ? pulumi.output(settings.publicUrl)
      : gcp.organizations
          .getProjectOutput({ projectId: project }, { parent: this })
          .number.apply((projectNumber) => deterministicUrl(serviceName, projectNumber, region) + PATHS.mcp);

    // Cloud Run reserves PORT and sets it itself to the container port below (CONTAINER_PORT); setting it is an error.
    const plainEnvs = publicUrl.apply((url) => envPairs(plainEnvironment({ ...settings, publicUrl: url }, { omitPort: true })));

    this.service = new gcp.cloudrunv2.Service(
      name,
      {
        project,
        location: region,
        name: serviceName,
        description: 'Remote MCP server (remote-mcp-stacks)',
        ingress: args.ingress ?? CLOUD_RUN_DEFAULTS.ingress,
        invokerIamDisabled: publicAccess === 'invoker-iam-disabled',
        deletionProtection: args.deletionProtection ?? CLOUD_RUN_DEFAULTS.deletionProtection,
        labels,
        template: {
          serviceAccount: this.serviceAccount.email,
          timeout: `${timeout}s`,
          maxInstanceRequestConcurrency: concurrency,
          // Stateful sessions without a store live in one instance's memory: route a client back to it (best effort,
          // cookie-based). With a shared store it is no longer needed for correctness, and it stays on as a latency
          // optimisation: a session's requests keep landing where its state is already cached and its stream is open,
          // instead of crossing instances through the store.
          sessionAffinity: stateful,
          scaling: { minInstanceCount: minInstances, maxInstanceCount: maxInstances },
          labels,
          vpcAccess,
          volumes: volumes.length > 0 ? volumes : undefined,
          containers: [
            {
              name: 'mcp',
              image: args.image,
              ports: { name: 'http1', containerPort: CONTAINER_PORT },
              envs: pulumi
                .all([plainEnvs, storeEnvs, secretEnvs])
                .apply(([plain, store, fromSecrets]) => [...plain, ...(this.telemetry?.serverEnvs ?? []), ...store, ...fromSecrets]),
              volumeMounts: volumeMounts.length > 0 ? volumeMounts : undefined,
              resources: {
                limits: { cpu, memory },
                // Set explicitly: when `resources` is given, Cloud Run's default would throttle CPU between requests.
                cpuIdle: !cpuAlwaysAllocated,
                startupCpuBoost: args.startupCpuBoost ?? CLOUD_RUN_DEFAULTS.startupCpuBoost,
              },
              // With VPC egress, Google warns that connections may take a minute or more to work after an instance
              // starts: the startup budget grows so that /readyz can wait for the store.
              startupProbe: {
                ...CLOUD_RUN_PROBES.startup,
                ...(vpcAccess ? { failureThreshold: CLOUD_RUN_PROBES.startupWithVpcEgressFailureThreshold } : {}),
                httpGet: { path: PATHS.readyz, port: CONTAINER_PORT },
              },
              livenessProbe: { ...CLOUD_RUN_PROBES.liveness, httpGet: { path: PATHS.healthz, port: CONTAINER_PORT } },
            },
            // The sidecar's CPU is allocated as the server's (Cloud Run bills the instance either way).
            ...(this.telemetry ? [{ ...this.telemetry.container, resources: { ...this.telemetry.container.resources, cpuIdle: !cpuAlwaysAllocated } }] : []),
          ],
        },
        traffics: [{ type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST', percent: 100 }],
      },
      // The name is fixed (the public URL derives from it), so a replacement must delete first.
      { parent: this, dependsOn: [...apis, ...secretAccess, ...networkPath], deleteBeforeReplace: true },
    );

    if (publicAccess === 'all-users') {
      new gcp.cloudrunv2.ServiceIamMember(
        `${name}-public-invoker`,
        { project, location: region, name: this.service.name, role: 'roles/run.invoker', member: 'allUsers' },
        { parent: this },
      );
    }

    if (args.domainName) {
      const mapping = new gcp.cloudrun.DomainMapping(
        `${name}-domain`,
        {
          project,
          location: region,
          name: args.domainName,
          metadata: { namespace: project, labels },
          spec: { routeName: this.service.name },
        },
        { parent: this },
      );
      this.dnsRecords = mapping.statuses.apply((statuses) =>
        (statuses ?? []).flatMap((s) => (s.resourceRecords ?? []).map((r) => ({ name: r.name, type: r.type, rrdata: r.rrdata }))),
      );
    }

    if (args.alerts) {
      this.monitoring = createMonitoring(
        name,
        {
          project,
          serviceName,
          maxInstances,
          alerts: args.alerts,
          // Without public access /healthz answers 403 to the checkers: no uptime check then.
          uptimeUrl: publicAccess === 'none' ? undefined : this.service.uri,
          labels,
        },
        this,
      );
    }

    this.serviceUrl = this.service.uri;
    this.mcpUrl = publicUrl;
    if (settings.authMode === 'broker') this.upstreamCallbackUrl = publicUrl.apply(upstreamCallbackUrlOf);
    this.serviceName = this.service.name;
    this.serviceAccountEmail = this.serviceAccount.email;
    this.clientConfig = clientConfigOutput(serviceName, publicUrl, settings.authMode);
    this.registerOutputs({
      serviceUrl: this.serviceUrl,
      mcpUrl: this.mcpUrl,
      upstreamCallbackUrl: this.upstreamCallbackUrl,
      serviceName: this.serviceName,
      serviceAccountEmail: this.serviceAccountEmail,
      clientConfig: this.clientConfig,
      imageRepository: this.imageRepository,
      dnsRecords: this.dnsRecords,
      sessionStoreHost: this.sessionStore?.host,
      sessionStorePort: this.sessionStore?.port,
      networkId: this.network?.id,
      subnetworkId: this.subnetwork?.id,
      redisUrlSecretId: this.redisUrlSecretId,
      sessionStoreCaCerts: this.sessionStoreCaCerts,
    });
  }
}

/**
 * Cloud Run's deterministic URL, known before the service exists (the server needs its own URL as `publicUrl`):
 * `https://<service>-<project number>.<region>.run.app`.
 */
export function deterministicUrl(serviceName: string, projectNumber: string, region: string): string {
  if (`${serviceName}-${projectNumber}`.length > 63) {
    throw new Error(
      `The deterministic URL of Cloud Run service '${serviceName}' does not exist ('<service>-<project number>' is longer than 63 characters): shorten serviceName or set server.publicUrl`,
    );
  }
  return `https://${serviceName}-${projectNumber}.${region}.run.app`;
}

/** A service account ID (6–30 characters) derived from the service name. */
export function serviceAccountId(serviceName: string): string {
  const base = serviceName.slice(0, 26).replace(/-+$/, '');
  const id = `${base}-run`;
  return id.length >= 6 ? id : `${base}-mcp-run`;
}

/** vCPUs of a Cloud Run CPU limit ('1', '0.5', '1000m'). */
function vcpus(cpu: string): number {
  return cpu.endsWith('m') ? Number(cpu.slice(0, -1)) / 1000 : Number(cpu);
}

/** MiB of a Cloud Run memory limit ('512Mi', '2Gi'). */
function mebibytes(memory: string): number {
  return memory.endsWith('Gi') ? Number(memory.slice(0, -2)) * 1024 : Number(memory.slice(0, -2));
}

type ResolvedSessionStore =
  | ({ kind: 'create' } & Required<Omit<CloudRunSessionStore, 'network' | 'subnetwork'>> & Pick<CloudRunSessionStore, 'network' | 'subnetwork'>)
  | ({ kind: 'existing' } & CloudRunExistingSessionStore);

/** `sessionStore` checked, with the defaults applied; undefined when there is none. */
function resolveSessionStore(where: string, arg: McpCloudRunServiceArgs['sessionStore']): ResolvedSessionStore | undefined {
  if (arg === undefined || arg === false) return undefined;
  if (arg !== true && typeof arg !== 'object') configFail(where, `sessionStore must be true, false or an object, got ${JSON.stringify(arg)}`);
  if (arg !== true && 'redisUrlSecret' in arg) {
    const other = Object.keys(arg).filter((k) => !['redisUrlSecret', 'redisUrlSecretVersion', 'network', 'subnetwork'].includes(k));
    if (other.length > 0) configFail(where, `sessionStore.redisUrlSecret names an existing store: ${other.join(', ')} would configure one to create`);
    return { kind: 'existing', ...arg };
  }
  const a: CloudRunSessionStore = arg === true ? {} : arg;
  const d = SESSION_STORE_DEFAULTS;
  const tier = a.tier ?? d.tier;
  if (tier !== 'BASIC' && tier !== 'STANDARD_HA') configFail(where, `sessionStore.tier must be BASIC or STANDARD_HA, got '${String(tier)}'`);
  const memorySizeGb = a.memorySizeGb ?? d.memorySizeGb;
  checkInteger(where, 'sessionStore.memorySizeGb', memorySizeGb, 1, 300);
  const redisVersion = a.redisVersion ?? d.redisVersion;
  const version = /^REDIS_(\d+)_(\d+)$/.exec(redisVersion);
  if (!version || Number(version[1]) < 7) configFail(where, `sessionStore.redisVersion must be REDIS_7_0 or later (the server needs Redis 7+), got '${redisVersion}'`);
  if (a.subnetwork !== undefined && a.network === undefined) configFail(where, 'sessionStore.subnetwork needs sessionStore.network (the network it belongs to)');
  if (a.subnetCidr !== undefined && a.network !== undefined) configFail(where, 'sessionStore.subnetCidr applies only to the network the component creates (without sessionStore.network)');
  const subnetCidr = a.subnetCidr ?? d.subnetCidr;
  const cidr = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(subnetCidr);
  if (!cidr || cidr.slice(1, 5).some((o) => Number(o) > 255) || Number(cidr[5]) < 8 || Number(cidr[5]) > 26) {
    configFail(where, `sessionStore.subnetCidr must be an IPv4 range from /8 to /26 (Direct VPC egress needs at least a /26), got '${subnetCidr}'`);
  }
  return { kind: 'create', tier, memorySizeGb, redisVersion, subnetCidr, egressFirewall: a.egressFirewall ?? true, network: a.network, subnetwork: a.subnetwork };
}

/** A Memorystore instance ID (lowercase, at most 40 characters) derived from the service name. */
export function redisInstanceId(serviceName: string): string {
  return `${serviceName.slice(0, 31).replace(/-+$/, '')}-sessions`;
}
