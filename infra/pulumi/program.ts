/**
 * The Pulumi program of this repository: reads the stack configuration and deploys the server with the
 * component of the chosen cloud. `index.ts` (Pulumi.yaml's `main`) runs it and exports its outputs.
 */
import * as pulumi from '@pulumi/pulumi';
import { McpFargateService, type McpFargateAutoScaling } from './aws/fargate-service';
import type { McpClientConfig } from './common/client-config';
import { readProgramConfig, type Cloud, type ProgramConfig } from './config';
import { McpCloudRunService } from './gcp/cloud-run-service';
import { McpImageRepository } from './gcp/image-repository';

/** Stack outputs (undefined ones are left out of the stack). */
export interface ProgramOutputs {
  cloud: string;
  /** The exact URL clients add. */
  mcpUrl?: pulumi.Output<string>;
  /** gcp: the service's run.app URL. */
  serviceUrl?: pulumi.Output<string>;
  /** Claude Desktop, Claude Code and VS Code snippets. */
  clientConfig?: pulumi.Output<McpClientConfig>;
  /** gcp: where to push images. */
  imageRepository?: pulumi.Output<string>;
  /** gcp with domainName: DNS records to create. */
  dnsRecords?: pulumi.Output<{ name: string; type?: string; rrdata: string }[]>;
  /** authMode broker: the redirect URI to register at the upstream provider (`<origin>/oauth/callback`). */
  upstreamCallbackUrl?: pulumi.Output<string>;
  /** aws: point domainName here (CNAME or alias) unless hostedZoneId is set. */
  loadBalancerDnsName?: pulumi.Output<string>;
  /** What to do next, when the deployment is not complete yet. */
  nextStep?: string;
}

/**
 * How the program deploys to each cloud. Adding a cloud is adding its entry here (the type requires one for every
 * name in `CLOUDS`), its name to `CLOUDS` with its keys and checks in `config.ts`, and its component beside the others.
 */
export const CLOUD_DEPLOYERS: { readonly [C in Cloud]: (config: ProgramConfig) => ProgramOutputs } = {
  gcp: deployGcp,
  aws: deployAws,
};

export function runProgram(): ProgramOutputs {
  const config = readProgramConfig();
  return CLOUD_DEPLOYERS[config.cloud](config);
}

function deployGcp(config: ProgramConfig): ProgramOutputs {
  const gcpConfig = config.gcp!;
  // The repository is created beside the service (not inside it) so that a first run without an image can
  // create it, and it keeps its place in the stack once the service exists.
  const repository = gcpConfig.createImageRepository
    ? new McpImageRepository(`${config.serviceName}-images`, {
        project: gcpConfig.project,
        region: gcpConfig.region,
        repositoryId: config.serviceName,
        enableApi: gcpConfig.enableApis,
      })
    : undefined;
  if (!config.image) {
    const nextStep =
      'Push the server image to imageRepository (docs/pulumi.md, "Build and push the image"), then ' +
      '`pulumi config set image <imageRepository>/server:<tag>` and `pulumi up` again.';
    pulumi.log.warn(`${pulumi.getProject()}:image is not set: only the image repository is deployed. ${nextStep}`);
    return { cloud: config.cloud, imageRepository: repository!.imageRepository, nextStep };
  }
  const service = new McpCloudRunService(config.serviceName, {
    image: config.image,
    project: gcpConfig.project,
    region: gcpConfig.region,
    serviceName: config.serviceName,
    server: config.server,
    secrets: config.secrets,
    requestTimeoutSeconds: gcpConfig.requestTimeoutSeconds,
    concurrency: gcpConfig.concurrency,
    minInstances: config.minInstances,
    maxInstances: config.maxInstances,
    cpu: config.cpu,
    memory: config.memory,
    cpuAlwaysAllocated: gcpConfig.cpuAlwaysAllocated,
    publicAccess: gcpConfig.publicAccess,
    deletionProtection: config.deletionProtection,
    domainName: config.domainName,
    artifactRegistry: false,
    enableApis: gcpConfig.enableApis,
    sessionStore: config.sessionStore,
    telemetry: config.telemetry,
    alerts: config.alertEmail !== undefined ? { email: config.alertEmail } : undefined,
  });
  return {
    cloud: config.cloud,
    mcpUrl: service.mcpUrl,
    serviceUrl: service.serviceUrl,
    clientConfig: service.clientConfig,
    upstreamCallbackUrl: service.upstreamCallbackUrl,
    imageRepository: repository?.imageRepository,
    dnsRecords: service.dnsRecords,
  };
}

function deployAws(config: ProgramConfig): ProgramOutputs {
  const awsConfig = config.aws!;
  // minInstances = maxInstances: a fixed task count; otherwise autoscaling between them.
  const fixed = config.minInstances !== undefined && config.minInstances === config.maxInstances;
  const autoScaling: McpFargateAutoScaling | false = fixed
    ? false
    : {
        ...(config.minInstances !== undefined ? { minCapacity: Math.max(1, config.minInstances) } : {}),
        ...(config.maxInstances !== undefined ? { maxCapacity: config.maxInstances } : {}),
      };
  const service = new McpFargateService(config.serviceName, {
    image: config.image!,
    vpcId: awsConfig.vpcId,
    publicSubnetIds: awsConfig.publicSubnetIds,
    privateSubnetIds: awsConfig.privateSubnetIds,
    natGateways: awsConfig.natGateways,
    certificateArn: awsConfig.certificateArn,
    domainName: config.domainName,
    hostedZoneId: awsConfig.hostedZoneId,
    serverSettings: config.server,
    secrets: config.secrets,
    idleTimeoutSeconds: awsConfig.idleTimeoutSeconds,
    sslPolicy: awsConfig.sslPolicy,
    cpu: config.cpu !== undefined ? Number(config.cpu) : undefined,
    memoryLimitMiB: config.memory !== undefined ? Number(config.memory) : undefined,
    cpuArchitecture: awsConfig.cpuArchitecture,
    autoScaling,
    desiredCount: fixed ? Math.max(1, config.minInstances!) : undefined,
    logRetentionDays: awsConfig.logRetentionDays,
    clusterArn: awsConfig.clusterArn,
    containerInsights: awsConfig.containerInsights,
    accessLogsBucket: awsConfig.accessLogsBucket,
    webAclArn: awsConfig.webAclArn,
    deletionProtection: config.deletionProtection,
    sessionStore: config.sessionStore,
    telemetry: config.telemetry,
    alarms: config.alertEmail !== undefined ? { email: config.alertEmail } : undefined,
  });
  return {
    cloud: config.cloud,
    mcpUrl: service.url,
    clientConfig: service.clientConfig,
    upstreamCallbackUrl: service.upstreamCallbackUrl,
    loadBalancerDnsName: service.loadBalancerDnsName,
  };
}
