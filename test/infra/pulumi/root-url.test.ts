/**
 * MCP at the root of the domain with the Pulumi components (`server.publicUrl: 'https://mcp.example.com'`): the
 * deployed URL, the client snippets, and what the server reading that environment protects.
 */
import { ENV } from '../../../server/config/contract';
import { loadConfig } from '../../../server/config/env';
import { AWS_ACCOUNT, AWS_REGION, settle, useMocks, valueOf, type MockCloud } from './mocks';

const ROOT = 'https://mcp.example.com';
const ISSUER = 'https://auth.example.com';
let cloud: MockCloud;
let awsApi: typeof import('../../../infra/pulumi/aws');

beforeAll(async () => {
  cloud = await useMocks();
  awsApi = await import('../../../infra/pulumi/aws');
});

test('AWS Fargate: the root URL is deployed, printed in the snippets, and protected in the form clients send', async () => {
  const svc = new awsApi.McpFargateService('remote-mcp', {
    image: `${AWS_ACCOUNT}.dkr.ecr.${AWS_REGION}.amazonaws.com/remote-mcp:1.0.0`,
    vpcId: 'vpc-123',
    publicSubnetIds: ['subnet-pub-a', 'subnet-pub-b'],
    privateSubnetIds: ['subnet-priv-a', 'subnet-priv-b'],
    certificateArn: `arn:aws:acm:${AWS_REGION}:${AWS_ACCOUNT}:certificate/0b1c2d3e`,
    domainName: 'mcp.example.com',
    server: { oauthIssuer: ISSUER, publicUrl: ROOT },
  });
  expect(await valueOf(svc.mcpUrl)).toBe(ROOT);
  const snippets = await valueOf(svc.clientConfig);
  expect(snippets.claudeCode).toBe(`claude mcp add --transport http remote-mcp ${ROOT}`);
  expect(JSON.parse(snippets.vscode).servers['remote-mcp'].url).toBe(ROOT);
  await settle();
  const [container] = JSON.parse(cloud.one('aws:ecs/taskDefinition:TaskDefinition').inputs.containerDefinitions);
  const env = Object.fromEntries((container.environment as { name: string; value: string }[]).map((e) => [e.name, e.value]));
  expect(env[ENV.publicUrl]).toBe(ROOT);
  const config = loadConfig({ ...env, HOST: '0.0.0.0' });
  expect(config.publicUrl.pathname).toBe('/');
  expect(config.auth.resource).toBe(new URL(ROOT).href);
});
