/**
 * The app: context → stack, the stack outputs (URL and client configuration), and the validators that run on
 * every synth (fail on anything neither fixed nor acknowledged).
 */
import { type App, Lazy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AUTH_MODES, ENV, SECRET_ENV } from '../../../server/config/contract';
import {
  McpConfigError,
  McpServerStack,
  addComplianceChecks,
  claudeCodeCommand,
  claudeDesktopConfig,
  readAppContext,
  servicePropsFromContext,
  vsCodeConfig,
  type ContextKey,
} from '../../../infra/cdk';
import { CERT_ARN, container, ISSUER, newApp, REGION, repoContext } from './helpers';

const ZONE_CONTEXT = {
  domainName: 'mcp.example.com',
  hostedZoneId: 'Z0123456789ABC',
  hostedZoneName: 'example.com',
  oauthIssuer: ISSUER,
  image: 'public.ecr.aws/x/y:1',
};

const reader = (ctx: Record<string, unknown>) => (key: ContextKey) => ctx[key];

function appStack(ctx: Record<string, unknown>, validate = false): { app: App; stack: McpServerStack } {
  const app = newApp({ context: repoContext() });
  const c = readAppContext(reader(ctx), REGION);
  const stack = new McpServerStack(app, c.stackName, {
    env: { region: c.region },
    clientName: c.clientName,
    service: servicePropsFromContext(c),
  });
  if (validate) addComplianceChecks(app);
  return { app, stack };
}

function contextError(ctx: Record<string, unknown>, region = REGION): string {
  try {
    readAppContext(reader(ctx), region);
  } catch (e) {
    expect(e).toBeInstanceOf(McpConfigError);
    return (e as Error).message;
  }
  throw new Error('expected a context error');
}

describe('context', () => {
  test('nothing given: one message that says what to pass, with an example', () => {
    const msg = contextError({});
    expect(msg).toContain('-c certificateArn=');
    expect(msg).toContain('-c domainName=mcp.example.com -c hostedZoneId=<zone id> -c hostedZoneName=example.com');
    expect(msg).toContain('-c oauthIssuer=https://auth.example.com');
    expect(msg).toMatch(/Example: npx cdk deploy -c domainName=/);
  });

  test('token auth needs no issuer; TLS is still required', () => {
    const msg = contextError({ authMode: 'token' });
    expect(msg).toContain('TLS');
    expect(msg.split('Example:')[0]).not.toContain('oauthIssuer');
    expect(() => readAppContext(reader({ authMode: 'token', certificateArn: CERT_ARN }), REGION)).not.toThrow();
  });

  test('bad values are named', () => {
    const msg = contextError({
      certificateArn: 'nope',
      oauthIssuer: ISSUER,
      keepAliveSeconds: 'abc',
      authMode: 'magic',
      autoScaling: 'maybe',
    });
    expect(msg).toContain("-c certificateArn must be an ACM certificate ARN, got 'nope'");
    expect(msg).toContain("-c keepAliveSeconds must be a whole number, got 'abc'");
    expect(msg).toContain(`-c authMode must be one of ${AUTH_MODES.join(', ')}, got 'magic'`);
    expect(msg).toContain("-c autoScaling must be true or false, got 'maybe'");
  });

  test('a partial hosted zone, a partial secret ARN, no region', () => {
    expect(contextError({ certificateArn: CERT_ARN, hostedZoneId: 'Z1', oauthIssuer: ISSUER })).toContain(
      'a hosted zone needs all of',
    );
    expect(
      contextError({
        certificateArn: CERT_ARN,
        oauthIssuer: ISSUER,
        oauthSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:mcp',
      }),
    ).toContain('complete ARN of a secret');
    expect(contextError({ certificateArn: CERT_ARN, oauthIssuer: ISSUER }, '')).toContain('-c region=');
    expect(contextError({ certificateArn: CERT_ARN, oauthIssuer: ISSUER, region: 'Mars' })).toContain(
      "-c region must be an AWS region like eu-west-1, got 'Mars'",
    );
  });

  test('values become settings: lists split, numbers parsed, defaults left to the server', () => {
    const c = readAppContext(
      reader({ ...ZONE_CONTEXT, oauthScopes: 'mcp:tools, mcp:read', drainSeconds: '30', sessionMode: 'stateful' }),
      REGION,
    );
    expect(c.settings).toEqual({
      authMode: 'oauth',
      oauthIssuer: ISSUER,
      oauthScopes: ['mcp:tools', 'mcp:read'],
      drainSeconds: 30,
      sessionMode: 'stateful',
    });
    expect(c.stackName).toBe('McpServer');
    expect(
      readAppContext(
        reader({ ...ZONE_CONTEXT, deletionProtection: 'true', autoScaling: 'false', desiredCount: '3' }),
        REGION,
      ),
    ).toMatchObject({
      deletionProtection: true,
      autoScaling: false,
      desiredCount: 3,
    });
    expect(c.region).toBe(REGION);
  });
});

describe('McpServerStack', () => {
  const { stack } = appStack({ ...ZONE_CONTEXT, clientName: 'team-mcp' });
  const template = Template.fromStack(stack);
  const outputs = template.findOutputs('*');
  const url = 'https://mcp.example.com/mcp';

  test('outputs the MCP URL', () => {
    expect(outputs.McpUrl!.Value).toBe(url);
  });

  test('outputs one way per client, as the README and docs/auth.md give it (OAuth: a connector, no config file url)', () => {
    expect(outputs.ClaudeDesktopConfig).toBeUndefined();
    expect(outputs.ClaudeDesktop!.Value).toBe(`Settings > Connectors > Add custom connector: ${url}`);
    expect(outputs.ClaudeDesktop!.Description).toMatch(/^Claude Desktop: Settings > Connectors > Add custom connector/);
    expect(outputs.ClaudeCodeCommand!.Value).toBe(`claude mcp add --transport http team-mcp ${url}`);
    expect(JSON.parse(outputs.VsCodeMcpJson!.Value)).toEqual({ servers: { 'team-mcp': { type: 'http', url } } });
  });

  test('token mode: every client snippet sends the Authorization header (Claude Desktop through mcp-remote)', () => {
    const o = Template.fromStack(
      appStack({ ...ZONE_CONTEXT, authMode: 'token', clientName: 'team-mcp' }).stack,
    ).findOutputs('*');
    expect(JSON.parse(o.ClaudeDesktop!.Value).mcpServers['team-mcp']).toEqual({
      command: 'npx',
      args: ['-y', 'mcp-remote', url, '--header', 'Authorization:${AUTH_HEADER}'],
      env: { AUTH_HEADER: 'Bearer <token>' },
    });
    expect(o.ClaudeDesktop!.Description).toContain('claude_desktop_config.json');
    expect(o.ClaudeCodeCommand!.Value).toBe(
      `claude mcp add --transport http team-mcp ${url} --header "Authorization: Bearer \${MCP_TOKEN}"`,
    );
    expect(JSON.parse(o.VsCodeMcpJson!.Value).servers['team-mcp'].headers).toEqual({
      Authorization: 'Bearer ${input:mcp-token}',
    });
  });

  test('context reaches the service: hosted zone, certificate, image, region-only environment', () => {
    template.hasResourceProperties('AWS::Route53::RecordSet', {
      Name: 'mcp.example.com.',
      HostedZoneId: 'Z0123456789ABC',
    });
    template.resourceCountIs('AWS::CertificateManager::Certificate', 1);
    expect(container(template).Image).toBe('public.ecr.aws/x/y:1');
    expect(stack.region).toBe(REGION);
    expect(stack.resolve(stack.account)).toEqual({ Ref: 'AWS::AccountId' });
  });

  test('with a certificate ARN only, the URL is built from the load balancer DNS name', () => {
    const s = appStack({ certificateArn: CERT_ARN, oauthIssuer: ISSUER, image: 'public.ecr.aws/x/y:1' }).stack;
    const t = Template.fromStack(s);
    t.resourceCountIs('AWS::CertificateManager::Certificate', 0);
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Certificates: [{ CertificateArn: CERT_ARN }] });
    expect(JSON.stringify(t.findOutputs('McpUrl'))).toContain('DNSName');
    expect(JSON.stringify(t.findOutputs('ClaudeCodeCommand'))).toContain(
      'claude mcp add --transport http remote-mcp https://',
    );
  });

  test('-c maxSessions=0 is refused at synth (the server would refuse to start)', () => {
    expect(() => appStack({ ...ZONE_CONTEXT, maxSessions: '0' })).toThrow(
      /maxSessions must be an integer from 1 to 10000000, got 0/,
    );
    expect(() => appStack({ ...ZONE_CONTEXT, sessionIdleSeconds: '0' })).toThrow(
      /sessionIdleSeconds must be an integer from 1 to 604800, got 0/,
    );
    expect(() => appStack({ ...ZONE_CONTEXT, maxSessions: '1' })).not.toThrow();
  });

  test('a bad client name is refused', () => {
    expect(() => appStack({ ...ZONE_CONTEXT, clientName: 'my server' })).toThrow(McpConfigError);
  });
});

describe('validators on every synth', () => {
  test('the app passes: every finding is fixed or acknowledged', () => {
    const { app } = appStack(ZONE_CONTEXT, true);
    expect(() => app.synth()).not.toThrow();
  });

  test('a cdk-nag and cfn-guard finding that is not acknowledged fails the synth', () => {
    const { app, stack } = appStack(ZONE_CONTEXT, true);
    new s3.Bucket(stack, 'Unreviewed');
    expect(() => app.synth()).toThrow(/AwsSolutions-S1[\s\S]*Unreviewed|Unreviewed[\s\S]*AwsSolutions-S1/);
  });

  test('a cfn-guard finding alone, among acknowledged ones, still fails the synth', () => {
    const { app, stack } = appStack(ZONE_CONTEXT, true);
    // Only a Control Tower rule flags it (CT.CLOUDWATCH.PR.3: no KMS key): cdk-nag has no opinion.
    new logs.LogGroup(stack, 'UnencryptedLogs', { retention: logs.RetentionDays.ONE_YEAR });
    expect(() => app.synth()).toThrow(/CT\.CLOUDWATCH\.PR\.3[\s\S]*UnencryptedLogs/);
  });

  test('-c sessionStore=true -c sessionMode=stateful: a session store on the autoscaled service, and the validators pass', () => {
    const { app, stack } = appStack({ ...ZONE_CONTEXT, sessionMode: 'stateful', sessionStore: 'true' }, true);
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::ElastiCache::ServerlessCache', 1);
    t.resourceCountIs('AWS::ApplicationAutoScaling::ScalableTarget', 1);
    expect((container(t).Secrets as { Name: string }[]).map((e) => e.Name)).toContain(ENV.redisUrl);
    expect(() => app.synth()).not.toThrow();
    // Without the flag, the default stack has no store.
    Template.fromStack(appStack(ZONE_CONTEXT).stack).resourceCountIs('AWS::ElastiCache::ServerlessCache', 0);
  });

  test('no secret variable is ever in Environment, whatever the auth mode', () => {
    const contexts = [
      { ...ZONE_CONTEXT, authMode: 'oauth' },
      { ...ZONE_CONTEXT, authMode: 'token' },
      { ...ZONE_CONTEXT, oauthIssuer: undefined, authMode: 'broker', brokerCognito: 'true' },
      { ...ZONE_CONTEXT, oauthIssuer: undefined, authMode: 'broker', upstreamIssuer: ISSUER, upstreamClientId: 'mcp' },
    ];
    for (const ctx of contexts) {
      const { stack: s } = appStack(ctx);
      const c = container(Template.fromStack(s));
      const env = (c.Environment as { Name: string }[]).map((e) => e.Name);
      for (const name of SECRET_ENV) expect(env).not.toContain(name);
      expect((c.Secrets as { Name: string }[]).length).toBeGreaterThan(0);
    }
  });
});

describe('client configuration', () => {
  test('is valid JSON / a shell command, also when the URL is a CDK token resolved later', () => {
    const stack = new Stack(newApp(), 'Test');
    const url = `https://${Lazy.string({ produce: () => 'h.example.com' })}/mcp`;
    expect(stack.resolve(claudeDesktopConfig('a', url))).toBe(
      'Settings > Connectors > Add custom connector: https://h.example.com/mcp',
    );
    expect(JSON.parse(stack.resolve(claudeDesktopConfig('a', url, 'token'))).mcpServers.a.args[2]).toBe(
      'https://h.example.com/mcp',
    );
    expect(JSON.parse(stack.resolve(vsCodeConfig('a', url)))).toEqual({
      servers: { a: { type: 'http', url: 'https://h.example.com/mcp' } },
    });
    expect(stack.resolve(claudeCodeCommand('a', url))).toBe(
      'claude mcp add --transport http a https://h.example.com/mcp',
    );
  });
});
