/**
 * `MCP_REQUEST_STATE_KEYS` on ECS: a generated Secrets Manager secret (or one given), injected by ECS (`valueFrom`)
 * into every task alike, readable by the execution role only, never in the template — and the server starts on the
 * environment the template deploys, which it refuses to do without the keys on the tasks' address.
 */
import { Template } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Validations } from 'aws-cdk-lib';
import { ENV, MIN_REQUEST_STATE_KEY_BYTES, requestStateKeysProblem } from '../../../server/config/contract';
import { ConfigError, loadConfig } from '../../../server/config/env';
import { McpConfigError, McpFargateService } from '../../../infra/cdk';
import { deployedEnvironment } from './deployed-env';
import { baseProps, container, newStack, synthService } from './helpers';

const KEYS_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:mcp-request-state-AbCdEf';

describe('default: a generated secret', () => {
  // A domain, so that the URL in the environment is a plain string the server can read.
  const { stack, mcp, template } = synthService({
    domainName: 'mcp.example.com',
    autoScaling: { minCapacity: 2, maxCapacity: 4 },
  });
  const keysId = stack.getLogicalId(mcp.requestStateKeysSecret!.node.defaultChild as secretsmanager.CfnSecret);
  const secret = template.toJSON().Resources[keysId];

  test('one generated key, letters and digits only (never the comma of the list), 64 of them', () => {
    expect(secret.Type).toBe('AWS::SecretsManager::Secret');
    expect(secret.Properties.SecretString).toBeUndefined();
    expect(secret.Properties.GenerateSecretString).toEqual({
      ExcludePunctuation: true,
      IncludeSpace: false,
      PasswordLength: 64,
    });
    expect(secret.Properties.GenerateSecretString.PasswordLength).toBeGreaterThanOrEqual(MIN_REQUEST_STATE_KEY_BYTES);
  });

  test('injected by ECS from the secret store as the whole string, once in the one task definition (so every task alike)', () => {
    const c = container(template);
    expect(c.Secrets.filter((s: { Name: string }) => s.Name === ENV.requestStateKeys)).toEqual([
      { Name: ENV.requestStateKeys, ValueFrom: { Ref: keysId } },
    ]);
    expect((c.Environment as { Name: string }[]).map((e) => e.Name)).not.toContain(ENV.requestStateKeys);
    template.resourceCountIs('AWS::ECS::TaskDefinition', 1);
  });

  test('the execution role reads exactly this secret (GetSecretValue on its ARN, no wildcard); the task role reads nothing', () => {
    const policies = Object.values(template.findResources('AWS::IAM::Policy')).map((p) => p.Properties);
    const execRole = stack.getLogicalId(mcp.taskDefinition.executionRole!.node.defaultChild as any);
    const taskRole = stack.getLogicalId(mcp.taskDefinition.taskRole.node.defaultChild as any);
    const statements = policies
      .filter((p) => JSON.stringify(p.Roles).includes(execRole))
      .flatMap((p) => p.PolicyDocument.Statement as any[]);
    const onKeys = statements.filter((s) => JSON.stringify(s.Resource) === JSON.stringify({ Ref: keysId }));
    expect(onKeys).toEqual([
      expect.objectContaining({
        Effect: 'Allow',
        Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
      }),
    ]);
    for (const s of statements.filter((st) =>
      [st.Action].flat().some((a: string) => a.startsWith('secretsmanager:')),
    )) {
      expect(JSON.stringify(s.Resource)).not.toContain('*');
    }
    expect(policies.filter((p) => JSON.stringify(p.Roles).includes(taskRole))).toEqual([]);
  });

  test('the value is never in the template: the variable name appears only as the injected secret', () => {
    const json = JSON.stringify(template.toJSON());
    expect(json.split(ENV.requestStateKeys).length - 1).toBe(2); // the container's Secrets entry and the secret's description
    expect(secret.Properties.Description).toContain(ENV.requestStateKeys);
    // What Secrets Manager generates for these rules passes the server's own check.
    const env = deployedEnvironment(template);
    expect(requestStateKeysProblem(env[ENV.requestStateKeys]!)).toBeUndefined();
    expect(json).not.toContain(env[ENV.requestStateKeys]);
  });

  test('the server starts on the deployed environment (0.0.0.0, keys from the secret); without the secret it refuses', () => {
    const env = deployedEnvironment(template);
    expect(env[ENV.host]).toBe('0.0.0.0');
    const config = loadConfig(env);
    expect(config.requestStateKeys).toHaveLength(1);
    expect(config.requestStateKeys![0]!.byteLength).toBe(64);
    const { [ENV.requestStateKeys]: _omitted, ...withoutKeys } = env;
    expect(() => loadConfig(withoutKeys)).toThrow(ConfigError);
  });

  test('the rotation finding (SMG4) is acknowledged on this secret, with the reason', () => {
    const acks = mcp
      .requestStateKeysSecret!.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .map((m) => m.data);
    expect(JSON.stringify(acks)).toMatch(/AwsSolutions-SMG4.*<new>,<old>/);
  });
});

describe('keys brought by the user', () => {
  test('requestStateKeys (a JSON field of it): injected from there, nothing created, nothing acknowledged for the user', () => {
    const stack = newStack();
    const given = secretsmanager.Secret.fromSecretCompleteArn(stack, 'Keys', KEYS_ARN);
    const mcp = new McpFargateService(
      stack,
      'Mcp',
      baseProps(stack, { requestStateKeys: given, requestStateKeysField: 'keys' }),
    );
    const template = Template.fromStack(stack);
    expect(container(template).Secrets).toContainEqual({ Name: ENV.requestStateKeys, ValueFrom: `${KEYS_ARN}:keys::` });
    // Only the OAuth secret is created.
    template.resourceCountIs('AWS::SecretsManager::Secret', 1);
    expect(mcp.requestStateKeysSecret).toBe(given);
    expect(given.node.metadata).toEqual([]);
    const exec = JSON.stringify(template.findResources('AWS::IAM::Policy'));
    expect(exec).toContain(KEYS_ARN);
  });

  test('a field of secret (secretFields) or an extra `secrets` entry: the construct adds nothing', () => {
    const stack = newStack();
    const oauthSecret = secretsmanager.Secret.fromSecretCompleteArn(stack, 'S', KEYS_ARN);
    const mcp = new McpFargateService(
      stack,
      'Mcp',
      baseProps(stack, { secret: oauthSecret, secretFields: [ENV.oauthClientSecret, ENV.requestStateKeys] }),
    );
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    expect(mcp.requestStateKeysSecret).toBeUndefined();
    expect(container(template).Secrets.filter((s: { Name: string }) => s.Name === ENV.requestStateKeys)).toEqual([
      { Name: ENV.requestStateKeys, ValueFrom: `${KEYS_ARN}:${ENV.requestStateKeys}::` },
    ]);

    const stack2 = newStack();
    const other = secretsmanager.Secret.fromSecretCompleteArn(stack2, 'O', KEYS_ARN);
    new McpFargateService(
      stack2,
      'Mcp',
      baseProps(stack2, { secrets: { [ENV.requestStateKeys]: ecs.Secret.fromSecretsManager(other) } }),
    );
    const t2 = Template.fromStack(stack2);
    // The OAuth secret only.
    t2.resourceCountIs('AWS::SecretsManager::Secret', 1);
    expect(container(t2).Secrets.filter((s: { Name: string }) => s.Name === ENV.requestStateKeys)).toEqual([
      { Name: ENV.requestStateKeys, ValueFrom: KEYS_ARN },
    ]);
  });

  test.each([
    [
      'requestStateKeys and secretFields',
      (s: any, k: any) => ({
        requestStateKeys: k,
        secret: k,
        secretFields: [ENV.oauthClientSecret, ENV.requestStateKeys],
      }),
      "'MCP_REQUEST_STATE_KEYS' comes from requestStateKeys: remove it from secretFields",
    ],
    [
      'requestStateKeys and secrets',
      (_s: any, k: any) => ({
        requestStateKeys: k,
        secrets: { [ENV.requestStateKeys]: ecs.Secret.fromSecretsManager(k) },
      }),
      "'MCP_REQUEST_STATE_KEYS' comes from requestStateKeys: remove it from secrets",
    ],
    [
      'a field without the secret',
      () => ({ requestStateKeysField: 'keys' }),
      'requestStateKeysField needs requestStateKeys',
    ],
    [
      'an empty field',
      (_s: any, k: any) => ({ requestStateKeys: k, requestStateKeysField: ' ' }),
      'requestStateKeysField must name a JSON field, or be omitted',
    ],
  ])('%s → one clear sentence', (_name, props, message) => {
    const stack = newStack();
    const k = secretsmanager.Secret.fromSecretCompleteArn(stack, 'K', KEYS_ARN);
    const p = baseProps(stack, props(stack, k));
    let error: unknown;
    try {
      new McpFargateService(stack, 'Mcp', p);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(McpConfigError);
    expect((error as Error).message).toBe(`McpFargateService 'Test/Mcp': ${message}`);
  });
});
