/**
 * MCP at the root of the domain (`-c publicUrl=https://mcp.example.com`): the stack deploys that URL, prints the
 * client snippets for it, and the server reading the deployed environment serves and protects the URL clients use.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { ENV } from '../../../server/config/contract';
import { loadConfig } from '../../../server/config/env';
import { McpServerStack, readAppContext, servicePropsFromContext, type ContextKey } from '../../../infra/cdk';
import { deployedEnvironment } from './deployed-env';
import { ISSUER, REGION, container, newApp, repoContext } from './helpers';

const ROOT = 'https://mcp.example.com';
const context: Record<string, unknown> = {
  domainName: 'mcp.example.com',
  hostedZoneId: 'Z0123456789ABC',
  hostedZoneName: 'example.com',
  oauthIssuer: ISSUER,
  image: 'public.ecr.aws/x/y:1',
  publicUrl: ROOT,
};

const app = newApp({ context: repoContext() });
const c = readAppContext((key: ContextKey) => context[key], REGION);
const stack = new McpServerStack(app, c.stackName, {
  env: { region: c.region },
  clientName: c.clientName,
  service: servicePropsFromContext(c),
});
const template = Template.fromStack(stack);
const outputs = template.findOutputs('*');
const env = Object.fromEntries(
  (container(template).Environment as { Name: string; Value: string }[]).map((e) => [e.Name, e.Value]),
);

test('the stack deploys the root URL and prints client snippets for it', () => {
  expect(env[ENV.publicUrl]).toBe(ROOT);
  expect(outputs.McpUrl!.Value).toBe(ROOT);
  expect(outputs.ClaudeCodeCommand!.Value).toBe(`claude mcp add --transport http remote-mcp ${ROOT}`);
  expect(JSON.parse(outputs.VsCodeMcpJson!.Value).servers['remote-mcp'].url).toBe(ROOT);
});

test('the server reading that environment protects the resource clients of the snippet URL ask for', () => {
  // The deployed environment, secrets included (MCP_REQUEST_STATE_KEYS from its generated secret).
  const config = loadConfig(deployedEnvironment(template));
  expect(config.publicUrl.pathname).toBe('/');
  // Clients parse the snippet URL and send its serialized form as the RFC 8707 resource.
  expect(config.auth.resource).toBe(new URL(outputs.McpUrl!.Value).href);
  expect(config.auth.audience).toBe('https://mcp.example.com/');
});
