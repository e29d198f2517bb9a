/**
 * Parses the process environment into the server's typed configuration (zod), using the variable names of
 * `contract.ts`. A bad value becomes one `ConfigError` line that names the variable and what is wrong.
 */
import { z } from 'zod';
import {
  AUTH_MODES,
  DEFAULTS,
  ENV,
  LIMITS,
  LOG_LEVELS,
  MIN_BEARER_TOKEN_LENGTH,
  PROXY_HOPS_BEHIND_LOAD_BALANCER,
  REDIS,
  SECRET_ENV,
  SESSION_MODES,
  bearerTokenProblem,
  requestStateKeysProblem,
  signingKeysProblem,
} from './contract';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_HOSTS.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host);
}

const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const opt = <T extends z.ZodType>(schema: T) => z.preprocess(blankToUndefined, schema.optional());
const int = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));
const list = z.string().transform((s) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean),
);
const httpUrl = z
  .string()
  .trim()
  .refine((s) => {
    try {
      return ['http:', 'https:'].includes(new URL(s).protocol);
    } catch {
      return false;
    }
  }, 'must be an absolute http(s) URL');
const redisUrl = z
  .string()
  .trim()
  .refine((s) => {
    try {
      const url = new URL(s);
      return REDIS.schemes.includes(url.protocol) && url.hostname !== '';
    } catch {
      return false;
    }
  }, 'must be a redis:// or rediss:// (TLS) URL with a host, e.g. rediss://cache.example.internal:6379');
const bool = z
  .string()
  .trim()
  .toLowerCase()
  .refine((s) => ['true', 'false', '1', '0', 'yes', 'no'].includes(s), 'must be true or false')
  .transform((s) => ['true', '1', 'yes'].includes(s));

/** Raw schema keyed by variable name; every key has one row in docs/configuration.md, with its real default (a test checks). */
export const envSchema = z.object({
  [ENV.port]: opt(int(0, 65535)),
  [ENV.host]: opt(z.string().trim().min(1)),
  [ENV.publicUrl]: opt(httpUrl),
  [ENV.sessionMode]: opt(z.enum(SESSION_MODES, { error: `must be one of ${SESSION_MODES.join(', ')}` })),
  [ENV.allowedOrigins]: opt(list),
  [ENV.keepAliveSeconds]: opt(int(LIMITS.keepAliveSeconds.min, LIMITS.keepAliveSeconds.max)),
  [ENV.streamBufferBytes]: opt(int(LIMITS.streamBufferBytes.min, LIMITS.streamBufferBytes.max)),
  [ENV.drainSeconds]: opt(int(LIMITS.drainSeconds.min, LIMITS.drainSeconds.max)),
  [ENV.sessionIdleSeconds]: opt(int(LIMITS.sessionIdleSeconds.min, LIMITS.sessionIdleSeconds.max)),
  [ENV.maxSessions]: opt(int(LIMITS.maxSessions.min, LIMITS.maxSessions.max)),
  [ENV.maxSessionsPerPrincipal]: opt(int(LIMITS.maxSessionsPerPrincipal.min, LIMITS.maxSessionsPerPrincipal.max)),
  [ENV.maxBodyBytes]: opt(int(1024, 100 * 1024 * 1024)),
  [ENV.trustProxy]: opt(z.string().trim()),
  [ENV.logLevel]: opt(z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` })),
  [ENV.authMode]: opt(z.enum(AUTH_MODES, { error: `must be one of ${AUTH_MODES.join(', ')}` })),
  [ENV.oauthIssuer]: opt(httpUrl),
  [ENV.oauthAudience]: opt(z.string().trim().min(1)),
  [ENV.oauthJwksUri]: opt(httpUrl),
  [ENV.oauthScopes]: opt(z.string().transform((s) => s.split(/[\s,]+/).filter(Boolean))),
  [ENV.oauthIntrospectionUrl]: opt(httpUrl),
  [ENV.oauthClientId]: opt(z.string().trim().min(1)),
  [ENV.oauthClientSecret]: opt(z.string().min(1)),
  [ENV.bearerTokens]: opt(list),
  [ENV.devAuthAllowNonLoopback]: opt(bool),
  [ENV.redisUrl]: opt(redisUrl),
  [ENV.redisClusterMode]: opt(bool),
  [ENV.upstreamIssuer]: opt(httpUrl),
  [ENV.upstreamClientId]: opt(z.string().trim().min(1)),
  [ENV.upstreamClientSecret]: opt(z.string().min(1)),
  [ENV.upstreamScopes]: opt(z.string().transform((s) => s.split(/[\s,]+/).filter(Boolean))),
  [ENV.brokerSigningKeys]: opt(z.string().transform(parseSigningKeys)),
  [ENV.requestStateKeys]: opt(z.string().transform(parseRequestStateKeys)),
  [ENV.brokerAllowedEmailDomains]: opt(list.transform((l) => l.map((d) => d.toLowerCase().replace(/^@/, '')))),
  [ENV.brokerAllowedGroups]: opt(list),
  [ENV.brokerGroupsClaim]: opt(z.string().trim().min(1)),
  [ENV.brokerRedirectHosts]: opt(list.transform((l) => l.map((h) => h.toLowerCase()))),
  [ENV.brokerRedirectSchemes]: opt(list.transform((l) => l.map((h) => h.toLowerCase().replace(/:$/, '')))),
});

/** A private JWK as the broker keeps it (shape checked by the contract; key material when jose imports it). */
export interface SigningJwk {
  kid: string;
  alg: string;
  kty: string;
  d: string;
  [member: string]: unknown;
}

/**
 * `BROKER_SIGNING_KEYS`: a JWKS (`{"keys":[…]}`) of private keys. The first signs; the others stay published so
 * tokens they signed remain valid until they expire (rotation without downtime). Errors never show the value.
 */
function parseSigningKeys(value: string, ctx: z.RefinementCtx): SigningJwk[] {
  const problem = signingKeysProblem(value);
  if (problem) {
    ctx.addIssue({ code: 'custom', message: problem });
    return z.NEVER;
  }
  return (JSON.parse(value) as { keys: SigningJwk[] }).keys;
}

/** `MCP_REQUEST_STATE_KEYS`: comma-separated HMAC keys (UTF-8), the first signs. Errors never show the value. */
function parseRequestStateKeys(value: string, ctx: z.RefinementCtx): Uint8Array[] {
  const problem = requestStateKeysProblem(value);
  if (problem) {
    ctx.addIssue({ code: 'custom', message: problem });
    return z.NEVER;
  }
  return value.split(',').map((k) => new Uint8Array(Buffer.from(k.trim(), 'utf8')));
}

export interface ServerConfig {
  port: number;
  host: string;
  /** Exact URL of the Streamable HTTP endpoint as clients use it. */
  publicUrl: URL;
  sessionMode: (typeof SESSION_MODES)[number];
  /** Origins allowed to call the server from a browser (exact match). */
  allowedOrigins: string[];
  keepAliveSeconds: number;
  /** Unsent bytes a response stream may hold before it is ended (its client does not read). */
  streamBufferBytes: number;
  drainSeconds: number;
  sessionIdleSeconds: number;
  maxSessions: number;
  /** Cap on live sessions of one principal. */
  maxSessionsPerPrincipal: number;
  maxBodyBytes: number;
  /** express `trust proxy` value: a hop count (0: `X-Forwarded-For` ignored) or a list of proxy addresses. */
  trustProxy: number | string;
  logLevel: (typeof LOG_LEVELS)[number];
  /**
   * HMAC keys of 2026-07-28 `requestState` (the first signs). Unset only on a single loopback instance: the app then
   * generates one in memory.
   */
  requestStateKeys?: Uint8Array[];
  /** Shared store (`REDIS_URL`): stateful sessions and listen notifications across instances, broker state; undefined = in memory. */
  redisUrl?: string;
  /** The store is a Redis Cluster (ElastiCache Serverless, Valkey/Redis cluster mode). */
  redisClusterMode: boolean;
  auth: AuthConfig;
}

export interface AuthConfig {
  mode: (typeof AUTH_MODES)[number];
  /**
   * The protected resource identifier: `MCP_PUBLIC_URL` exactly as written (no slash added or removed), or the
   * default public URL; a bare origin takes the form clients use, with its `/` (`https://host/`). Protected Resource Metadata advertises it and tokens must be issued for it.
   * @default `publicUrl.href`
   */
  resource?: string;
  issuer?: string;
  /** Expected `aud` of access tokens. @default `resource` */
  audience?: string;
  jwksUri?: string;
  scopes: string[];
  introspectionUrl?: string;
  clientId?: string;
  clientSecret?: string;
  bearerTokens: string[];
  devAllowNonLoopback: boolean;
  /** Broker mode (`MCP_AUTH_MODE=broker`). */
  broker?: BrokerConfig;
}

export interface BrokerConfig {
  upstreamIssuer: string;
  upstreamClientId: string;
  upstreamClientSecret?: string;
  upstreamScopes: string[];
  /** Undefined: keys are generated at start (one instance only; tokens end with the process). */
  signingKeys?: SigningJwk[];
  allowedEmailDomains: string[];
  allowedGroups: string[];
  groupsClaim: string;
  redirectHosts: string[];
  redirectSchemes: string[];
}

/** Parses an environment (default: `process.env`). Throws `ConfigError` with one line on the first problem. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): ServerConfig {
  const picked: Record<string, string | undefined> = {};
  for (const key of Object.keys(envSchema.shape)) picked[key] = source[key];
  const parsed = envSchema.safeParse(picked);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = String(issue.path[0]);
    const shown = (SECRET_ENV as readonly string[]).includes(name) ? '(secret)' : JSON.stringify(picked[name]);
    throw new ConfigError(`Invalid ${name}=${shown}: ${issue.message}`);
  }
  const e = parsed.data;
  const host = e[ENV.host] ?? DEFAULTS.host;
  const port = e[ENV.port] ?? DEFAULTS.port;
  const loopback = isLoopbackHost(host);
  const urlHost =
    host === '0.0.0.0' || host === '::'
      ? 'localhost'
      : host.includes(':') && !host.startsWith('[')
        ? `[${host}]`
        : host;
  const publicUrl = new URL(e[ENV.publicUrl] ?? `http://${urlHost}:${port}/mcp`);
  if (publicUrl.search || publicUrl.hash) {
    throw new ConfigError(
      `Invalid ${ENV.publicUrl}=${JSON.stringify(publicUrl.href)}: must not contain a query or fragment`,
    );
  }
  // On loopback `npm start` runs the embedded development authorization server; anywhere else the operator chooses.
  if (e[ENV.authMode] === undefined && !loopback) {
    throw new ConfigError(
      `${ENV.authMode} is not set and ${ENV.host}=${host} is not a loopback address: set ${ENV.authMode}=oauth (with ${ENV.oauthIssuer}), ${ENV.authMode}=broker (with ${ENV.upstreamIssuer} and ${ENV.upstreamClientId}) or ${ENV.authMode}=token (with ${ENV.bearerTokens})`,
    );
  }
  const authMode = e[ENV.authMode] ?? 'dev';
  if (authMode === 'none' && !loopback) {
    throw new ConfigError(
      `Invalid ${ENV.authMode}=none: no authentication is allowed only when ${ENV.host} is a loopback address (got ${host}); use oauth, broker or token`,
    );
  }
  checkAuthSettings(authMode, e, host, loopback);
  // Generated in memory only on loopback (one machine, normally one instance); anywhere else every instance must share them.
  if (!e[ENV.requestStateKeys] && !loopback) {
    throw new ConfigError(
      `${ENV.requestStateKeys} is required when ${ENV.host} is not a loopback address (got ${host}): every instance must verify the others' 2026-07-28 requestState (comma-separated keys of at least 32 bytes, e.g. openssl rand -base64 48)`,
    );
  }
  // The resource identifier is MCP_PUBLIC_URL as written, except a bare origin: clients parse `https://host` into
  // `https://host/` and compare (and send as RFC 8707 `resource`) that form, so it is the one published and expected.
  const resource = e[ENV.publicUrl] !== undefined && publicUrl.pathname !== '/' ? e[ENV.publicUrl] : publicUrl.href;
  const trustProxy = parseTrustProxy(e[ENV.trustProxy]);
  return {
    port,
    host,
    publicUrl,
    sessionMode: e[ENV.sessionMode] ?? DEFAULTS.sessionMode,
    allowedOrigins: e[ENV.allowedOrigins] ?? [publicUrl.origin],
    keepAliveSeconds: e[ENV.keepAliveSeconds] ?? DEFAULTS.keepAliveSeconds,
    streamBufferBytes: e[ENV.streamBufferBytes] ?? DEFAULTS.streamBufferBytes,
    drainSeconds: e[ENV.drainSeconds] ?? DEFAULTS.drainSeconds,
    sessionIdleSeconds: e[ENV.sessionIdleSeconds] ?? DEFAULTS.sessionIdleSeconds,
    maxSessions: e[ENV.maxSessions] ?? DEFAULTS.maxSessions,
    maxSessionsPerPrincipal: e[ENV.maxSessionsPerPrincipal] ?? DEFAULTS.maxSessionsPerPrincipal,
    maxBodyBytes: e[ENV.maxBodyBytes] ?? DEFAULTS.maxBodyBytes,
    trustProxy,
    logLevel: e[ENV.logLevel] ?? DEFAULTS.logLevel,
    requestStateKeys: e[ENV.requestStateKeys],
    redisUrl: e[ENV.redisUrl],
    redisClusterMode: e[ENV.redisClusterMode] ?? false,
    auth: {
      mode: authMode,
      resource,
      issuer: e[ENV.oauthIssuer],
      audience: e[ENV.oauthAudience] ?? resource,
      jwksUri: e[ENV.oauthJwksUri],
      scopes: e[ENV.oauthScopes] ?? [],
      introspectionUrl: e[ENV.oauthIntrospectionUrl],
      clientId: e[ENV.oauthClientId],
      clientSecret: e[ENV.oauthClientSecret],
      bearerTokens: e[ENV.bearerTokens] ?? [],
      devAllowNonLoopback: e[ENV.devAuthAllowNonLoopback] ?? false,
      broker:
        authMode === 'broker'
          ? {
              upstreamIssuer: e[ENV.upstreamIssuer]!,
              upstreamClientId: e[ENV.upstreamClientId]!,
              upstreamClientSecret: e[ENV.upstreamClientSecret],
              upstreamScopes: e[ENV.upstreamScopes] ?? [...DEFAULTS.upstreamScopes],
              signingKeys: e[ENV.brokerSigningKeys],
              allowedEmailDomains: e[ENV.brokerAllowedEmailDomains] ?? [],
              allowedGroups: e[ENV.brokerAllowedGroups] ?? [],
              groupsClaim: e[ENV.brokerGroupsClaim] ?? DEFAULTS.brokerGroupsClaim,
              redirectHosts: e[ENV.brokerRedirectHosts] ?? [...DEFAULTS.brokerRedirectHosts],
              redirectSchemes: e[ENV.brokerRedirectSchemes] ?? [...DEFAULTS.brokerRedirectSchemes],
            }
          : undefined,
    },
  };
}

/** Shortest static bearer token accepted (`MCP_BEARER_TOKENS`); the rule itself is the contract's `bearerTokenProblem`. */
export { MIN_BEARER_TOKEN_LENGTH } from './contract';

type ParsedEnv = z.infer<typeof envSchema>;

/**
 * `MCP_TRUST_PROXY`: how many proxies in front of the server to believe (`false` = 0), or their addresses. Never
 * "every hop" (`true`): the left-most `X-Forwarded-For` entry is whatever the client wrote, so the failed-auth
 * limiter could be escaped by rotating it, or a victim's address locked out.
 */
function parseTrustProxy(raw: string | undefined): number | string {
  if (raw === undefined || raw === '' || raw === 'false') return DEFAULTS.trustProxyHops;
  if (/^\d{1,2}$/.test(raw)) return Number(raw);
  if (raw === 'true' || /^\d+$/.test(raw)) {
    throw new ConfigError(
      `Invalid ${ENV.trustProxy}=${raw}: give the number of proxies in front of the server (0 to 99; behind an ALB or Cloud Run: ${PROXY_HOPS_BEHIND_LOAD_BALANCER}) or their addresses — trusting every hop lets a client choose the address the failed-auth limiter counts`,
    );
  }
  return raw;
}

/** Cross-variable checks of the auth settings: one `ConfigError` line naming the variable to fix. */
function checkAuthSettings(mode: AuthConfig['mode'], e: ParsedEnv, host: string, loopback: boolean): void {
  if (mode === 'dev' && !loopback && !e[ENV.devAuthAllowNonLoopback]) {
    throw new ConfigError(
      `Invalid ${ENV.authMode}=dev: the development authorization server runs only when ${ENV.host} is a loopback address (got ${host}); use oauth, broker or token (or set ${ENV.devAuthAllowNonLoopback}=true if you really mean it)`,
    );
  }
  if (mode === 'oauth') {
    if (!e[ENV.oauthIssuer]) {
      throw new ConfigError(
        `${ENV.authMode}=oauth needs ${ENV.oauthIssuer}: the issuer URL of your authorization server`,
      );
    }
    for (const name of [ENV.oauthIssuer, ENV.oauthJwksUri, ENV.oauthIntrospectionUrl] as const) {
      const value = e[name];
      if (value !== undefined && !isSecureOrLoopbackUrl(value)) {
        throw new ConfigError(
          `Invalid ${name}=${JSON.stringify(value)}: must be an https:// URL (http:// is accepted only for loopback addresses)`,
        );
      }
    }
    if (e[ENV.oauthIntrospectionUrl] && (!e[ENV.oauthClientId] || !e[ENV.oauthClientSecret])) {
      throw new ConfigError(
        `${ENV.oauthIntrospectionUrl} needs ${ENV.oauthClientId} and ${ENV.oauthClientSecret}: the credentials this server introspects tokens with`,
      );
    }
  }
  if (mode === 'broker') {
    if (!e[ENV.upstreamIssuer] || !e[ENV.upstreamClientId]) {
      throw new ConfigError(
        `${ENV.authMode}=broker needs ${ENV.upstreamIssuer} and ${ENV.upstreamClientId} (and usually ${ENV.upstreamClientSecret}): the OpenID Connect provider your users sign in with`,
      );
    }
    if (!isSecureOrLoopbackUrl(e[ENV.upstreamIssuer]!)) {
      throw new ConfigError(
        `Invalid ${ENV.upstreamIssuer}=${JSON.stringify(e[ENV.upstreamIssuer])}: must be an https:// URL (http:// is accepted only for loopback addresses)`,
      );
    }
    if (e[ENV.redisUrl] && !e[ENV.brokerSigningKeys]) {
      throw new ConfigError(
        `${ENV.authMode}=broker with ${ENV.redisUrl} (several instances) needs ${ENV.brokerSigningKeys}: every instance must sign with the same keys (npm run broker:keys makes a set)`,
      );
    }
  }
  if (mode === 'token') {
    const tokens = e[ENV.bearerTokens] ?? [];
    if (tokens.length === 0) {
      throw new ConfigError(
        `${ENV.authMode}=token needs ${ENV.bearerTokens}: a comma-separated list of tokens (at least ${MIN_BEARER_TOKEN_LENGTH} characters each) or sha256:<hex> digests of them`,
      );
    }
    // The contract's rule, which the infrastructure programs check too (never echoing a token).
    tokens.forEach((token, i) => {
      const problem = bearerTokenProblem(token);
      if (problem) throw new ConfigError(`Invalid ${ENV.bearerTokens} (entry ${i + 1}): ${problem}`);
    });
  }
}

function isSecureOrLoopbackUrl(value: string): boolean {
  const url = new URL(value);
  return url.protocol === 'https:' || isLoopbackHost(url.hostname);
}
