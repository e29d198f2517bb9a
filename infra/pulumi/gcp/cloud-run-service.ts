/**
 * `McpCloudRunService`: the remote MCP server on Google Cloud Run (v2 API), with its own service account, its
 * secrets in Secret Manager, the Google APIs it needs, an Artifact Registry repository and, optionally, a custom
 * domain, a shared session store, alerts and a telemetry sidecar.
 *
 * Every timing and path comes from the server's contract (`server/config/contract.ts`) and Cloud Run's facts
 * from `infra/shared/cloud-run.ts`, so the service cannot drift from the server it runs. The arguments are in
 * `cloud-run-service-args.ts`, their checks and defaults in `resolve-args.ts`: this constructor only wires.
 */
import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import { CONTAINER_PORT, ENV, PATHS } from '../../../server/config/contract';
import { upstreamCallbackUrlOf } from '../../shared/broker';
import { CLOUD_RUN_LIMITS, CLOUD_RUN_PROBES } from '../../shared/cloud-run';
import { clientConfigOutput, type McpClientConfig } from '../common/client-config';
import { envPairs, generatedRequestStateKeys, plainEnvironment } from '../common/server-settings';
import type { McpCloudRunServiceArgs } from './cloud-run-service-args';
import { McpImageRepository } from './image-repository';
import { createMonitoring, createTelemetry, type CloudRunMonitoring, type CloudRunTelemetry } from './monitoring';
import { enableApis } from './project';
import { resolveCloudRunArgs, type ResolvedCloudRunArgs } from './resolve-args';
import { ServiceSecrets } from './service-secrets';
import { connectExistingSessionStore, createSessionStore, type SessionStoreWiring } from './session-store';

export {
  CLOUD_RUN_DEFAULTS,
  CLOUD_RUN_LIMITS,
  CLOUD_RUN_PROBES,
  type CloudRunPublicAccess,
} from '../../shared/cloud-run';
export type {
  CloudRunExistingSessionStore,
  CloudRunSessionStore,
  McpCloudRunServiceArgs,
} from './cloud-run-service-args';
export { SESSION_STORE_DEFAULTS, redisInstanceId } from './session-store';

type DnsRecord = { name: string; type?: string; rrdata: string };

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
  readonly dnsRecords?: pulumi.Output<DnsRecord[]>;
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
    const resolved = resolveCloudRunArgs(name, args, (warning) => pulumi.log.warn(warning, this));
    const { project, region, serviceName, labels } = resolved;

    const apis = enableApis(name, project, resolved.apis, this);
    if (resolved.artifactRegistry) {
      const enableApi = args.enableApis !== false;
      const repositoryArgs = { project, region, repositoryId: serviceName, enableApi, labels };
      this.imageRepository = new McpImageRepository(`${name}-images`, repositoryArgs, { parent: this }).imageRepository;
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

    const secrets = new ServiceSecrets(name, { project, serviceName, labels, member, apis }, this);
    for (const given of resolved.secrets) secrets.storeAndInject(given.env, given.slug, given.value);
    // The requestState keys, unless given: one generated key for every instance (a retry may reach another one),
    // kept across runs; the server refuses to start on Cloud Run's address without them.
    if (!resolved.secrets.some((s) => s.env === ENV.requestStateKeys)) {
      secrets.storeAndInject(ENV.requestStateKeys, 'request-state-keys', generatedRequestStateKeys(), true);
    }
    this.secrets = secrets.byEnv;

    const storeContext = { name, project, region, serviceName, labels, apis, secrets, parent: this };
    const store = resolved.sessionStore;
    const sessionStore: SessionStoreWiring | undefined =
      store?.kind === 'existing'
        ? connectExistingSessionStore(store, { ...storeContext, deletionProtection: resolved.deletionProtection })
        : store?.kind === 'create'
          ? createSessionStore(store, { ...storeContext, deletionProtection: resolved.deletionProtection })
          : undefined;
    this.sessionStore = sessionStore?.instance;
    this.network = sessionStore?.network;
    this.subnetwork = sessionStore?.subnetwork;
    this.redisUrl = sessionStore?.redisUrl;
    this.redisUrlSecretId = sessionStore?.redisUrlSecretId;
    this.sessionStoreCaCerts = sessionStore?.caCerts;

    const publicUrl: pulumi.Output<string> = resolved.settings.publicUrl
      ? pulumi.output(resolved.settings.publicUrl)
      : gcp.organizations
          .getProjectOutput({ projectId: project }, { parent: this })
          .number.apply((projectNumber) => deterministicUrl(serviceName, projectNumber, region) + PATHS.mcp);
    this.service = this.createService(name, resolved, { args, publicUrl, secrets, sessionStore, apis });

    if (resolved.publicAccess === 'all-users') {
      new gcp.cloudrunv2.ServiceIamMember(
        `${name}-public-invoker`,
        { project, location: region, name: this.service.name, role: 'roles/run.invoker', member: 'allUsers' },
        { parent: this },
      );
    }
    if (args.domainName) this.dnsRecords = this.mapDomain(name, args.domainName, resolved);
    if (args.alerts) {
      this.monitoring = createMonitoring(
        name,
        {
          project,
          serviceName,
          maxInstances: resolved.maxInstances,
          alerts: args.alerts,
          // Without public access /healthz answers 403 to the checkers: no uptime check then.
          uptimeUrl: resolved.publicAccess === 'none' ? undefined : this.service.uri,
          labels,
        },
        this,
      );
    }

    this.serviceUrl = this.service.uri;
    this.mcpUrl = publicUrl;
    if (resolved.settings.authMode === 'broker') this.upstreamCallbackUrl = publicUrl.apply(upstreamCallbackUrlOf);
    this.serviceName = this.service.name;
    this.serviceAccountEmail = this.serviceAccount.email;
    this.clientConfig = clientConfigOutput(serviceName, publicUrl, resolved.settings.authMode);
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

  /** The Cloud Run service: one server container (and the collector sidecar), its variables and probes. */
  private createService(
    name: string,
    resolved: ResolvedCloudRunArgs,
    parts: {
      args: McpCloudRunServiceArgs;
      publicUrl: pulumi.Output<string>;
      secrets: ServiceSecrets;
      sessionStore: SessionStoreWiring | undefined;
      apis: pulumi.Resource[];
    },
  ): gcp.cloudrunv2.Service {
    const { settings, cpuAlwaysAllocated, labels } = resolved;
    const { sessionStore, secrets } = parts;
    const vpcAccess = sessionStore?.vpcAccess;
    const volumes = sessionStore?.volumes ?? [];
    const volumeMounts = sessionStore?.volumeMounts ?? [];
    // Cloud Run reserves PORT and sets it itself to the container port below (CONTAINER_PORT); setting it is an error.
    const plainEnvs = parts.publicUrl.apply((url) =>
      envPairs(plainEnvironment({ ...settings, publicUrl: url }, { omitPort: true })),
    );
    const envs = pulumi
      .all([plainEnvs, sessionStore?.envs ?? [], secrets.envs])
      .apply(([plain, store, fromSecrets]) => [
        ...plain,
        ...(this.telemetry?.serverEnvs ?? []),
        ...store,
        ...fromSecrets,
      ]);
    const server = {
      name: 'mcp',
      image: parts.args.image,
      ports: { name: 'http1', containerPort: CONTAINER_PORT },
      envs,
      volumeMounts: volumeMounts.length > 0 ? volumeMounts : undefined,
      resources: {
        limits: { cpu: resolved.cpu, memory: resolved.memory },
        // Set explicitly: when `resources` is given, Cloud Run's default would throttle CPU between requests.
        cpuIdle: !cpuAlwaysAllocated,
        startupCpuBoost: resolved.startupCpuBoost,
      },
      // With VPC egress, Google warns that connections may take a minute or more to work after an instance
      // starts: the startup budget grows so that /readyz can wait for the store.
      startupProbe: {
        ...CLOUD_RUN_PROBES.startup,
        ...(vpcAccess ? { failureThreshold: CLOUD_RUN_PROBES.startupWithVpcEgressFailureThreshold } : {}),
        httpGet: { path: PATHS.readyz, port: CONTAINER_PORT },
      },
      livenessProbe: { ...CLOUD_RUN_PROBES.liveness, httpGet: { path: PATHS.healthz, port: CONTAINER_PORT } },
    };
    // The sidecar's CPU is allocated as the server's (Cloud Run bills the instance either way).
    const collector = this.telemetry?.container;
    const sidecars = collector
      ? [{ ...collector, resources: { ...collector.resources, cpuIdle: !cpuAlwaysAllocated } }]
      : [];
    return new gcp.cloudrunv2.Service(
      name,
      {
        project: resolved.project,
        location: resolved.region,
        name: resolved.serviceName,
        description: 'Remote MCP server (remote-mcp-stacks)',
        ingress: resolved.ingress,
        invokerIamDisabled: resolved.publicAccess === 'invoker-iam-disabled',
        deletionProtection: resolved.deletionProtection,
        labels,
        template: {
          serviceAccount: this.serviceAccount.email,
          timeout: `${resolved.requestTimeoutSeconds}s`,
          maxInstanceRequestConcurrency: resolved.concurrency,
          // Stateful sessions without a store live in one instance's memory: route a client back to it (best effort,
          // cookie-based). With a shared store it is no longer needed for correctness, and it stays on as a latency
          // optimisation: a session's requests keep landing where its state is already cached and its stream is open,
          // instead of crossing instances through the store.
          sessionAffinity: resolved.stateful,
          scaling: { minInstanceCount: resolved.minInstances, maxInstanceCount: resolved.maxInstances },
          labels,
          vpcAccess,
          volumes: volumes.length > 0 ? volumes : undefined,
          containers: [server, ...sidecars],
        },
        traffics: [{ type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST', percent: 100 }],
      },
      // The name is fixed (the public URL derives from it), so a replacement must delete first.
      {
        parent: this,
        dependsOn: [...parts.apis, ...secrets.readGrants, ...(sessionStore?.networkPath ?? [])],
        deleteBeforeReplace: true,
      },
    );
  }

  /** `domainName` mapped to the service; returns the DNS records to create. */
  private mapDomain(name: string, domainName: string, resolved: ResolvedCloudRunArgs): pulumi.Output<DnsRecord[]> {
    const { project, region, labels } = resolved;
    const mapping = new gcp.cloudrun.DomainMapping(
      `${name}-domain`,
      {
        project,
        location: region,
        name: domainName,
        metadata: { namespace: project, labels },
        spec: { routeName: this.service.name },
      },
      { parent: this },
    );
    return mapping.statuses.apply((statuses) =>
      (statuses ?? []).flatMap((s) =>
        (s.resourceRecords ?? []).map((r) => ({ name: r.name, type: r.type, rrdata: r.rrdata })),
      ),
    );
  }
}

/**
 * Cloud Run's deterministic URL, known before the service exists (the server needs its own URL as `publicUrl`):
 * `https://<service>-<project number>.<region>.run.app`.
 */
export function deterministicUrl(serviceName: string, projectNumber: string, region: string): string {
  if (`${serviceName}-${projectNumber}`.length > CLOUD_RUN_LIMITS.deterministicHostLabelMaxLength) {
    throw new Error(
      `The deterministic URL of Cloud Run service '${serviceName}' does not exist ('<service>-<project number>' is ` +
        'longer than 63 characters): shorten serviceName or set server.publicUrl',
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
