/** Shared fixtures of the CDK tests: a stack in a region, a registry image (no docker, no asset staging). */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Stack, type AppProps } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { McpFargateService, type McpFargateServiceProps } from '../../../infra/cdk';

export const REPO_ROOT = path.resolve(__dirname, '../../..');
export const REGION = 'eu-west-1';
export const CERT_ARN = 'arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555';
export const ISSUER = 'https://auth.example.com';

/** The feature flags of the repository's cdk.json, so that app tests synthesize what `cdk synth` does. */
export function repoContext(): Record<string, unknown> {
  return (JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> })
    .context;
}

export function testImage(): ecs.ContainerImage {
  return ecs.ContainerImage.fromRegistry('public.ecr.aws/x/y:1');
}

/**
 * An app whose cloud assembly goes to a directory of this test file, removed when its tests end. (`new App()` without
 * `outdir` makes a `cdk.out*` directory in the system temp directory on every synth and never removes it.)
 */
export function newApp(props: AppProps = {}): App {
  return new App({ ...props, outdir: fs.mkdtempSync(path.join(testOutRoot(), 'cdk.out-')) });
}

let outRoot: string | undefined;

/** The directory of this test file's cloud assemblies (created on first use). */
export function testOutRoot(): string {
  outRoot ??= fs.mkdtempSync(path.join(os.tmpdir(), 'rms-cdk-test-'));
  return outRoot;
}

/** Removes every cloud assembly of this test file (run after its tests). */
export function removeTestOutdirs(): void {
  if (outRoot) fs.rmSync(outRoot, { recursive: true, force: true });
  outRoot = undefined;
}

afterAll(removeTestOutdirs);

export function newStack(app = newApp(), id = 'Test'): Stack {
  return new Stack(app, id, { env: { region: REGION } });
}

/** Minimal valid props: a certificate, an issuer, a registry image. */
export function baseProps(stack: Stack, overrides: Partial<McpFargateServiceProps> = {}): McpFargateServiceProps {
  return {
    certificate: acm.Certificate.fromCertificateArn(stack, 'Cert', CERT_ARN),
    image: testImage(),
    ...overrides,
    serverSettings: { oauthIssuer: ISSUER, ...overrides.serverSettings },
  };
}

/** A service in a fresh stack, and its template. */
export function synthService(overrides: Partial<McpFargateServiceProps> = {}): {
  stack: Stack;
  mcp: McpFargateService;
  template: Template;
} {
  const stack = newStack();
  const mcp = new McpFargateService(stack, 'Mcp', baseProps(stack, overrides));
  return { stack, mcp, template: Template.fromStack(stack) };
}

/** The one resource of a type in a template (fails if there are more or none). */
export function onlyResource(template: Template, type: string): { Properties: Record<string, any> } {
  const all = Object.values(template.findResources(type));
  if (all.length !== 1) throw new Error(`expected one ${type}, found ${all.length}`);
  return all[0] as { Properties: Record<string, any> };
}

/** The container definition of the service's task definition. */
export function container(template: Template): Record<string, any> {
  return onlyResource(template, 'AWS::ECS::TaskDefinition').Properties.ContainerDefinitions[0];
}

/** Load balancer attributes as a key → value map. */
export function lbAttributes(template: Template): Record<string, unknown> {
  const attrs = onlyResource(template, 'AWS::ElasticLoadBalancingV2::LoadBalancer').Properties
    .LoadBalancerAttributes as {
    Key: string;
    Value: unknown;
  }[];
  return Object.fromEntries(attrs.map((a) => [a.Key, a.Value]));
}

/** Target group attributes as a key → value map. */
export function tgAttributes(template: Template): Record<string, unknown> {
  const attrs = onlyResource(template, 'AWS::ElasticLoadBalancingV2::TargetGroup').Properties.TargetGroupAttributes as {
    Key: string;
    Value: unknown;
  }[];
  return Object.fromEntries(attrs.map((a) => [a.Key, a.Value]));
}
