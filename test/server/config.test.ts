/** The configuration contract: defaults, one clear line per bad value, and the process refusing to start. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AUTH_MODES,
  CONTAINER_PORT,
  DEFAULTS,
  ENV,
  FARGATE_MAX_STOP_TIMEOUT_SECONDS,
  MANAGED_ENV_NAMES,
  maxDrainSecondsForStopTimeout,
  serverEnvironment,
  stopTimeoutSeconds,
  validateServerSettings,
} from '../../server/config/contract';
import { ConfigError, envSchema, loadConfig } from '../../server/config/env';
import { LOG_LEVELS, OTEL_ENV, SESSION_MODES } from '../../server/config/contract';
import { spawnServer, ROOT } from '../helpers/process';

/** A 32-byte `MCP_REQUEST_STATE_KEYS` value (required off loopback). */
const STATE_KEY = 's'.repeat(32);

describe('loadConfig', () => {
  test('defaults: loopback, port 3000, stateless, keep-alive 15 s, public URL derived', () => {
    const c = loadConfig({ MCP_AUTH_MODE: 'none' });
    expect(c.host).toBe('127.0.0.1');
    expect(c.port).toBe(3000);
    expect(c.publicUrl.href).toBe('http://127.0.0.1:3000/mcp');
    expect(c.sessionMode).toBe('stateless');
    expect(c.keepAliveSeconds).toBe(DEFAULTS.keepAliveSeconds);
    expect(c.drainSeconds).toBe(DEFAULTS.drainSeconds);
    expect(c.allowedOrigins).toEqual(['http://127.0.0.1:3000']);
  });

  test('explicit values are parsed and typed', () => {
    const c = loadConfig({
      HOST: '0.0.0.0',
      PORT: '8080',
      MCP_AUTH_MODE: 'token',
      MCP_BEARER_TOKENS: 'a-long-enough-token-123456',
      MCP_PUBLIC_URL: 'https://mcp.example.com/mcp',
      MCP_SESSION_MODE: 'stateful',
      MCP_ALLOWED_ORIGINS: 'https://a.example, https://b.example',
      MCP_KEEPALIVE_SECONDS: '20',
      MCP_TRUST_PROXY: '1',
      MCP_REQUEST_STATE_KEYS: STATE_KEY,
    });
    expect(c.port).toBe(8080);
    expect(c.publicUrl.href).toBe('https://mcp.example.com/mcp');
    expect(c.sessionMode).toBe('stateful');
    expect(c.allowedOrigins).toEqual(['https://a.example', 'https://b.example']);
    expect(c.keepAliveSeconds).toBe(20);
    expect(c.trustProxy).toBe(1);
  });

  test.each([
    [{ PORT: 'eighty' }, /^Invalid PORT="eighty": must be a whole number$/],
    [{ PORT: '70000' }, /^Invalid PORT="70000": must be at most 65535$/],
    [{ MCP_SESSION_MODE: 'sticky' }, /^Invalid MCP_SESSION_MODE="sticky": must be one of stateless, stateful$/],
    [{ MCP_KEEPALIVE_SECONDS: '0' }, /^Invalid MCP_KEEPALIVE_SECONDS="0": must be at least 1$/],
    [
      { MCP_PUBLIC_URL: 'mcp.example.com' },
      /^Invalid MCP_PUBLIC_URL="mcp.example.com": must be an absolute http\(s\) URL$/,
    ],
    [{ MCP_PUBLIC_URL: 'https://x.example/mcp?a=1' }, /^Invalid MCP_PUBLIC_URL=.*must not contain a query/],
    [{ LOG_LEVEL: 'loud' }, /^Invalid LOG_LEVEL="loud": must be one of/],
    [{ HOST: '0.0.0.0', MCP_AUTH_MODE: 'none' }, /^Invalid MCP_AUTH_MODE=none: .*loopback/],
  ])('%j is refused with one clear line', (env, message) => {
    let error: unknown;
    try {
      loadConfig({ MCP_AUTH_MODE: 'none', ...env });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('\n');
  });
});

test('the process exits non-zero with one line naming the variable', async () => {
  const proc = spawnServer({ PORT: 'abc' });
  expect(await proc.exited).not.toBe(0);
  const lines = proc.output().trim().split('\n');
  expect(lines).toEqual(['remote-mcp-stacks: configuration error: Invalid PORT="abc": must be a whole number']);
});

describe('infra contract', () => {
  test('MANAGED_ENV_NAMES: exactly the names serverEnvironment sets when every setting is given', () => {
    const env = serverEnvironment({
      publicUrl: 'https://m.example/mcp',
      sessionMode: 'stateless',
      authMode: 'oauth',
      oauthIssuer: 'https://id.example',
      oauthAudience: 'a',
      oauthJwksUri: 'https://id.example/jwks',
      oauthScopes: ['a'],
      oauthIntrospectionUrl: 'https://id.example/i',
      oauthClientId: 'c',
      allowedOrigins: ['https://a.example'],
      keepAliveSeconds: 1,
      drainSeconds: 1,
      sessionIdleSeconds: 1,
      maxSessions: 1,
      maxSessionsPerPrincipal: 1,
      logLevel: 'info',
      redisClusterMode: true,
      upstreamIssuer: 'https://login.example',
      upstreamClientId: 'c',
      upstreamScopes: ['openid'],
      brokerAllowedEmailDomains: ['example.com'],
      brokerAllowedGroups: ['g'],
      brokerGroupsClaim: 'groups',
      brokerRedirectHosts: ['claude.ai'],
      brokerRedirectSchemes: ['cursor'],
    });
    expect([...MANAGED_ENV_NAMES].sort()).toEqual(Object.keys(env).sort());
    expect(
      loadConfig({
        ...env,
        OAUTH_CLIENT_SECRET: 's',
        MCP_REQUEST_STATE_KEYS: STATE_KEY,
        MCP_SESSION_MODE: 'stateful',
        REDIS_URL: 'rediss://cache.internal:6379',
      }).redisClusterMode,
    ).toBe(true);
    expect(MANAGED_ENV_NAMES).toContain('MCP_MAX_SESSIONS');
  });

  test('validateServerSettings checks the session limits the server enforces', () => {
    expect(() => validateServerSettings({ maxSessions: 0 })).toThrow(
      /maxSessions must be an integer from 1 to 10000000, got 0/,
    );
    expect(() => validateServerSettings({ maxSessionsPerPrincipal: 10_000_001 })).toThrow(
      /maxSessionsPerPrincipal must be an integer/,
    );
    expect(() => validateServerSettings({ sessionIdleSeconds: 604801 })).toThrow(
      /sessionIdleSeconds must be an integer from 1 to 604800/,
    );
    expect(() =>
      validateServerSettings({ sessionIdleSeconds: 604800, maxSessions: 1, maxSessionsPerPrincipal: 1 }),
    ).not.toThrow();
  });

  test('serverEnvironment uses the names the server parses', () => {
    const env = serverEnvironment({
      publicUrl: 'https://m.example/mcp',
      sessionMode: 'stateful',
      authMode: 'oauth',
      oauthIssuer: 'https://id.example',
      oauthScopes: ['a', 'b'],
    });
    expect(env[ENV.port]).toBe(String(CONTAINER_PORT));
    const parsed = loadConfig({ ...env, OAUTH_ISSUER: 'https://id.example', MCP_REQUEST_STATE_KEYS: STATE_KEY });
    expect(parsed.port).toBe(CONTAINER_PORT);
    expect(parsed.host).toBe('0.0.0.0');
    expect(parsed.sessionMode).toBe('stateful');
    expect(parsed.auth.scopes).toEqual(['a', 'b']);
    expect(parsed.publicUrl.href).toBe('https://m.example/mcp');
  });

  test('serverEnvironment can leave PORT to the platform (Cloud Run reserves it)', () => {
    const settings = { authMode: 'oauth' as const, oauthIssuer: 'https://id.example' };
    const env = serverEnvironment(settings, { omitPort: true });
    expect(env).not.toHaveProperty(ENV.port);
    expect(env).toEqual(
      Object.fromEntries(Object.entries(serverEnvironment(settings)).filter(([name]) => name !== ENV.port)),
    );
    // the platform's PORT is the container port, which the server then listens on
    expect(loadConfig({ ...env, [ENV.port]: String(CONTAINER_PORT), MCP_REQUEST_STATE_KEYS: STATE_KEY }).port).toBe(
      CONTAINER_PORT,
    );
  });

  test('the longest drain Fargate allows is the one whose stopTimeout reaches its cap', () => {
    const maxDrain = maxDrainSecondsForStopTimeout();
    expect(maxDrain).toBe(115);
    expect(stopTimeoutSeconds(maxDrain)).toBe(FARGATE_MAX_STOP_TIMEOUT_SECONDS);
    expect(maxDrainSecondsForStopTimeout(30)).toBe(25);
  });

  test('validateServerSettings refuses loopback-only auth modes and plain http issuers', () => {
    expect(() => validateServerSettings({ authMode: 'none' })).toThrow(/only runs on loopback/);
    expect(() => validateServerSettings({ authMode: 'oauth' })).toThrow(/needs oauthIssuer/);
    expect(() => validateServerSettings({ authMode: 'oauth', oauthIssuer: 'http://id.example' })).toThrow(/https/);
    expect(() => validateServerSettings({ keepAliveSeconds: 0 })).toThrow(/keepAliveSeconds/);
    expect(() => validateServerSettings({ authMode: 'oauth', oauthIssuer: 'https://id.example' })).not.toThrow();
  });

  test('validateServerSettings refuses what the server would refuse at start-up: a public URL with a query or fragment, introspection without a client', () => {
    const oauth = { authMode: 'oauth' as const, oauthIssuer: 'https://id.example' };
    for (const publicUrl of ['https://m.example/mcp?tenant=a', 'https://m.example/mcp#x']) {
      expect(() => validateServerSettings({ ...oauth, publicUrl }, 'here')).toThrow(
        `here: publicUrl must not contain a query or fragment, got ${publicUrl}`,
      );
      expect(() => loadConfig({ ...serverEnvironment({ ...oauth, publicUrl }) })).toThrow(
        /must not contain a query or fragment/,
      );
    }
    expect(() => validateServerSettings({ ...oauth, publicUrl: 'https://m.example/mcp' })).not.toThrow();

    const introspection = { ...oauth, oauthIntrospectionUrl: 'https://id.example/introspect' };
    expect(() => validateServerSettings(introspection)).toThrow(
      'server settings: oauthIntrospectionUrl needs oauthClientId (the server introspects tokens as that client)',
    );
    expect(() => loadConfig({ ...serverEnvironment(introspection), [ENV.oauthClientSecret]: 's' })).toThrow(
      /needs OAUTH_CLIENT_ID/,
    );
    expect(() => validateServerSettings({ ...introspection, oauthClientId: 'mcp' })).not.toThrow();
  });
});

describe('MCP_REQUEST_STATE_KEYS (2026-07-28 requestState HMAC keys)', () => {
  const offLoopback = { HOST: '0.0.0.0', MCP_AUTH_MODE: 'token', MCP_BEARER_TOKENS: 'a-long-enough-token-123456' };
  const failure = (env: Record<string, string>) => {
    try {
      loadConfig(env);
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      return (e as Error).message;
    }
    throw new Error('accepted');
  };

  test('required off loopback; optional on loopback (the app then generates one in memory)', () => {
    expect(failure(offLoopback)).toMatch(/^MCP_REQUEST_STATE_KEYS is required when HOST is not a loopback address/);
    expect(loadConfig({ MCP_AUTH_MODE: 'none' }).requestStateKeys).toBeUndefined();
  });

  test('comma-separated, the first signs; each at least 32 bytes', () => {
    const keys = loadConfig({
      ...offLoopback,
      MCP_REQUEST_STATE_KEYS: `${'n'.repeat(40)}, ${STATE_KEY}`,
    }).requestStateKeys!;
    expect(keys.map((k) => Buffer.from(k).toString())).toEqual(['n'.repeat(40), STATE_KEY]);
  });

  test('a short key is refused in one line naming the variable and the entry, never echoing a key', () => {
    const message = failure({ ...offLoopback, MCP_REQUEST_STATE_KEYS: `${STATE_KEY},short-secret-value` });
    expect(message).toBe(
      'Invalid MCP_REQUEST_STATE_KEYS=(secret): entry 2 is 18 bytes; each key needs at least 32 (e.g. openssl rand -base64 48)',
    );
    expect(message).not.toContain('short-secret-value');
    expect(message).not.toContain(STATE_KEY);
  });
});

describe('docs/configuration.md, the settings reference', () => {
  const doc = readFileSync(join(ROOT, 'docs', 'configuration.md'), 'utf8');
  /** Every table row that documents a variable: `| \`NAME\` | default | meaning |`. */
  const rows = [...doc.matchAll(/^\| `([A-Z][A-Z0-9_]*)` \| ([^|]*) \| (.*) \|$/gm)].map(([, name, def, meaning]) => ({
    name: name!,
    default: def!.trim(),
    meaning: meaning!,
  }));
  const row = (name: string) => rows.find((r) => r.name === name)!;
  const serverVariables = Object.keys(envSchema.shape);

  test('documents every variable the server reads (env.ts and OpenTelemetry) exactly once, and nothing else', () => {
    expect(rows.map((r) => r.name).sort()).toEqual([...serverVariables, ...Object.values(OTEL_ENV)].sort());
  });

  test('each enumerated variable names every value it accepts', () => {
    const accepted: Record<string, readonly string[]> = {
      [ENV.sessionMode]: SESSION_MODES,
      [ENV.logLevel]: LOG_LEVELS,
      [ENV.authMode]: AUTH_MODES,
    };
    for (const [name, values] of Object.entries(accepted)) {
      expect({ name, missing: values.filter((v) => !row(name).meaning.includes(`\`${v}\``)) }).toEqual({
        name,
        missing: [],
      });
    }
  });

  /**
   * Each default given as a value (the first code span of its cell) is the one the server applies: setting the variable
   * to it changes nothing, in every auth mode and session mode. Defaults that are described rather than given (derived,
   * discovered, generated) are listed here; "—" means no default.
   */
  const DESCRIBED = new Set<string>([
    ENV.allowedOrigins,
    ENV.oauthJwksUri,
    ENV.brokerSigningKeys,
    ENV.requestStateKeys,
  ]);
  const BASES: Record<string, Record<string, string>> = {
    dev: {},
    none: { MCP_AUTH_MODE: 'none' },
    oauth: { MCP_AUTH_MODE: 'oauth', OAUTH_ISSUER: 'https://issuer.example.com' },
    token: { MCP_AUTH_MODE: 'token', MCP_BEARER_TOKENS: 't'.repeat(32) },
    broker: { MCP_AUTH_MODE: 'broker', UPSTREAM_ISSUER: 'https://login.example.com', UPSTREAM_CLIENT_ID: 'mcp' },
    stateful: { MCP_AUTH_MODE: 'none', MCP_SESSION_MODE: 'stateful', REDIS_URL: 'redis://127.0.0.1:6379' },
  };
  /** `http://<HOST>:<PORT>/mcp` with the documented HOST and PORT; another variable's name stands for its default. */
  const valueOf = (name: string): string | undefined => {
    const span = /^`([^`]+)`/.exec(row(name).default)?.[1];
    if (span === undefined) return undefined;
    if (serverVariables.includes(span)) return valueOf(span);
    return span.replace(/<([A-Z_]+)>/g, (_, other: string) => valueOf(other) ?? `<${other}>`);
  };
  /** The configuration as plain data (URLs as their href, key bytes as numbers). */
  const plain = (env: Record<string, string>) => JSON.parse(JSON.stringify(loadConfig(env))) as unknown;

  test('every default it gives is the one the server applies', () => {
    let checked = 0;
    for (const name of serverVariables) {
      const documented = valueOf(name);
      if (documented === undefined) {
        expect({ name, default: row(name).default }).toEqual({
          name,
          default: DESCRIBED.has(name) ? row(name).default : expect.stringMatching(/^—/),
        });
        continue;
      }
      for (const [mode, base] of Object.entries(BASES)) {
        const { [name]: _unset, ...env } = base;
        expect({ name, mode, config: plain({ ...env, [name]: documented }) }).toEqual({
          name,
          mode,
          config: plain(env),
        });
      }
      checked++;
    }
    // PORT, HOST, MCP_PUBLIC_URL, the session, stream, drain, body and proxy settings, log level, auth mode, broker defaults…
    expect(checked).toBeGreaterThanOrEqual(20);
  });
});

describe('broker mode settings', () => {
  const base = { MCP_AUTH_MODE: 'broker', UPSTREAM_ISSUER: 'https://login.example.com', UPSTREAM_CLIENT_ID: 'mcp' };
  const failure = (env: Record<string, string>) => {
    try {
      loadConfig(env);
    } catch (err) {
      return (err as Error).message;
    }
    return undefined;
  };

  test('needs the upstream provider, over https (http only on loopback)', () => {
    expect(failure({ MCP_AUTH_MODE: 'broker' })).toMatch(
      /MCP_AUTH_MODE=broker needs UPSTREAM_ISSUER and UPSTREAM_CLIENT_ID/,
    );
    expect(failure({ ...base, UPSTREAM_ISSUER: 'http://login.example.com' })).toMatch(
      /Invalid UPSTREAM_ISSUER=.*must be an https:\/\/ URL/,
    );
    expect(failure({ ...base, UPSTREAM_ISSUER: 'http://127.0.0.1:9000/idp' })).toBeUndefined();
    const config = loadConfig({
      ...base,
      BROKER_ALLOWED_EMAIL_DOMAINS: '@Example.com, corp.example',
      BROKER_REDIRECT_SCHEMES: 'Cursor:',
    });
    expect(config.auth.broker).toMatchObject({
      upstreamScopes: ['openid', 'email', 'profile'],
      allowedEmailDomains: ['example.com', 'corp.example'],
      groupsClaim: 'groups',
      redirectSchemes: ['cursor'],
      redirectHosts: expect.arrayContaining(['claude.ai', 'chatgpt.com']),
    });
  });

  test('several instances (REDIS_URL) must share signing keys', () => {
    expect(failure({ ...base, REDIS_URL: 'redis://127.0.0.1:6379' })).toMatch(
      /needs BROKER_SIGNING_KEYS: every instance must sign with the same keys/,
    );
  });

  test.each([
    ['not json', /must be a JWKS in JSON/],
    ['{"keys":[]}', /at least one key/],
    ['{"keys":[{"kty":"EC","alg":"ES256","d":"secret-material"}]}', /key 1 needs a "kid"/],
    ['{"keys":[{"kty":"oct","kid":"a","alg":"HS256","k":"secret-material","d":"x"}]}', /"alg" must be one of ES256/],
    ['{"keys":[{"kty":"EC","kid":"a","alg":"ES256","x":"1","y":"2"}]}', /is not a private key/],
    [
      '{"keys":[{"kty":"EC","kid":"a","alg":"ES256","d":"secret-material"},{"kty":"EC","kid":"a","alg":"ES256","d":"secret-material"}]}',
      /key 2: its kid appears twice/,
    ],
  ])('BROKER_SIGNING_KEYS=%s is refused in one line that never shows the keys', (value, message) => {
    const text = failure({ ...base, BROKER_SIGNING_KEYS: value });
    expect(text).toMatch(message);
    expect(text).toContain('BROKER_SIGNING_KEYS=(secret)');
    expect(text).not.toContain('secret-material');
  });
});
