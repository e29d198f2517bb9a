/**
 * The shared session store of `McpCloudRunService` (`REDIS_URL`): a created Memorystore for Redis instance (AUTH,
 * TLS, its own network unless one is given, egress firewall rules), or an existing store's URL in Secret Manager.
 * Resources are children of the service component (their names and parents are those of earlier versions).
 */
import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import { ENV, redisUrl } from '../../../server/config/contract';
import type { CloudRunExistingSessionStore, CloudRunSessionStore } from './cloud-run-service-args';
import type { ServiceSecrets } from './service-secrets';

export const SESSION_STORE_DEFAULTS = {
  tier: 'BASIC' as 'BASIC' | 'STANDARD_HA',
  memorySizeGb: 1,
  redisVersion: 'REDIS_7_2',
  subnetCidr: '10.8.0.0/24',
  /** Where the instance's server CA is mounted; `NODE_EXTRA_CA_CERTS` points Node's TLS at it. */
  caMountPath: '/etc/redis-ca',
  caFileName: 'server-ca.pem',
} as const;

/** A store to create, with its defaults applied. */
export type CreatedSessionStore = { kind: 'create' } & Required<Omit<CloudRunSessionStore, 'network' | 'subnetwork'>> &
  Pick<CloudRunSessionStore, 'network' | 'subnetwork'>;
export type ResolvedSessionStore = CreatedSessionStore | ({ kind: 'existing' } & CloudRunExistingSessionStore);

/** A Memorystore instance ID (lowercase, at most 40 characters) derived from the service name. */
export function redisInstanceId(serviceName: string): string {
  return `${serviceName.slice(0, 31).replace(/-+$/, '')}-sessions`;
}

export interface SessionStoreContext {
  /** The component's name: the prefix of resource names. */
  name: string;
  project: string;
  region: string;
  serviceName: string;
  labels: Record<string, string>;
  deletionProtection: boolean;
  /** The enabled APIs. */
  apis: pulumi.Resource[];
  /** The service's secrets: `REDIS_URL` (and the store's CA) go there. */
  secrets: ServiceSecrets;
  parent: pulumi.Resource;
}

/** What the Cloud Run service takes from the store. */
export interface SessionStoreWiring {
  vpcAccess?: gcp.types.input.cloudrunv2.ServiceTemplateVpcAccess;
  /** Plain variables (the CA file for Node's TLS). */
  envs: gcp.types.input.cloudrunv2.ServiceTemplateContainerEnv[];
  volumes: gcp.types.input.cloudrunv2.ServiceTemplateVolume[];
  volumeMounts: gcp.types.input.cloudrunv2.ServiceTemplateContainerVolumeMount[];
  /** The service must wait for these (the subnet, the firewall rules). */
  networkPath: pulumi.Resource[];
  redisUrlSecretId: pulumi.Output<string>;
  /** Created store only. */
  instance?: gcp.redis.Instance;
  network?: gcp.compute.Network;
  subnetwork?: gcp.compute.Subnetwork;
  redisUrl?: pulumi.Output<string>;
  caCerts?: pulumi.Output<string>;
}

/** Connects the service to an existing store: read access on its URL secret, and VPC egress when given. */
export function connectExistingSessionStore(
  store: { kind: 'existing' } & CloudRunExistingSessionStore,
  context: SessionStoreContext,
): SessionStoreWiring {
  // Read access on the given secret only; the URL reaches the container only through secretKeyRef.
  context.secrets.grantRead('redis-url-accessor', store.redisUrlSecret);
  context.secrets.inject(ENV.redisUrl, store.redisUrlSecret, store.redisUrlSecretVersion ?? 'latest');
  const egress = store.network !== undefined || store.subnetwork !== undefined;
  return {
    vpcAccess: egress
      ? { egress: 'PRIVATE_RANGES_ONLY', networkInterfaces: [{ network: store.network, subnetwork: store.subnetwork }] }
      : undefined,
    envs: [],
    volumes: [],
    volumeMounts: [],
    networkPath: [],
    redisUrlSecretId: pulumi.output(store.redisUrlSecret),
  };
}

/** Creates the Memorystore instance, the network path to it, and its URL and CA in Secret Manager. */
export function createSessionStore(store: CreatedSessionStore, context: SessionStoreContext): SessionStoreWiring {
  const { name, project, region, serviceName, labels, apis, parent } = context;
  const networkPath: pulumi.Resource[] = [];
  // The network: the one given, or a new one that holds nothing but this service's egress (so nothing else in it
  // can reach the instance at all).
  let network: pulumi.Input<string>;
  let subnetwork: pulumi.Input<string> | undefined;
  let createdNetwork: gcp.compute.Network | undefined;
  let createdSubnetwork: gcp.compute.Subnetwork | undefined;
  if (store.network !== undefined) {
    network = store.network;
    subnetwork = store.subnetwork;
  } else {
    createdNetwork = new gcp.compute.Network(
      `${name}-sessions`,
      {
        project,
        name: `${serviceName}-sessions`,
        description:
          `Session store network of the MCP server ${serviceName}: its Cloud Run egress and its Memorystore ` +
          'instance only',
        autoCreateSubnetworks: false,
      },
      { parent, dependsOn: apis },
    );
    createdSubnetwork = new gcp.compute.Subnetwork(
      `${name}-run-egress`,
      {
        project,
        region,
        name: `${serviceName}-run-egress`,
        description: `Direct VPC egress of the Cloud Run service ${serviceName}`,
        network: createdNetwork.id,
        ipCidrRange: store.subnetCidr,
      },
      { parent },
    );
    network = createdNetwork.id;
    subnetwork = createdSubnetwork.id;
    networkPath.push(createdSubnetwork);
  }

  // Connect mode DIRECT_PEERING (the default): Memorystore peers its producer network with `network` by itself, and
  // Direct VPC egress gives each Cloud Run instance an address in our subnet, so the instance is reached like from
  // a VM in that network (peering is not transitive, but nothing transitive is needed). PRIVATE_SERVICE_ACCESS
  // works as well but needs an allocated range and a servicenetworking connection in the network — more to create
  // and to own (it is the mode for Shared VPC service projects; bring such a network and store as `redisUrlSecret`).
  const instance = new gcp.redis.Instance(
    `${name}-sessions`,
    {
      project,
      region,
      name: redisInstanceId(serviceName),
      displayName: `MCP sessions (${serviceName})`,
      tier: store.tier,
      memorySizeGb: store.memorySizeGb,
      redisVersion: store.redisVersion,
      authorizedNetwork: network,
      connectMode: 'DIRECT_PEERING',
      // AUTH: a client needs the instance's AUTH string (a Pulumi secret), not only a network path.
      authEnabled: true,
      // TLS with a per-instance Google-managed CA (port 6378 instead of 6379): the URL is rediss://.
      transitEncryptionMode: 'SERVER_AUTHENTICATION',
      deletionProtection: context.deletionProtection,
      labels,
    },
    // After the subnet: Memorystore picks its /29 among the ranges still free in the network.
    { parent, dependsOn: [...apis, ...networkPath] },
  );

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
  if (store.egressFirewall) networkPath.push(...egressFirewall(instance, network, clientTag, context));
  // Direct VPC egress (no connector): private ranges go through the VPC, everything else (the authorization
  // server, Google APIs) leaves as before.
  const vpcAccess = { egress: 'PRIVATE_RANGES_ONLY', networkInterfaces: [{ network, subnetwork, tags: [clientTag] }] };

  // REDIS_URL, built by the contract's helper; the AUTH string makes it a secret, and it is wrapped explicitly.
  const url = pulumi.secret(
    pulumi
      .all([instance.host, instance.port, instance.authString])
      .apply(([host, port, password]) => redisUrl(host, { port, tls: true, password })),
  );
  const urlSecret = context.secrets.storeAndInject(ENV.redisUrl, 'redis-url', url);

  // The server CA is Google-managed per instance and not in Node's trust store. Node adds the certificates of the
  // file named by NODE_EXTRA_CA_CERTS (a Node variable, not a server setting) to its default CAs at start-up, so
  // the store's client verifies the server without any server option. Cloud Run mounts files only from Secret
  // Manager: the PEM (public) goes there. A CA rotation shows in serverCaCerts and makes a new revision.
  const caCerts = instance.serverCaCerts.apply((certs) => (certs ?? []).map((c) => c.cert.trim()).join('\n') + '\n');
  const ca = context.secrets.store('redis-ca', caCerts);
  const { caFileName, caMountPath } = SESSION_STORE_DEFAULTS;
  return {
    vpcAccess,
    envs: [{ name: 'NODE_EXTRA_CA_CERTS', value: `${caMountPath}/${caFileName}` }],
    volumes: [
      {
        name: 'redis-ca',
        secret: { secret: ca.secret.secretId, items: [{ version: ca.version.version, path: caFileName }] },
      },
    ],
    volumeMounts: [{ name: 'redis-ca', mountPath: caMountPath }],
    networkPath,
    redisUrlSecretId: urlSecret.secret.secretId,
    instance,
    network: createdNetwork,
    subnetwork: createdSubnetwork,
    redisUrl: url,
    caCerts,
  };
}

/** Only instances with the service's network tag may open connections to the store's range; nothing else may. */
function egressFirewall(
  instance: gcp.redis.Instance,
  network: pulumi.Input<string>,
  clientTag: string,
  context: SessionStoreContext,
): gcp.compute.Firewall[] {
  const { name, project, serviceName, apis, parent } = context;
  const range = [instance.effectiveReservedIpRange];
  return [
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
      { parent, dependsOn: apis },
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
      { parent, dependsOn: apis },
    ),
  ];
}
