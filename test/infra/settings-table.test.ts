/**
 * The contract's settings table (`SETTINGS` in server/config/contract.ts) drives the CDK app's context keys and
 * the Pulumi program's configuration keys; the Pulumi program dispatches to a cloud through one table.
 */
import { CONTEXT_KEYS, readAppContext } from '../../infra/cdk/context';
import { CLOUDS, CONFIG_KEYS } from '../../infra/pulumi/config';
import { CLOUD_DEPLOYERS } from '../../infra/pulumi/program';
import { DEPLOY_SETTING_KEYS, ENV, MANAGED_ENV_NAMES, SETTINGS, serverEnvironment } from '../../server/config/contract';

test('every setting the deployment programs take is a CDK context key and a Pulumi configuration key', () => {
  expect(DEPLOY_SETTING_KEYS.length).toBeGreaterThan(20);
  for (const key of DEPLOY_SETTING_KEYS) {
    expect([key, key in CONTEXT_KEYS]).toEqual([key, true]);
    expect([key, CONFIG_KEYS.includes(key)]).toEqual([key, true]);
  }
  // Set by the infrastructure itself (or left default): not keys.
  expect(DEPLOY_SETTING_KEYS).not.toContain('redisClusterMode');
  expect(DEPLOY_SETTING_KEYS).not.toContain('maxSessionsPerPrincipal');
});

test("each setting's variable is the contract's, and managed", () => {
  for (const spec of Object.values(SETTINGS)) expect(MANAGED_ENV_NAMES).toContain(spec.env);
  expect(serverEnvironment({ maxSessions: 7, oauthScopes: ['a', 'b'] })).toMatchObject({
    [ENV.maxSessions]: '7',
    [ENV.oauthScopes]: 'a,b',
  });
});

test('the CDK context reads each setting by its kind in the table', () => {
  const context: Record<string, string> = {
    certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/abc',
    oauthIssuer: 'https://auth.example.com',
    maxSessions: '12',
    oauthScopes: 'a, b',
    logLevel: 'debug',
  };
  const ctx = readAppContext((key) => context[key], 'eu-west-1');
  expect(ctx.settings).toEqual({
    authMode: 'oauth',
    oauthIssuer: 'https://auth.example.com',
    maxSessions: 12,
    oauthScopes: ['a', 'b'],
    logLevel: 'debug',
  });
  const loud: Record<string, string> = { ...context, logLevel: 'loud' };
  expect(() => readAppContext((key) => loud[key], 'eu-west-1')).toThrow(
    /-c logLevel must be one of fatal, error, warn, info, debug, trace, silent, got 'loud'/,
  );
});

test('the program has a deployer for every cloud it accepts, and nothing else', () => {
  expect(Object.keys(CLOUD_DEPLOYERS).sort()).toEqual([...CLOUDS].sort());
  for (const deploy of Object.values(CLOUD_DEPLOYERS)) expect(typeof deploy).toBe('function');
});
