/**
 * MCP at the root of the domain with the Pulumi components (`server.publicUrl: 'https://mcp.example.com'`): the
 * deployed URL, the client snippets, and what the server reading that environment protects.
 */
import { ENV } from '../../../server/config/contract';
import { loadConfig } from '../../../server/config/env';
import { AWS_ACCOUNT, AWS_REGION, isSecretValue, settle, useMocks, valueOf, type MockCloud } from './mocks';

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
  const env = Object.fromEntries(
    (container.environment as { name: string; value: string }[]).map((e) => [e.name, e.value]),
  );
  expect(env[ENV.publicUrl]).toBe(ROOT);
  // MCP_REQUEST_STATE_KEYS as ECS injects it: from the generated secret's version, which the state holds only as a secret.
  expect(container.secrets).toContainEqual({
    name: ENV.requestStateKeys,
    valueFrom: await valueOf(svc.requestStateKeysSecret!.arn),
  });
  const stored = cloud.named('aws:secretsmanager/secretVersion:SecretVersion', 'remote-mcp-request-state-keys').inputs
    .secretString;
  expect(isSecretValue(stored)).toBe(true);
  const config = loadConfig({ ...env, HOST: '0.0.0.0', [ENV.requestStateKeys]: (stored as { value: string }).value });
  expect(config.requestStateKeys).toHaveLength(1);
  expect(config.publicUrl.pathname).toBe('/');
  expect(config.auth.resource).toBe(new URL(ROOT).href);
});
