/**
 * Entry point of `pulumi up` (Pulumi.yaml: `main: infra/pulumi/index.ts`). The stack configuration chooses the
 * cloud (`remote-mcp-stacks:cloud`: gcp or aws); see docs/pulumi.md. The components themselves are importable
 * from `remote-mcp-stacks/pulumi/gcp` and `remote-mcp-stacks/pulumi/aws`.
 */
import { runProgram } from './program';

const outputs = runProgram();

export const cloud = outputs.cloud;
export const mcpUrl = outputs.mcpUrl;
export const serviceUrl = outputs.serviceUrl;
export const clientConfig = outputs.clientConfig;
export const imageRepository = outputs.imageRepository;
export const dnsRecords = outputs.dnsRecords;
export const loadBalancerDnsName = outputs.loadBalancerDnsName;
export const upstreamCallbackUrl = outputs.upstreamCallbackUrl;
export const nextStep = outputs.nextStep;
