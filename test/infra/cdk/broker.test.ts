/**
 * Broker mode (`authMode: 'broker'`): a created Cognito user pool as the upstream provider, or an existing provider's
 * settings; the callback URL, the plain settings and the secret variables as the contract names them; what is refused
 * at synth; and the validators. Expected values come from the server's contract (ENV, PATHS, DEFAULTS, SECRET_ENV).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type App, CfnElement, Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { IConstruct } from 'constructs';
import { DEFAULTS, ENV, PATHS, SECRET_ENV, type ServerSettings } from '../../../server/config/contract';
import {
  COGNITO_GROUPS_CLAIM,
  McpCognitoUpstream,
  McpConfigError,
  McpFargateService,
  McpServerStack,
  addComplianceChecks,
  readAppContext,
  servicePropsFromContext,
  type ContextKey,
  type McpFargateServiceProps,
} from '../../../infra/cdk';
import { CERT_ARN, container, newApp, newStack, onlyResource, REGION, repoContext, testImage } from './helpers';

const DOMAIN = 'mcp.example.com';
const CALLBACK = `https://${DOMAIN}${PATHS.upstreamCallback}`;
const UPSTREAM = {
  authMode: 'broker',
  upstreamIssuer: 'https://login.example.com/tenant/v2.0',
  upstreamClientId: 'mcp-server',
} as const satisfies ServerSettings;
const KEYS_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:mcp-broker-keys-AbCdEf';
const CLIENT_SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:entra-client-AbCdEf';

/** Props of a broker service on `mcp.example.com` (an imported certificate, a registry image), without an OAuth issuer. */
function brokerProps(stack: Stack, overrides: Partial<McpFargateServiceProps> = {}): McpFargateServiceProps {
  return {
    certificate: acm.Certificate.fromCertificateArn(stack, 'Cert', CERT_ARN),
    domainName: DOMAIN,
    image: testImage(),
    ...overrides,
  };
}

function synthBroker(overrides: Partial<McpFargateServiceProps> = {}): {
  stack: Stack;
  mcp: McpFargateService;
  template: Template;
} {
  const stack = newStack();
  const mcp = new McpFargateService(stack, 'Mcp', brokerProps(stack, overrides));
  return { stack, mcp, template: Template.fromStack(stack) };
}

const envMap = (c: Record<string, any>): Record<string, unknown> =>
  Object.fromEntries((c.Environment as { Name: string; Value: unknown }[]).map((e) => [e.Name, e.Value]));
const secretsMap = (c: Record<string, any>): Record<string, unknown> =>
  Object.fromEntries(((c.Secrets ?? []) as { Name: string; ValueFrom: unknown }[]).map((e) => [e.Name, e.ValueFrom]));
const idOf = (stack: Stack, c: IConstruct): string =>
  stack.getLogicalId((c instanceof CfnElement ? c : c.node.defaultChild) as CfnElement);
const acks = (c: IConstruct | undefined): Record<string, string> =>
  Object.assign(
    {},
    ...(c?.node.metadata ?? [])
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .map((m) => m.data),
  );

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(McpConfigError);
    return (e as Error).message;
  }
  throw new Error('expected an McpConfigError, nothing was thrown');
}

describe('broker: { cognito: true } — a created Cognito user pool as the upstream provider', () => {
  const { stack, mcp, template } = synthBroker({ broker: { cognito: true } });
  const upstream = mcp.cognito!;

  test('is exposed on the construct, and broker sets authMode broker', () => {
    expect(upstream).toBeInstanceOf(McpCognitoUpstream);
    expect(upstream.node.path).toBe('Test/Mcp/Cognito');
    expect(mcp.serverSettings.authMode).toBe('broker');
    expect(mcp.upstreamCallbackUrl).toBe(CALLBACK);
    expect(upstream.callbackUrl).toBe(CALLBACK);
  });

  test('user pool: administrators add users (no self sign-up), e-mail sign-in, MFA required, a strong password policy, retained', () => {
    const pool = template.findResources('AWS::Cognito::UserPool');
    expect(Object.keys(pool)).toHaveLength(1);
    const [resource] = Object.values(pool) as { Properties: Record<string, any>; DeletionPolicy?: string }[];
    const p = resource!.Properties;
    expect(p.AdminCreateUserConfig).toEqual({ AllowAdminCreateUserOnly: true });
    expect(p.UsernameAttributes).toEqual(['email']);
    expect(p.AutoVerifiedAttributes).toEqual(['email']);
    expect(p.MfaConfiguration).toBe('ON');
    expect(p.EnabledMfas).toEqual(['SOFTWARE_TOKEN_MFA']);
    expect(p.Policies.PasswordPolicy).toMatchObject({
      RequireLowercase: true,
      RequireUppercase: true,
      RequireNumbers: true,
      RequireSymbols: true,
    });
    expect(p.Policies.PasswordPolicy.MinimumLength).toBeGreaterThanOrEqual(12);
    expect(p.UserPoolTier).toBe('ESSENTIALS');
    expect(resource!.DeletionPolicy).toBe('Retain');
  });

  test('app client: confidential, authorization-code grant only, openid/email/profile, exactly the contract callback URL', () => {
    const client = onlyResource(template, 'AWS::Cognito::UserPoolClient').Properties;
    expect(client.GenerateSecret).toBe(true);
    expect(client.AllowedOAuthFlows).toEqual(['code']);
    expect(client.AllowedOAuthFlowsUserPoolClient).toBe(true);
    expect(client.AllowedOAuthScopes).toEqual([...DEFAULTS.upstreamScopes]);
    expect(client.CallbackURLs).toEqual([CALLBACK]);
    expect(client.CallbackURLs[0]).toBe(`${new URL(mcp.url).origin}${PATHS.upstreamCallback}`);
    expect(client.LogoutURLs).toBeUndefined();
    expect(client.SupportedIdentityProviders).toEqual(['COGNITO']);
    expect(client.ExplicitAuthFlows).not.toContain('ALLOW_USER_PASSWORD_AUTH');
    expect(client.UserPoolId).toEqual({ Ref: idOf(stack, upstream.userPool) });
  });

  test('hosted sign-in domain: a Cognito prefix domain, by default mcp- and 8 hex digits of the stack id', () => {
    const domain = onlyResource(template, 'AWS::Cognito::UserPoolDomain').Properties;
    expect(domain.UserPoolId).toEqual({ Ref: idOf(stack, upstream.userPool) });
    expect(domain.CustomDomainConfig).toBeUndefined();
    expect(domain.Domain).toEqual({
      'Fn::Join': [
        '',
        [
          'mcp-',
          {
            'Fn::Select': [
              0,
              { 'Fn::Split': ['-', { 'Fn::Select': [2, { 'Fn::Split': ['/', { Ref: 'AWS::StackId' }] }] }] },
            ],
          },
        ],
      ],
    });
  });

  test('plain environment: authMode broker, the Cognito issuer and client id, groups in cognito:groups — and nothing secret', () => {
    const env = envMap(container(template));
    expect(env[ENV.authMode]).toBe('broker');
    expect(stack.resolve(env[ENV.upstreamIssuer])).toEqual({
      'Fn::Join': [
        '',
        [`https://cognito-idp.${REGION}.`, { Ref: 'AWS::URLSuffix' }, '/', { Ref: idOf(stack, upstream.userPool) }],
      ],
    });
    expect(env[ENV.upstreamClientId]).toEqual({ Ref: idOf(stack, upstream.userPoolClient) });
    expect(env[ENV.brokerGroupsClaim]).toBe(COGNITO_GROUPS_CLAIM);
    expect(COGNITO_GROUPS_CLAIM).toBe('cognito:groups');
    expect(env[ENV.publicUrl]).toBe(`https://${DOMAIN}${PATHS.mcp}`);
    expect(env).not.toHaveProperty(ENV.oauthIssuer);
    for (const name of SECRET_ENV) expect(env).not.toHaveProperty(name);
  });

  test('secrets: the client secret from its own secret, the signing keys from the created secret field — never in Environment', () => {
    const c = container(template);
    const secretId = idOf(stack, mcp.secret);
    expect(c.Secrets).toEqual([
      {
        Name: ENV.brokerSigningKeys,
        ValueFrom: { 'Fn::Join': ['', [{ Ref: secretId }, `:${ENV.brokerSigningKeys}::`]] },
      },
      { Name: ENV.upstreamClientSecret, ValueFrom: { Ref: idOf(stack, upstream.clientSecret) } },
      { Name: ENV.requestStateKeys, ValueFrom: { Ref: idOf(stack, mcp.requestStateKeysSecret!) } },
    ]);
    // The created secret starts with an empty field (the server treats it as unset) for `npm run broker:keys` output.
    expect(template.toJSON().Resources[secretId].Properties.SecretString).toBe(
      JSON.stringify({ [ENV.brokerSigningKeys]: '' }),
    );
  });

  test('the client secret is never in the template: its secret string is a GetAtt of the custom resource that reads it', () => {
    const secret = template.toJSON().Resources[idOf(stack, upstream.clientSecret)].Properties;
    const cr = upstream.userPoolClient.node
      .findChild('DescribeCognitoUserPoolClient')
      .node.findChild('Resource') as CfnElement;
    expect(secret.SecretString).toEqual({ 'Fn::GetAtt': [stack.getLogicalId(cr), 'UserPoolClient.ClientSecret'] });
    // The custom resource hides the API response (which holds the secret) from its logs.
    const call = JSON.stringify(template.toJSON().Resources[stack.getLogicalId(cr)].Properties.Create);
    expect(call).toContain('describeUserPoolClient');
    expect(call).toContain('\\"logApiResponseData\\":false');
  });

  test('least privilege: the execution role reads the client secret; the custom resource may only describe this pool’s clients', () => {
    const policies = Object.values(template.findResources('AWS::IAM::Policy')).map(
      (r) => r.Properties.PolicyDocument.Statement as any[],
    );
    const execution = policies.find((s) => JSON.stringify(s).includes('secretsmanager:GetSecretValue'))!;
    expect(JSON.stringify(execution)).toContain(`"Ref":"${idOf(stack, upstream.clientSecret)}"`);
    const describe = policies.find((s) => JSON.stringify(s).includes('cognito-idp:'))!;
    expect(describe).toEqual([
      {
        Action: 'cognito-idp:DescribeUserPoolClient',
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [idOf(stack, upstream.userPool), 'Arn'] },
      },
    ]);
  });

  test('the custom resource function logs to a log group encrypted with the logs key (with the cdk.json flags)', () => {
    // @aws-cdk/aws-lambda:useCdkManagedLogGroup (cdk.json) gives the function a log group in the template.
    const flagged = new Stack(newApp({ context: repoContext() }), 'Flagged', { env: { region: REGION } });
    const svc = new McpFargateService(flagged, 'Mcp', brokerProps(flagged, { broker: { cognito: true } }));
    const groups = Object.values(Template.fromStack(flagged).findResources('AWS::Logs::LogGroup')).map(
      (r) => r.Properties,
    );
    const fnLogs = groups.find((g) => JSON.stringify(g.LogGroupName ?? '').includes('/aws/lambda/'));
    expect(fnLogs).toBeDefined();
    expect(fnLogs!.KmsKeyId).toEqual({ 'Fn::GetAtt': [idOf(flagged, svc.logsEncryptionKey), 'Arn'] });
  });

  test('on several tasks without a shared store, the synth warns that sign-ins may fail', () => {
    Annotations.fromStack(stack).hasWarning(
      '/Test/Mcp',
      Match.stringLikeRegexp("authMode 'broker' runs on up to 10 tasks without a shared session store"),
    );
  });

  test('the intended findings are acknowledged on the pool, the client secret and the custom resource function', () => {
    expect(Object.keys(acks(upstream.userPool))).toEqual(['AwsSolutions::AwsSolutions-COG8']);
    expect(Object.keys(acks(upstream.clientSecret))).toEqual(['AwsSolutions::AwsSolutions-SMG4']);
    const fn = stack.node.findChild('AWS679f53fac002430cb0da5b7982bd2287');
    expect(Object.keys(acks(fn)).sort()).toEqual([
      'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      'cdk-validator-cfnguard::lambda_inside_vpc_check',
    ]);
    // COG1 and COG2 are fixed, not acknowledged.
    expect(JSON.stringify(acks(upstream.userPool))).not.toMatch(/COG1|COG2/);
  });
});

describe('broker: cognito options', () => {
  test('domain prefix, optional MFA, the Plus plan with threat protection, a narrower scope list, another groups claim', () => {
    const { mcp, template } = synthBroker({
      broker: {
        cognito: { domainPrefix: 'team-mcp', mfa: cognito.Mfa.OPTIONAL, featurePlan: cognito.FeaturePlan.PLUS },
      },
      serverSettings: { upstreamScopes: ['openid', 'email'], brokerGroupsClaim: 'custom:teams' },
    });
    expect(onlyResource(template, 'AWS::Cognito::UserPoolDomain').Properties.Domain).toBe('team-mcp');
    const pool = onlyResource(template, 'AWS::Cognito::UserPool').Properties;
    expect(pool.MfaConfiguration).toBe('OPTIONAL');
    expect(pool.UserPoolTier).toBe('PLUS');
    expect(pool.UserPoolAddOns).toEqual({ AdvancedSecurityMode: 'ENFORCED' });
    expect(onlyResource(template, 'AWS::Cognito::UserPoolClient').Properties.AllowedOAuthScopes).toEqual([
      'openid',
      'email',
    ]);
    expect(envMap(container(template))[ENV.brokerGroupsClaim]).toBe('custom:teams');
    expect(envMap(container(template))[ENV.upstreamScopes]).toBe('openid,email');
    // The Plus plan fixes COG8: nothing is acknowledged on the pool.
    expect(acks(mcp.cognito!.userPool)).toEqual({});
  });

  test('the callback URL is the origin of publicUrl (a path prefix is not part of it)', () => {
    const { template } = synthBroker({
      broker: { cognito: true },
      serverSettings: { publicUrl: 'https://edge.example.com/team/mcp' },
    });
    expect(onlyResource(template, 'AWS::Cognito::UserPoolClient').Properties.CallbackURLs).toEqual([
      `https://edge.example.com${PATHS.upstreamCallback}`,
    ]);
  });

  test('without a domain, the callback URL is built at deploy time from the load balancer DNS name', () => {
    const stack = newStack();
    const mcp = new McpFargateService(stack, 'Mcp', {
      ...brokerProps(stack, { broker: { cognito: true } }),
      domainName: undefined,
    });
    const urls = onlyResource(Template.fromStack(stack), 'AWS::Cognito::UserPoolClient').Properties.CallbackURLs;
    const lb = idOf(stack, mcp.loadBalancer);
    expect(urls).toEqual([
      {
        'Fn::Join': [
          '',
          [
            'https://',
            {
              'Fn::Select': [
                2,
                {
                  'Fn::Split': ['/', { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [lb, 'DNSName'] }, PATHS.mcp]] }],
                },
              ],
            },
            PATHS.upstreamCallback,
          ],
        ],
      },
    ]);
  });

  test('one task: no warning', () => {
    const { stack } = synthBroker({ broker: { cognito: true }, autoScaling: false, desiredCount: 1 });
    Annotations.fromStack(stack).hasNoWarning('/Test/Mcp', Match.stringLikeRegexp("authMode 'broker'"));
  });
});

describe('broker with an existing provider', () => {
  test('settings from serverSettings; client secret and signing keys from fields of the created secret', () => {
    const { stack, mcp, template } = synthBroker({
      serverSettings: {
        ...UPSTREAM,
        brokerAllowedEmailDomains: ['example.com'],
        brokerAllowedGroups: ['mcp-users'],
        brokerRedirectHosts: ['claude.ai'],
      },
    });
    template.resourceCountIs('AWS::Cognito::UserPool', 0);
    template.resourceCountIs('AWS::Cognito::UserPoolClient', 0);
    expect(mcp.cognito).toBeUndefined();
    expect(mcp.upstreamCallbackUrl).toBe(CALLBACK);
    const c = container(template);
    expect(envMap(c)).toMatchObject({
      [ENV.authMode]: 'broker',
      [ENV.upstreamIssuer]: UPSTREAM.upstreamIssuer,
      [ENV.upstreamClientId]: UPSTREAM.upstreamClientId,
      [ENV.brokerAllowedEmailDomains]: 'example.com',
      [ENV.brokerAllowedGroups]: 'mcp-users',
      [ENV.brokerRedirectHosts]: 'claude.ai',
    });
    expect(envMap(c)).not.toHaveProperty(ENV.brokerGroupsClaim);
    for (const name of SECRET_ENV) expect(envMap(c)).not.toHaveProperty(name);
    const secretId = idOf(stack, mcp.secret);
    expect(c.Secrets).toEqual([
      {
        Name: ENV.upstreamClientSecret,
        ValueFrom: { 'Fn::Join': ['', [{ Ref: secretId }, `:${ENV.upstreamClientSecret}::`]] },
      },
      {
        Name: ENV.brokerSigningKeys,
        ValueFrom: { 'Fn::Join': ['', [{ Ref: secretId }, `:${ENV.brokerSigningKeys}::`]] },
      },
      { Name: ENV.requestStateKeys, ValueFrom: { Ref: idOf(stack, mcp.requestStateKeysSecret!) } },
    ]);
    expect(template.toJSON().Resources[idOf(stack, mcp.secret)].Properties.SecretString).toBe(
      JSON.stringify({ [ENV.upstreamClientSecret]: '', [ENV.brokerSigningKeys]: '' }),
    );
  });

  test('broker.upstreamClientSecret (a JSON field) and broker.signingKeys (the whole secret) are injected from their secrets', () => {
    const stack = newStack();
    const upstreamClientSecret = secretsmanager.Secret.fromSecretCompleteArn(stack, 'ClientSecret', CLIENT_SECRET_ARN);
    const signingKeys = secretsmanager.Secret.fromSecretCompleteArn(stack, 'Keys', KEYS_ARN);
    new McpFargateService(
      stack,
      'Mcp',
      brokerProps(stack, {
        serverSettings: UPSTREAM,
        broker: { upstreamClientSecret, upstreamClientSecretField: 'secret', signingKeys },
      }),
    );
    const c = container(Template.fromStack(stack));
    expect(secretsMap(c)).toEqual({
      [ENV.upstreamClientSecret]: `${CLIENT_SECRET_ARN}:secret::`,
      [ENV.brokerSigningKeys]: KEYS_ARN,
      [ENV.requestStateKeys]: { Ref: expect.any(String) },
    });
  });

  test('an existing secret holds both fields', () => {
    const stack = newStack();
    const oauthSecret = secretsmanager.Secret.fromSecretCompleteArn(stack, 'Existing', KEYS_ARN);
    new McpFargateService(stack, 'Mcp', brokerProps(stack, { serverSettings: UPSTREAM, secret: oauthSecret }));
    const template = Template.fromStack(stack);
    // Only the request-state keys' own generated secret.
    template.resourceCountIs('AWS::SecretsManager::Secret', 1);
    expect(secretsMap(container(template))).toEqual({
      [ENV.requestStateKeys]: { Ref: expect.any(String) },
      [ENV.upstreamClientSecret]: `${KEYS_ARN}:${ENV.upstreamClientSecret}::`,
      [ENV.brokerSigningKeys]: `${KEYS_ARN}:${ENV.brokerSigningKeys}::`,
    });
  });
});

describe('broker: what is refused at synth', () => {
  const build = (overrides: Partial<McpFargateServiceProps>) => () => {
    const stack = newStack();
    return new McpFargateService(stack, 'Mcp', brokerProps(stack, overrides));
  };

  test('broker with another auth mode; broker mode without a provider', () => {
    expect(
      errorOf(
        build({
          broker: { cognito: true },
          serverSettings: { authMode: 'oauth', oauthIssuer: 'https://auth.example.com' },
        }),
      ),
    ).toContain("broker applies only to authMode 'broker', got authMode 'oauth'");
    const msg = errorOf(build({ serverSettings: { authMode: 'broker' } }));
    expect(msg).toContain("authMode 'broker' needs an upstream OpenID Connect provider: `broker: { cognito: true }`");
    expect(msg).toContain('-c brokerCognito=true, or -c upstreamIssuer=https://… -c upstreamClientId=…');
    expect(
      errorOf(build({ serverSettings: { authMode: 'broker', upstreamIssuer: UPSTREAM.upstreamIssuer } })),
    ).toContain('needs an upstream OpenID Connect provider');
    expect(errorOf(build({ serverSettings: { ...UPSTREAM, upstreamIssuer: 'http://login.example.com' } }))).toContain(
      'upstreamIssuer must be an https:// URL',
    );
  });

  test('a created pool supplies the issuer, client id and client secret: giving them too is refused', () => {
    expect(errorOf(build({ broker: { cognito: true }, serverSettings: UPSTREAM }))).toContain(
      'serverSettings.upstreamIssuer comes from the Cognito user pool that broker.cognito creates',
    );
    const stack = newStack();
    const upstreamClientSecret = secretsmanager.Secret.fromSecretCompleteArn(stack, 'S', CLIENT_SECRET_ARN);
    expect(
      errorOf(
        () =>
          new McpFargateService(stack, 'Mcp', brokerProps(stack, { broker: { cognito: true, upstreamClientSecret } })),
      ),
    ).toContain('broker.upstreamClientSecret is for an existing provider');
    expect(
      errorOf(build({ broker: { cognito: true }, secretFields: [ENV.upstreamClientSecret, ENV.brokerSigningKeys] })),
    ).toContain(
      "'UPSTREAM_CLIENT_SECRET' comes from broker.cognito (the app client secret): remove it from secretFields",
    );
  });

  test('Cognito scopes and domain prefix are checked', () => {
    expect(
      errorOf(build({ broker: { cognito: true }, serverSettings: { upstreamScopes: ['openid', 'offline_access'] } })),
    ).toContain("upstreamScopes with broker.cognito may only name Cognito's standard scopes");
    expect(errorOf(build({ broker: { cognito: true }, serverSettings: { upstreamScopes: ['email'] } }))).toContain(
      "upstreamScopes must include 'openid'",
    );
    for (const domainPrefix of ['Team', 'my-cognito-login', '-mcp', 'a'.repeat(64)]) {
      expect(errorOf(build({ broker: { cognito: { domainPrefix } } }))).toContain(
        'broker.cognito.domainPrefix must be',
      );
    }
    expect(build({ broker: { cognito: { domainPrefix: 'team-mcp-01' } } })).not.toThrow();
  });

  test('a field without its secret; a variable from two places', () => {
    expect(errorOf(build({ serverSettings: UPSTREAM, broker: { signingKeysField: 'jwks' } }))).toContain(
      'broker.signingKeysField needs broker.signingKeys',
    );
    const stack = newStack();
    const signingKeys = secretsmanager.Secret.fromSecretCompleteArn(stack, 'K', KEYS_ARN);
    expect(
      errorOf(
        () =>
          new McpFargateService(
            stack,
            'Mcp',
            brokerProps(stack, {
              serverSettings: UPSTREAM,
              broker: { signingKeys },
              secrets: { [ENV.brokerSigningKeys]: ecs.Secret.fromSecretsManager(signingKeys) },
            }),
          ),
      ),
    ).toContain("'BROKER_SIGNING_KEYS' comes from broker.signingKeys: remove it from secrets");
  });

  test('with a shared session store, the signing keys must exist before the first task starts', () => {
    const stateful: ServerSettings = { ...UPSTREAM, sessionMode: 'stateful' };
    const msg = errorOf(build({ serverSettings: stateful, sessionStore: true }));
    expect(msg).toContain(
      "authMode 'broker' with a shared session store (REDIS_URL) needs the signing keys before the first task starts",
    );
    expect(msg).toContain('npm run broker:keys');
    expect(msg).toContain('-c brokerSigningKeysSecretArn=<arn>');
    // Given: a secret of their own, an extra ECS secret, or a field of a given (filled) secret.
    const ok = (f: (stack: Stack) => Partial<McpFargateServiceProps>) => () => {
      const stack = newStack();
      return new McpFargateService(
        stack,
        'Mcp',
        brokerProps(stack, { serverSettings: stateful, sessionStore: true, ...f(stack) }),
      );
    };
    const keys = (stack: Stack) => secretsmanager.Secret.fromSecretCompleteArn(stack, 'K', KEYS_ARN);
    expect(ok((s) => ({ broker: { signingKeys: keys(s) } }))).not.toThrow();
    expect(ok((s) => ({ secrets: { [ENV.brokerSigningKeys]: ecs.Secret.fromSecretsManager(keys(s)) } }))).not.toThrow();
    expect(ok((s) => ({ secret: keys(s) }))).not.toThrow();
    // A created store on several tasks: no per-task warning.
    const stack = newStack();
    new McpFargateService(
      stack,
      'Mcp',
      brokerProps(stack, { serverSettings: stateful, sessionStore: true, broker: { signingKeys: keys(stack) } }),
    );
    Annotations.fromStack(stack).hasNoWarning('/Test/Mcp', Match.stringLikeRegexp("authMode 'broker'"));
  });

  test('with stateless sessions too: the broker keeps its state in the store (REDIS_URL, cluster mode on ElastiCache)', () => {
    const stack = newStack();
    const signingKeys = secretsmanager.Secret.fromSecretCompleteArn(stack, 'K', KEYS_ARN);
    new McpFargateService(
      stack,
      'Mcp',
      brokerProps(stack, { broker: { cognito: true, signingKeys }, sessionStore: true }),
    );
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::ElastiCache::ServerlessCache', 1);
    const c = container(template);
    expect(envMap(c)).toMatchObject({ [ENV.authMode]: 'broker', [ENV.redisClusterMode]: 'true' });
    expect(envMap(c)).not.toHaveProperty(ENV.sessionMode);
    expect(Object.keys(secretsMap(c)).sort()).toEqual(
      [ENV.brokerSigningKeys, ENV.redisUrl, ENV.upstreamClientSecret, ENV.requestStateKeys].sort(),
    );
    Annotations.fromStack(stack).hasNoWarning('/Test/Mcp', Match.stringLikeRegexp("authMode 'broker'"));
    // Other modes on one task still refuse a store that stateless requests would not read.
    expect(
      errorOf(() => {
        const s = newStack();
        return new McpFargateService(
          s,
          'Mcp',
          brokerProps(s, {
            serverSettings: { oauthIssuer: 'https://auth.example.com' },
            autoScaling: false,
            desiredCount: 1,
            sessionStore: true,
          }),
        );
      }),
    ).toContain("sessionStore is used only by sessionMode 'stateful', authMode 'broker'");
  });
});

describe('broker: validators on synth', () => {
  function checkedApp(props: (stack: Stack) => Partial<McpFargateServiceProps>): { app: App; stack: Stack } {
    const app = newApp({ context: repoContext() });
    const stack = new Stack(app, 'Broker', { env: { region: REGION } });
    new McpFargateService(stack, 'Mcp', brokerProps(stack, props(stack)));
    addComplianceChecks(app, { verbose: false });
    return { app, stack };
  }
  const synthError = (app: App): string => {
    try {
      app.synth();
    } catch (e) {
      return (e as Error).message;
    }
    return '';
  };

  test('cdk-nag and cfn-guard pass with a created pool, on the Plus plan, and with an existing provider and a shared store', () => {
    expect(synthError(checkedApp(() => ({ broker: { cognito: true } })).app)).toBe('');
    expect(synthError(checkedApp(() => ({ broker: { cognito: { featurePlan: cognito.FeaturePlan.PLUS } } })).app)).toBe(
      '',
    );
    expect(
      synthError(
        checkedApp((s) => ({
          serverSettings: { ...UPSTREAM, sessionMode: 'stateful' },
          sessionStore: true,
          broker: { signingKeys: secretsmanager.Secret.fromSecretCompleteArn(s, 'K', KEYS_ARN) },
        })).app,
      ),
    ).toBe('');
  });

  test('what the user turns off is not acknowledged for them: optional MFA is reported as AwsSolutions-COG2 (a cdk-nag warning)', () => {
    const cog2 = (mfa?: cognito.Mfa): unknown[] => {
      const report = JSON.parse(
        fs.readFileSync(
          path.join(
            checkedApp(() => ({ broker: { cognito: { mfa } } })).app.synth().directory,
            'validation-report.json',
          ),
          'utf8',
        ),
      );
      return (
        report.pluginReports as {
          violations: { ruleName: string; violatingConstructs: { constructPath: string }[] }[];
        }[]
      )
        .flatMap((p) => p.violations)
        .filter((v) => v.ruleName === 'AwsSolutions-COG2')
        .flatMap((v) => v.violatingConstructs.map((c) => c.constructPath));
    };
    expect(cog2(cognito.Mfa.OPTIONAL)).toEqual(['Broker/Mcp/Cognito/UserPool/Resource']);
    expect(cog2()).toEqual([]);
  });

  test('the acknowledgements stay on their resources: another secret without rotation still fails', () => {
    const { app, stack } = checkedApp(() => ({ broker: { cognito: true } }));
    new secretsmanager.Secret(stack, 'Unreviewed');
    const message = synthError(app);
    expect(message).toMatch(/Broker\/Unreviewed\/Resource[\s\S]*AwsSolutions-SMG4/);
    expect(message).not.toContain('Cognito/ClientSecret');
  });
});

describe('broker in the app (context)', () => {
  const ZONE = {
    domainName: DOMAIN,
    hostedZoneId: 'Z0123456789ABC',
    hostedZoneName: 'example.com',
    image: 'public.ecr.aws/x/y:1',
  };
  const reader = (ctx: Record<string, unknown>) => (key: ContextKey) => ctx[key];
  const appStack = (ctx: Record<string, unknown>) => {
    const app = newApp({ context: repoContext() });
    const c = readAppContext(reader(ctx), REGION);
    return new McpServerStack(app, c.stackName, { env: { region: c.region }, service: servicePropsFromContext(c) });
  };
  const contextError = (ctx: Record<string, unknown>): string => errorOf(() => readAppContext(reader(ctx), REGION));

  test('-c authMode=broker -c brokerCognito=true: a user pool, its outputs, and the secret variables as ECS secrets', () => {
    const stack = appStack({ ...ZONE, authMode: 'broker', brokerCognito: 'true', cognitoDomainPrefix: 'team-mcp' });
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::Cognito::UserPool', 1);
    expect(onlyResource(t, 'AWS::Cognito::UserPoolDomain').Properties.Domain).toBe('team-mcp');
    const outputs = t.findOutputs('*');
    expect(outputs.UpstreamCallbackUrl!.Value).toBe(CALLBACK);
    expect(outputs.CognitoUserPoolId!.Value).toEqual({ Ref: idOf(stack, stack.mcp.cognito!.userPool) });
    expect(outputs.UpstreamIssuer).toBeDefined();
    const c = container(t);
    expect(Object.keys(secretsMap(c)).sort()).toEqual(
      [ENV.brokerSigningKeys, ENV.upstreamClientSecret, ENV.requestStateKeys].sort(),
    );
    expect(envMap(c)[ENV.brokerGroupsClaim]).toBe(COGNITO_GROUPS_CLAIM);
    for (const name of SECRET_ENV) expect(envMap(c)).not.toHaveProperty(name);
  });

  test('-c upstreamIssuer -c upstreamClientId and the broker settings become server settings', () => {
    const c = readAppContext(
      reader({
        ...ZONE,
        authMode: 'broker',
        upstreamIssuer: UPSTREAM.upstreamIssuer,
        upstreamClientId: UPSTREAM.upstreamClientId,
        upstreamScopes: 'openid email',
        brokerAllowedEmailDomains: 'example.com, example.org',
        brokerAllowedGroups: 'mcp-users',
        brokerGroupsClaim: 'roles',
        brokerRedirectHosts: 'claude.ai',
        brokerRedirectSchemes: 'cursor,vscode',
      }),
      REGION,
    );
    expect(c.settings).toEqual({
      authMode: 'broker',
      upstreamIssuer: UPSTREAM.upstreamIssuer,
      upstreamClientId: UPSTREAM.upstreamClientId,
      upstreamScopes: ['openid', 'email'],
      brokerAllowedEmailDomains: ['example.com', 'example.org'],
      brokerAllowedGroups: ['mcp-users'],
      brokerGroupsClaim: 'roles',
      brokerRedirectHosts: ['claude.ai'],
      brokerRedirectSchemes: ['cursor', 'vscode'],
    });
    const t = Template.fromStack(
      appStack({ ...ZONE, authMode: 'broker', upstreamIssuer: UPSTREAM.upstreamIssuer, upstreamClientId: 'x' }),
    );
    t.resourceCountIs('AWS::Cognito::UserPool', 0);
    expect(envMap(container(t))[ENV.upstreamIssuer]).toBe(UPSTREAM.upstreamIssuer);
    expect(t.findOutputs('CognitoUserPoolId')).toEqual({});
  });

  test('missing or conflicting broker context is named', () => {
    expect(contextError({ ...ZONE, authMode: 'broker' })).toContain(
      'the upstream identity provider of authMode broker: -c brokerCognito=true (a Cognito user pool is created), or -c upstreamIssuer=',
    );
    expect(
      contextError({ ...ZONE, authMode: 'broker', brokerCognito: 'true', upstreamIssuer: UPSTREAM.upstreamIssuer }),
    ).toContain('-c brokerCognito=true creates the upstream provider: drop -c upstreamIssuer');
    expect(
      contextError({ ...ZONE, oauthIssuer: 'https://auth.example.com', brokerCognito: 'true', upstreamClientId: 'x' }),
    ).toContain('-c brokerCognito, -c upstreamClientId apply only to -c authMode=broker');
    expect(
      contextError({
        ...ZONE,
        authMode: 'broker',
        upstreamIssuer: UPSTREAM.upstreamIssuer,
        upstreamClientId: 'x',
        cognitoDomainPrefix: 'a',
      }),
    ).toContain('-c cognitoDomainPrefix applies only with -c brokerCognito=true');
    expect(
      contextError({
        ...ZONE,
        authMode: 'broker',
        brokerCognito: 'true',
        brokerSigningKeysSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:k',
      }),
    ).toContain('-c brokerSigningKeysSecretArn must be the complete ARN of a secret');
    // oauthIssuer is not asked for in broker mode.
    expect(() => readAppContext(reader({ ...ZONE, authMode: 'broker', brokerCognito: 'true' }), REGION)).not.toThrow();
  });

  test('-c sessionStore=true (stateless sessions too) needs -c brokerSigningKeysSecretArn, whose whole value becomes BROKER_SIGNING_KEYS', () => {
    const stateful = { ...ZONE, authMode: 'broker', brokerCognito: 'true', sessionStore: 'true' };
    expect(() => appStack(stateful)).toThrow(/-c brokerSigningKeysSecretArn=<arn>/);
    const t = Template.fromStack(appStack({ ...stateful, brokerSigningKeysSecretArn: KEYS_ARN }));
    const secrets = secretsMap(container(t));
    expect(secrets[ENV.brokerSigningKeys]).toBe(KEYS_ARN);
    expect(Object.keys(secrets).sort()).toEqual(
      [ENV.brokerSigningKeys, ENV.redisUrl, ENV.upstreamClientSecret, ENV.requestStateKeys].sort(),
    );
  });
});
