/**
 * What both Pulumi components derive from the server's contract: validated settings with the deployment
 * defaults, the plain environment (names from the contract, never re-spelled here) and the secret values that
 * must go through a secret manager.
 */
import { randomBytes } from 'node:crypto';
import * as pulumi from '@pulumi/pulumi';
import {
  DEFAULTS,
  ENV,
  PATHS,
  SECRET_ENV,
  bearerTokensProblem,
  requestStateKeysProblem,
  serverEnvironment,
  validateServerSettings,
  type AuthMode,
  type EnvName,
  type ServerEnvironmentOptions,
  type ServerSettings,
} from '../../../server/config/contract';
import { brokerInstancesWarning, signingKeysProblem } from '../../shared/broker';
import { isHostname } from '../../shared/hostname';
import { missingSecretProblem } from '../../shared/secrets';
import { configFail, McpConfigError } from './errors';

/**
 * Secret values of the server. Each one is stored in the cloud's secret manager (as a Pulumi secret all the way)
 * and injected into the container from there — never as a plain environment value.
 */
export interface McpSecretValues {
  /** `OAUTH_CLIENT_SECRET`: the client secret the server uses to introspect tokens (`oauthIntrospectionUrl`). */
  oauthClientSecret?: pulumi.Input<string>;
  /**
   * `MCP_BEARER_TOKENS`: the static tokens of `authMode: 'token'`, comma-separated or as a list; each at least 16
   * characters or `sha256:` + 64 hex digits (the server's rule, checked here too).
   */
  bearerTokens?: pulumi.Input<string | string[]>;
  /** `UPSTREAM_CLIENT_SECRET`: broker mode, the secret of the server's OAuth client at the upstream provider. */
  upstreamClientSecret?: pulumi.Input<string>;
  /**
   * `BROKER_SIGNING_KEYS`: broker mode, a JWKS of private keys (`npm run broker:keys`); the first signs, the others
   * stay published. Required with a shared session store (every instance must sign with the same keys).
   */
  brokerSigningKeys?: pulumi.Input<string>;
  /**
   * `MCP_REQUEST_STATE_KEYS`: HMAC keys of 2026-07-28 `requestState`, comma-separated, each at least 32 bytes; the
   * first signs, all verify (rotation: `<new>,<old>`). Without it the component generates one key, kept across runs.
   */
  requestStateKeys?: pulumi.Input<string>;
}

/** One secret value with the contract's variable name it is injected as. */
export interface SecretEntry {
  key: keyof McpSecretValues;
  env: EnvName;
  /** Short kebab-case name for resource names. */
  slug: string;
  /** Always a Pulumi secret. */
  value: pulumi.Output<string>;
}

/**
 * The server's own rule for `MCP_BEARER_TOKENS` (the contract's `bearerTokensProblem`: each token at least 16
 * characters, or `sha256:` + 64 hex digits), so that tokens the server would refuse fail here and not in a container
 * that never starts. Plain values are checked at once; an output is checked when its value is known, failing the
 * secret that would carry it. The message never contains a token.
 */
export function checkBearerTokens(where: string, tokens: pulumi.Input<string | string[]>): pulumi.Output<string> {
  const check = (v: string | string[]): string => {
    const problem = bearerTokensProblem(v);
    if (problem) configFail(where, `bearer tokens (${ENV.bearerTokens}) the server would refuse: ${problem}`);
    return Array.isArray(v) ? v.join(',') : v;
  };
  if (typeof tokens === 'string') return pulumi.output(check(tokens));
  if (Array.isArray(tokens) && tokens.every((t) => typeof t === 'string')) return pulumi.output(check(tokens));
  return pulumi.output(tokens).apply(check);
}

/**
 * The shape the server requires of `BROKER_SIGNING_KEYS` (`signingKeysProblem`): a plain value is checked at once, an
 * output when its value is known. The message never contains the keys.
 */
export function checkSigningKeys(where: string, keys: pulumi.Input<string>): pulumi.Output<string> {
  const check = (v: string): string => {
    const problem = signingKeysProblem(v);
    if (problem) configFail(where, `signing keys (${ENV.brokerSigningKeys}) the server would refuse: ${problem}`);
    return v;
  };
  return typeof keys === 'string' ? pulumi.output(check(keys)) : pulumi.output(keys).apply(check);
}

/** The server's rule for `MCP_REQUEST_STATE_KEYS` (`requestStateKeysProblem`); the message never contains a key. */
export function checkRequestStateKeys(where: string, keys: pulumi.Input<string>): pulumi.Output<string> {
  const check = (v: string): string => {
    const problem = requestStateKeysProblem(v);
    if (problem) configFail(where, `request-state keys (${ENV.requestStateKeys}) the server would refuse: ${problem}`);
    return v;
  };
  return typeof keys === 'string' ? pulumi.output(check(keys)) : pulumi.output(keys).apply(check);
}

/**
 * One generated `MCP_REQUEST_STATE_KEYS` key (48 random bytes, base64url: 64 characters, never a comma), a Pulumi
 * secret from the start. `@pulumi/random` is not a dependency (nor its provider plugin), so a key is drawn on every
 * run: the resource that stores it must set `ignoreChanges` on the value, so that the key it was created with
 * stays — stable across `pulumi up`, the same for every instance, and changed only through the `requestStateKeys`
 * secret value.
 */
export function generatedRequestStateKeys(): pulumi.Output<string> {
  return pulumi.secret(randomBytes(48).toString('base64url'));
}

/** Each secret value a component takes: its variable, its resource-name slug, and the server's check of it. */
const SECRET_VALUES: readonly {
  key: keyof McpSecretValues;
  env: EnvName;
  slug: string;
  check?: (where: string, value: never) => pulumi.Output<string>;
}[] = [
  { key: 'oauthClientSecret', env: ENV.oauthClientSecret, slug: 'oauth-client-secret' },
  { key: 'bearerTokens', env: ENV.bearerTokens, slug: 'bearer-tokens', check: checkBearerTokens },
  { key: 'upstreamClientSecret', env: ENV.upstreamClientSecret, slug: 'upstream-client-secret' },
  { key: 'brokerSigningKeys', env: ENV.brokerSigningKeys, slug: 'broker-signing-keys', check: checkSigningKeys },
  { key: 'requestStateKeys', env: ENV.requestStateKeys, slug: 'request-state-keys', check: checkRequestStateKeys },
];

/** Secret values that were given, each wrapped with `pulumi.secret`; bearer tokens and signing keys checked. */
export function secretEntries(values: McpSecretValues | undefined, where = 'secrets'): SecretEntry[] {
  const entries: SecretEntry[] = [];
  for (const { key, env, slug, check } of SECRET_VALUES) {
    const value = values?.[key];
    if (value === undefined) continue;
    // The contract is the source of truth for which variables are secret.
    if (!SECRET_ENV.includes(env)) throw new Error(`internal: ${env} is not in the contract's SECRET_ENV`);
    const checked = check ? check(where, value as never) : (value as pulumi.Input<string>);
    entries.push({ key, env, slug, value: pulumi.secret(checked) });
  }
  return entries;
}

/** Settings after the deployment defaults: authMode and drainSeconds are always explicit. */
export type ResolvedSettings = ServerSettings & { authMode: AuthMode; drainSeconds: number };

export interface ResolvedServer {
  settings: ResolvedSettings;
  keepAliveSeconds: number;
  drainSeconds: number;
}

export interface DrainPolicy {
  /** Drain time used when the settings give none. */
  defaultSeconds: number;
  /** Why a drain time does not fit the platform (`infra/shared/drain.ts`), or undefined when it does. */
  problem: (drainSeconds: number) => string | undefined;
}

/** The component arguments the server settings derive from. */
export interface ServerArgs {
  server?: ServerSettings;
  /** Where clients reach the service: `publicUrl` defaults to `https://<domainName>/mcp`. */
  domainName?: string;
}

/**
 * Applies the deployment defaults (`authMode: 'oauth'`, the platform's drain time, `publicUrl` on `domainName`) and
 * checks the settings with the server's own `validateServerSettings`. Throws `McpConfigError`.
 */
export function resolveServerSettings(where: string, args: ServerArgs, drain: DrainPolicy): ResolvedServer {
  const { server, domainName } = args;
  if (domainName !== undefined && !isHostname(domainName)) {
    configFail(where, `domainName must be a host name like mcp.example.com (no scheme or path), got '${domainName}'`);
  }
  const base: ServerSettings = { ...(server ?? {}) };
  if (base.publicUrl === undefined && domainName) base.publicUrl = `https://${domainName}${PATHS.mcp}`;
  const authMode: AuthMode = base.authMode ?? 'oauth';
  const drainSeconds = base.drainSeconds ?? drain.defaultSeconds;
  const settings: ResolvedSettings = { ...base, authMode, drainSeconds };
  try {
    validateServerSettings(settings, where);
  } catch (e) {
    throw new McpConfigError((e as Error).message);
  }
  const drainProblem = drain.problem(drainSeconds);
  if (drainProblem) configFail(where, `drainSeconds ${drainProblem}`);
  return { settings, keepAliveSeconds: settings.keepAliveSeconds ?? DEFAULTS.keepAliveSeconds, drainSeconds };
}

/**
 * Settings that need a secret (`infra/shared/secrets.ts`): `authMode: 'token'` its tokens, token introspection its
 * client's secret, broker mode with a shared store common signing keys — the server refuses to start without them,
 * so fail at preview instead.
 */
export function assertSecretsFitSettings(
  settings: ResolvedSettings,
  secretEnvNames: readonly string[],
  where: string,
  options: { sharedStore?: boolean } = {},
): void {
  const problem = missingSecretProblem(settings, secretEnvNames, {
    sharedStore: options.sharedStore,
    howToPass: (pronoun) => `pass ${pronoun} as a secret value`,
  });
  if (problem) configFail(where, problem);
}

/**
 * What may go wrong with broker mode on this service, said at preview (each a warning, not an error): instances that
 * do not share the broker's state, and no common signing keys (each instance then generates its own at start, so
 * every token ends with the instance that signed it).
 */
export function brokerWarnings(
  settings: ResolvedSettings,
  secretEnvNames: readonly string[],
  opts: { instances: string | undefined; sharedStore: boolean; fix: string; restarts: string },
): string[] {
  if (settings.authMode !== 'broker') return [];
  const warnings: string[] = [];
  if (opts.instances && !opts.sharedStore) warnings.push(brokerInstancesWarning(opts.instances, opts.fix));
  if (!secretEnvNames.includes(ENV.brokerSigningKeys)) {
    warnings.push(
      `authMode 'broker' without signing keys (${ENV.brokerSigningKeys}): each instance generates keys when it ` +
        `starts, so the tokens it issued stop working when it stops (${opts.restarts}) and clients must sign in ` +
        'again. Make a set with `npm run broker:keys` and pass it as a secret value (in the program: ' +
        'npm run -s broker:keys | pulumi config set --secret brokerSigningKeys).',
    );
  }
  return warnings;
}

/**
 * The container's plain environment, straight from the contract's `serverEnvironment`. It never holds a secret
 * variable (checked, so a future contract change cannot leak one into plain configuration).
 */
export function plainEnvironment(settings: ServerSettings, options?: ServerEnvironmentOptions): Record<string, string> {
  const env = serverEnvironment(settings, options);
  for (const name of SECRET_ENV) {
    if (name in env) throw new Error(`internal: the plain environment must not contain the secret variable ${name}`);
  }
  return env;
}

/** `{name, value}` pairs sorted by name, so that diffs are stable. */
export function envPairs(env: Record<string, string>): { name: string; value: string }[] {
  return Object.keys(env)
    .sort()
    .map((name) => ({ name, value: env[name]! }));
}
