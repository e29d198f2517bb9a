/**
 * The server's deployment contract, defined once.
 *
 * Everything an operator or an infrastructure program needs to know about the server — the names of its
 * environment variables, its HTTP paths, its port in a container, its timing — lives here. The server parses
 * its environment with these names (see `env.ts`), and the CDK construct and the Pulumi components import this
 * module, so infrastructure can never drift from the server it deploys.
 *
 * This module has no runtime dependencies, so importing it from infrastructure code is cheap.
 */

/** HTTP paths served by the server. */
export const PATHS = {
  /** Streamable HTTP endpoint (POST, GET, DELETE) — the MCP URL clients add. */
  mcp: '/mcp',
  /** Legacy HTTP+SSE transport (protocol 2024-11-05): the event stream. */
  sse: '/sse',
  /** Legacy HTTP+SSE transport: where clients POST messages (`?sessionId=`). */
  messages: '/messages',
  /** Liveness: 200 while the process can serve at all. */
  healthz: '/healthz',
  /** Readiness: 200 when ready, 503 while draining — load balancers health-check this. */
  readyz: '/readyz',
  /** The authorization server of modes `dev` and `broker`, on the server's own origin (its issuer is `<origin>/oauth`). */
  authorizationServer: '/oauth',
  /**
   * Broker mode: where the upstream identity provider sends the browser back after sign-in. Register
   * `<origin>/oauth/callback` as the redirect URI of the upstream OAuth client.
   */
  upstreamCallback: '/oauth/callback',
} as const;

/** Environment variable names. docs/configuration.md documents each of them (one row each). */
export const ENV = {
  port: 'PORT',
  host: 'HOST',
  publicUrl: 'MCP_PUBLIC_URL',
  sessionMode: 'MCP_SESSION_MODE',
  allowedOrigins: 'MCP_ALLOWED_ORIGINS',
  keepAliveSeconds: 'MCP_KEEPALIVE_SECONDS',
  streamBufferBytes: 'MCP_STREAM_BUFFER_BYTES',
  drainSeconds: 'MCP_DRAIN_SECONDS',
  sessionIdleSeconds: 'MCP_SESSION_IDLE_SECONDS',
  maxSessions: 'MCP_MAX_SESSIONS',
  maxSessionsPerPrincipal: 'MCP_MAX_SESSIONS_PER_PRINCIPAL',
  maxBodyBytes: 'MCP_MAX_BODY_BYTES',
  trustProxy: 'MCP_TRUST_PROXY',
  logLevel: 'LOG_LEVEL',
  authMode: 'MCP_AUTH_MODE',
  oauthIssuer: 'OAUTH_ISSUER',
  oauthAudience: 'OAUTH_AUDIENCE',
  oauthJwksUri: 'OAUTH_JWKS_URI',
  oauthScopes: 'OAUTH_SCOPES',
  oauthIntrospectionUrl: 'OAUTH_INTROSPECTION_URL',
  oauthClientId: 'OAUTH_CLIENT_ID',
  oauthClientSecret: 'OAUTH_CLIENT_SECRET',
  bearerTokens: 'MCP_BEARER_TOKENS',
  devAuthAllowNonLoopback: 'MCP_DEV_AUTH_ALLOW_NON_LOOPBACK',
  redisUrl: 'REDIS_URL',
  redisClusterMode: 'REDIS_CLUSTER_MODE',
  upstreamIssuer: 'UPSTREAM_ISSUER',
  upstreamClientId: 'UPSTREAM_CLIENT_ID',
  upstreamClientSecret: 'UPSTREAM_CLIENT_SECRET',
  upstreamScopes: 'UPSTREAM_SCOPES',
  brokerSigningKeys: 'BROKER_SIGNING_KEYS',
  requestStateKeys: 'MCP_REQUEST_STATE_KEYS',
  brokerAllowedEmailDomains: 'BROKER_ALLOWED_EMAIL_DOMAINS',
  brokerAllowedGroups: 'BROKER_ALLOWED_GROUPS',
  brokerGroupsClaim: 'BROKER_GROUPS_CLAIM',
  brokerRedirectHosts: 'BROKER_REDIRECT_HOSTS',
  brokerRedirectSchemes: 'BROKER_REDIRECT_SCHEMES',
} as const;

export type EnvName = (typeof ENV)[keyof typeof ENV];

/**
 * The standard OpenTelemetry variables the server follows (read by the OpenTelemetry SDK itself, not by `env.ts`).
 * Telemetry is off unless an OTLP endpoint is set; docs/configuration.md's "Observability" table documents each of them.
 */
export const OTEL_ENV = {
  endpoint: 'OTEL_EXPORTER_OTLP_ENDPOINT',
  tracesEndpoint: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
  metricsEndpoint: 'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT',
  headers: 'OTEL_EXPORTER_OTLP_HEADERS',
  timeout: 'OTEL_EXPORTER_OTLP_TIMEOUT',
  protocol: 'OTEL_EXPORTER_OTLP_PROTOCOL',
  serviceName: 'OTEL_SERVICE_NAME',
  resourceAttributes: 'OTEL_RESOURCE_ATTRIBUTES',
  tracesSampler: 'OTEL_TRACES_SAMPLER',
  tracesSamplerArg: 'OTEL_TRACES_SAMPLER_ARG',
  tracesExporter: 'OTEL_TRACES_EXPORTER',
  metricsExporter: 'OTEL_METRICS_EXPORTER',
  metricExportInterval: 'OTEL_METRIC_EXPORT_INTERVAL',
  bspScheduleDelay: 'OTEL_BSP_SCHEDULE_DELAY',
  sdkDisabled: 'OTEL_SDK_DISABLED',
} as const;

/**
 * Variables that carry secrets. Infrastructure must inject these from a secret manager
 * (ECS `secrets`, Cloud Run `secretKeyRef`), never as plain environment values.
 */
export const SECRET_ENV: readonly EnvName[] = [
  ENV.oauthClientSecret,
  ENV.bearerTokens,
  ENV.redisUrl,
  ENV.upstreamClientSecret,
  ENV.brokerSigningKeys,
  ENV.requestStateKeys,
];

export const SESSION_MODES = ['stateless', 'stateful'] as const;
export type SessionMode = (typeof SESSION_MODES)[number];

/**
 * `none`: no authentication, loopback only. `dev`: embedded development authorization server, loopback only.
 * `oauth`: JWT (or introspected) access tokens from an external authorization server. `token`: static bearer tokens.
 * `broker`: the server's own authorization server (DCR, Client ID Metadata Documents) that signs users in with an
 * upstream OpenID Connect provider (Cognito, Entra ID, Google, Okta, …) and issues its own tokens.
 */
export const AUTH_MODES = ['none', 'dev', 'oauth', 'token', 'broker'] as const;
export type AuthMode = (typeof AUTH_MODES)[number];

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Defaults the server applies when a variable is unset. */
export const DEFAULTS = {
  port: 3000,
  host: '127.0.0.1',
  sessionMode: 'stateless' as SessionMode,
  /** SSE comment frames keep idle streams alive through proxies; every idle timeout on the path must exceed it. */
  keepAliveSeconds: 15,
  /**
   * Bytes a response stream may hold unsent for a client that does not read. A reading client leaves far less (the
   * kernel's socket buffers take the rest); streams × this bounds what unread streams can cost.
   */
  streamBufferBytes: 1024 * 1024,
  /** Time given to in-flight calls after SIGTERM. Fits ECS (stopTimeout ≤ 120 s); Cloud Run sets less (10 s grace). */
  drainSeconds: 20,
  sessionIdleSeconds: 1800,
  maxSessions: 10_000,
  /** One caller (one token, one user) cannot take every session of an instance. */
  maxSessionsPerPrincipal: 1_000,
  /** Same bound as the MCP SDK's own transport. */
  maxBodyBytes: 4 * 1024 * 1024,
  logLevel: 'info' as LogLevel,
  /**
   * Proxies in front of the server whose `X-Forwarded-For` is believed: none. Exposed directly (`docker run -p`),
   * the header is the client's own text, and believing it would let a client pick the address the failed-auth
   * limiter counts. Behind a load balancer, infrastructure sets `PROXY_HOPS_BEHIND_LOAD_BALANCER`.
   */
  trustProxyHops: 0,
  /** Broker mode: what the server asks the upstream provider for (identity, e-mail for admission). */
  upstreamScopes: ['openid', 'email', 'profile'] as readonly string[],
  /** Broker mode: the claim that lists a user's groups (Cognito: `cognito:groups`; Entra ID: `groups` or `roles`). */
  brokerGroupsClaim: 'groups',
  /**
   * Broker mode: HTTPS redirect hosts of hosted MCP clients accepted at registration (desktop clients use loopback
   * redirects, always accepted). Claude (web and desktop connectors), ChatGPT connectors, VS Code for the web.
   */
  brokerRedirectHosts: [
    'claude.ai',
    'claude.com',
    'chatgpt.com',
    'vscode.dev',
    'insiders.vscode.dev',
  ] as readonly string[],
  /** Broker mode: private-use URI schemes of native MCP clients accepted as redirects (RFC 8252 §7.1). */
  brokerRedirectSchemes: ['cursor', 'vscode', 'vscode-insiders'] as readonly string[],
} as const;

/** Limits the server enforces on its own settings (infra validates against the same numbers). */
export const LIMITS = {
  keepAliveSeconds: { min: 1, max: 3600 },
  streamBufferBytes: { min: 16 * 1024, max: 256 * 1024 * 1024 },
  drainSeconds: { min: 0, max: 3600 },
  /** Up to one week. */
  sessionIdleSeconds: { min: 1, max: 7 * 24 * 3600 },
  maxSessions: { min: 1, max: 10_000_000 },
  maxSessionsPerPrincipal: { min: 1, max: 10_000_000 },
} as const;

/**
 * The shared store (`REDIS_URL`: stateful sessions, broker state and 2026-07-28 listen notifications across instances): Redis or Valkey 7+.
 * `rediss://` means TLS, which ElastiCache Serverless and Memorystore's in-transit encryption require.
 */
export const REDIS = {
  port: 6379,
  schemes: ['redis:', 'rediss:'] as readonly string[],
} as const;

/** `REDIS_URL` for a store at host:port; the password, if any, goes in as a URL-encoded user-info part. */
export function redisUrl(host: string, options: { port?: number; tls?: boolean; password?: string } = {}): string {
  const auth = options.password !== undefined ? `:${encodeURIComponent(options.password)}@` : '';
  return `${options.tls === false ? 'redis' : 'rediss'}://${auth}${host}:${options.port ?? REDIS.port}`;
}

/** The port the container image listens on (the Dockerfile sets `PORT` to it). */
export const CONTAINER_PORT = 8080;

/**
 * Settings an infrastructure program passes to the server. Only non-secret values: secrets
 * (`SECRET_ENV`) are wired from a secret manager by the infrastructure code itself.
 */
export interface ServerSettings {
  /** Exact URL clients use, e.g. `https://mcp.example.com/mcp`. */
  publicUrl?: string;
  /** @default 'stateless' */
  sessionMode?: SessionMode;
  /** @default 'oauth' in infrastructure (dev and none are loopback-only) */
  authMode?: AuthMode;
  oauthIssuer?: string;
  /** @default publicUrl */
  oauthAudience?: string;
  oauthJwksUri?: string;
  oauthScopes?: string[];
  oauthIntrospectionUrl?: string;
  oauthClientId?: string;
  /** Browser origins allowed to call the server. @default the origin of publicUrl */
  allowedOrigins?: string[];
  /** @default 15 */
  keepAliveSeconds?: number;
  /** @default 20 */
  drainSeconds?: number;
  /** @default 1800 */
  sessionIdleSeconds?: number;
  /** @default 10000 */
  maxSessions?: number;
  /** @default 1000 */
  maxSessionsPerPrincipal?: number;
  /** @default 'info' */
  logLevel?: LogLevel;
  /**
   * The session store (`REDIS_URL`, a secret wired by the infrastructure) speaks the Redis Cluster protocol, as
   * ElastiCache Serverless does. @default false
   */
  redisClusterMode?: boolean;
  /** Broker mode: issuer of the upstream OpenID Connect provider users sign in with. */
  upstreamIssuer?: string;
  /** Broker mode: this server's client id at the upstream provider (its secret is `UPSTREAM_CLIENT_SECRET`). */
  upstreamClientId?: string;
  /** @default ['openid', 'email', 'profile'] */
  upstreamScopes?: string[];
  /** Broker mode: admit only users whose verified e-mail is in one of these domains. @default anyone the upstream signs in */
  brokerAllowedEmailDomains?: string[];
  /** Broker mode: admit only users in one of these groups (claim `brokerGroupsClaim`). */
  brokerAllowedGroups?: string[];
  /** @default 'groups' */
  brokerGroupsClaim?: string;
  /** @default Claude, ChatGPT and VS Code for the web */
  brokerRedirectHosts?: string[];
  /** @default ['cursor', 'vscode', 'vscode-insiders'] */
  brokerRedirectSchemes?: string[];
}

export interface ServerEnvironmentOptions {
  /**
   * Leave `PORT` out: platforms that reserve it and set it themselves from the container port (Cloud Run refuses
   * a service that sets it).
   * @default false
   */
  omitPort?: boolean;
}

/** How a setting is written as one text value (CDK context, Pulumi configuration) and read back. */
export type SettingKind =
  | { type: 'string' }
  /** Comma- (or space-) separated; the variable is comma-joined. */
  | { type: 'list' }
  | { type: 'integer'; limits: { min: number; max: number } }
  | { type: 'oneOf'; values: readonly string[] }
  | { type: 'boolean' };

export interface SettingSpec {
  /** The variable the setting becomes. */
  env: EnvName;
  kind: SettingKind;
  /**
   * Whether the deployment programs take it as a key of their own (CDK context `-c <key>`, Pulumi configuration
   * `<project>:<key>`), named as the setting. The others are set by the infrastructure itself or left default.
   */
  deployKey: boolean;
}

const text = { type: 'string' } as const;
const list = { type: 'list' } as const;
const integer = (limits: { min: number; max: number }) => ({ type: 'integer', limits }) as const;
const oneOf = (values: readonly string[]) => ({ type: 'oneOf', values }) as const;

/**
 * Every server setting, in the order `serverEnvironment` writes them: its variable, its kind, and whether the
 * deployment programs read it as a key. The CDK app's context and the Pulumi program's configuration read the
 * settings from this table (no reader per key); every setting has an entry (the type says so).
 */
export const SETTINGS = {
  publicUrl: { env: ENV.publicUrl, kind: text, deployKey: true },
  sessionMode: { env: ENV.sessionMode, kind: oneOf(SESSION_MODES), deployKey: true },
  authMode: { env: ENV.authMode, kind: oneOf(AUTH_MODES), deployKey: true },
  oauthIssuer: { env: ENV.oauthIssuer, kind: text, deployKey: true },
  oauthAudience: { env: ENV.oauthAudience, kind: text, deployKey: true },
  oauthJwksUri: { env: ENV.oauthJwksUri, kind: text, deployKey: true },
  oauthScopes: { env: ENV.oauthScopes, kind: list, deployKey: true },
  oauthIntrospectionUrl: { env: ENV.oauthIntrospectionUrl, kind: text, deployKey: true },
  oauthClientId: { env: ENV.oauthClientId, kind: text, deployKey: true },
  allowedOrigins: { env: ENV.allowedOrigins, kind: list, deployKey: true },
  keepAliveSeconds: { env: ENV.keepAliveSeconds, kind: integer(LIMITS.keepAliveSeconds), deployKey: true },
  drainSeconds: { env: ENV.drainSeconds, kind: integer(LIMITS.drainSeconds), deployKey: true },
  sessionIdleSeconds: { env: ENV.sessionIdleSeconds, kind: integer(LIMITS.sessionIdleSeconds), deployKey: true },
  maxSessions: { env: ENV.maxSessions, kind: integer(LIMITS.maxSessions), deployKey: true },
  maxSessionsPerPrincipal: {
    env: ENV.maxSessionsPerPrincipal,
    kind: integer(LIMITS.maxSessionsPerPrincipal),
    deployKey: false,
  },
  logLevel: { env: ENV.logLevel, kind: oneOf(LOG_LEVELS), deployKey: true },
  /** Set by the infrastructure that creates the store (ElastiCache Serverless speaks the cluster protocol). */
  redisClusterMode: { env: ENV.redisClusterMode, kind: { type: 'boolean' }, deployKey: false },
  upstreamIssuer: { env: ENV.upstreamIssuer, kind: text, deployKey: true },
  upstreamClientId: { env: ENV.upstreamClientId, kind: text, deployKey: true },
  upstreamScopes: { env: ENV.upstreamScopes, kind: list, deployKey: true },
  brokerAllowedEmailDomains: { env: ENV.brokerAllowedEmailDomains, kind: list, deployKey: true },
  brokerAllowedGroups: { env: ENV.brokerAllowedGroups, kind: list, deployKey: true },
  brokerGroupsClaim: { env: ENV.brokerGroupsClaim, kind: text, deployKey: true },
  brokerRedirectHosts: { env: ENV.brokerRedirectHosts, kind: list, deployKey: true },
  brokerRedirectSchemes: { env: ENV.brokerRedirectSchemes, kind: list, deployKey: true },
} as const satisfies { readonly [K in keyof Required<ServerSettings>]: SettingSpec };

export type SettingKey = keyof typeof SETTINGS;
/** The settings the deployment programs read as keys of their own. */
export type DeploySettingKey = {
  [K in SettingKey]: (typeof SETTINGS)[K]['deployKey'] extends true ? K : never;
}[SettingKey];

/** The settings the deployment programs read as keys of their own, in the table's order. */
export const DEPLOY_SETTING_KEYS = (Object.keys(SETTINGS) as SettingKey[]).filter(
  (key): key is DeploySettingKey => SETTINGS[key].deployKey,
);

/**
 * The proxies in front of a deployed container: the ALB (ECS), Google's front end (Cloud Run). Each appends the
 * address it received the request from to `X-Forwarded-For`; the server takes that right-most entry as the client.
 */
export const PROXY_HOPS_BEHIND_LOAD_BALANCER = 1;

/**
 * Every variable `serverEnvironment` may set: the fixed ones (port, host, trust proxy) and one per setting.
 * Infrastructure refuses extra environment that would override them.
 */
export const MANAGED_ENV_NAMES: readonly EnvName[] = [
  ENV.port,
  ENV.host,
  ENV.trustProxy,
  ...Object.values(SETTINGS).map((setting) => setting.env),
];

/**
 * Turns settings into the container's plain environment, using the contract's variable names.
 * Containers in the cloud listen on all interfaces on CONTAINER_PORT and trust the load balancer's hop only.
 */
export function serverEnvironment(
  settings: ServerSettings,
  options: ServerEnvironmentOptions = {},
): Record<string, string> {
  const env: Record<string, string> = {
    ...(options.omitPort ? {} : { [ENV.port]: String(CONTAINER_PORT) }),
    [ENV.host]: '0.0.0.0',
    [ENV.trustProxy]: String(PROXY_HOPS_BEHIND_LOAD_BALANCER),
  };
  for (const key of Object.keys(SETTINGS) as SettingKey[]) {
    const value = settings[key];
    if (value === undefined) continue;
    env[SETTINGS[key].env] = Array.isArray(value) ? value.join(',') : String(value);
  }
  return env;
}

/**
 * Throws an Error with one clear sentence when settings could not work behind infrastructure
 * (so `cdk synth` / `pulumi preview` fail early, not the running service).
 */
export function validateServerSettings(settings: ServerSettings, where = 'server settings'): void {
  const fail = (msg: string): never => {
    throw new Error(`${where}: ${msg}`);
  };
  const keepAlive = settings.keepAliveSeconds ?? DEFAULTS.keepAliveSeconds;
  if (
    !Number.isInteger(keepAlive) ||
    keepAlive < LIMITS.keepAliveSeconds.min ||
    keepAlive > LIMITS.keepAliveSeconds.max
  ) {
    fail(
      `keepAliveSeconds must be an integer from ${LIMITS.keepAliveSeconds.min} to ${LIMITS.keepAliveSeconds.max}, got ${keepAlive}`,
    );
  }
  const drain = settings.drainSeconds ?? DEFAULTS.drainSeconds;
  if (!Number.isInteger(drain) || drain < LIMITS.drainSeconds.min || drain > LIMITS.drainSeconds.max) {
    fail(`drainSeconds must be an integer from ${LIMITS.drainSeconds.min} to ${LIMITS.drainSeconds.max}, got ${drain}`);
  }
  for (const key of ['sessionIdleSeconds', 'maxSessions', 'maxSessionsPerPrincipal'] as const) {
    const value = settings[key];
    const { min, max } = LIMITS[key];
    if (value !== undefined && (!Number.isInteger(value) || value < min || value > max)) {
      fail(`${key} must be an integer from ${min} to ${max}, got ${value}`);
    }
  }
  if (settings.sessionMode !== undefined && !SESSION_MODES.includes(settings.sessionMode)) {
    fail(`sessionMode must be one of ${SESSION_MODES.join(', ')}, got ${String(settings.sessionMode)}`);
  }
  const authMode = settings.authMode;
  if (authMode !== undefined && !AUTH_MODES.includes(authMode)) {
    fail(`authMode must be one of ${AUTH_MODES.join(', ')}, got ${String(authMode)}`);
  }
  if (authMode === 'none' || authMode === 'dev') {
    fail(`authMode '${authMode}' only runs on loopback; a deployed service needs 'oauth', 'token' or 'broker'`);
  }
  if (authMode === 'oauth' && !settings.oauthIssuer) {
    fail(`authMode 'oauth' needs oauthIssuer (the authorization server's issuer URL)`);
  }
  if (authMode === 'broker' && (!settings.upstreamIssuer || !settings.upstreamClientId)) {
    fail(`authMode 'broker' needs upstreamIssuer and upstreamClientId (the identity provider users sign in with)`);
  }
  // Introspection authenticates as a client: the server refuses to start without OAUTH_CLIENT_ID (and its secret).
  if (settings.oauthIntrospectionUrl && !settings.oauthClientId) {
    fail('oauthIntrospectionUrl needs oauthClientId (the server introspects tokens as that client)');
  }
  for (const [key, value] of [
    ['publicUrl', settings.publicUrl],
    ['oauthIssuer', settings.oauthIssuer],
    ['oauthJwksUri', settings.oauthJwksUri],
    ['oauthIntrospectionUrl', settings.oauthIntrospectionUrl],
    ['upstreamIssuer', settings.upstreamIssuer],
  ] as const) {
    if (value !== undefined && !isHttpsUrlOrToken(value)) fail(`${key} must be an https:// URL, got ${value}`);
  }
  // The server refuses such a URL at start-up (it is the OAuth resource identifier): fail at synth / preview instead.
  if (settings.publicUrl !== undefined && /[?#]/.test(settings.publicUrl)) {
    fail(`publicUrl must not contain a query or fragment, got ${settings.publicUrl}`);
  }
}

/** Infra values may be unresolved tokens (CDK `${Token[...]}`, Pulumi outputs rendered later): accept those. */
function isHttpsUrlOrToken(value: string): boolean {
  if (value.includes('${Token[')) return true;
  try {
    return new URL(value).protocol === 'https:';
  } catch {
    return false;
  }
}

/** Shortest static bearer token the server accepts (`MCP_BEARER_TOKENS`): shorter secrets are guessable. */
export const MIN_BEARER_TOKEN_LENGTH = 16;

/** The prefix of a `MCP_BEARER_TOKENS` entry that holds the SHA-256 digest of a token instead of the token. */
export const BEARER_TOKEN_DIGEST_PREFIX = 'sha256:';

/**
 * What is wrong with one `MCP_BEARER_TOKENS` entry, or undefined when the server accepts it: a token of at least
 * `MIN_BEARER_TOKEN_LENGTH` characters, or `sha256:` followed by 64 hex digits. The answer never contains the
 * token itself (only its length), so it can go into any log or error message.
 */
export function bearerTokenProblem(token: string): string | undefined {
  if (token.toLowerCase().startsWith(BEARER_TOKEN_DIGEST_PREFIX)) {
    return /^[0-9a-f]{64}$/i.test(token.slice(BEARER_TOKEN_DIGEST_PREFIX.length))
      ? undefined
      : `a ${BEARER_TOKEN_DIGEST_PREFIX} entry must be followed by 64 hex digits`;
  }
  if (token.length < MIN_BEARER_TOKEN_LENGTH) {
    return `tokens must be at least ${MIN_BEARER_TOKEN_LENGTH} characters long (got ${token.length}); generate one with: openssl rand -base64 32`;
  }
  return undefined;
}

/** `MCP_BEARER_TOKENS` as the server splits it: comma-separated, each entry trimmed, empty entries dropped. */
export function parseBearerTokens(value: string | readonly string[]): string[] {
  const entries = typeof value === 'string' ? value.split(',') : value.flatMap((v) => v.split(','));
  return entries.map((t) => t.trim()).filter(Boolean);
}

/**
 * What is wrong with a whole `MCP_BEARER_TOKENS` value (`entry <n>: <problem>`, or that it holds no token), or
 * undefined when the server would start with it. Never contains a token.
 */
export function bearerTokensProblem(value: string | readonly string[]): string | undefined {
  const tokens = parseBearerTokens(value);
  if (tokens.length === 0) {
    return `no token: give a comma-separated list of tokens (at least ${MIN_BEARER_TOKEN_LENGTH} characters each) or ${BEARER_TOKEN_DIGEST_PREFIX}<hex> digests of them`;
  }
  for (const [i, token] of tokens.entries()) {
    const problem = bearerTokenProblem(token);
    if (problem) return `entry ${i + 1}: ${problem}`;
  }
  return undefined;
}

/** Fargate caps a container's stopTimeout at 120 s. */
export const FARGATE_MAX_STOP_TIMEOUT_SECONDS = 120;

/** Time the process needs after draining to close and flush its logs, before SIGKILL. */
export const STOP_TIMEOUT_MARGIN_SECONDS = 5;

/** ECS container stopTimeout for a drain time: drain plus a margin for shutdown, capped at Fargate's 120 s maximum. */
export function stopTimeoutSeconds(drainSeconds: number = DEFAULTS.drainSeconds): number {
  return Math.min(FARGATE_MAX_STOP_TIMEOUT_SECONDS, drainSeconds + STOP_TIMEOUT_MARGIN_SECONDS);
}

/** The longest drain whose stopTimeout (drain + margin) still fits `maxStopTimeoutSeconds` (115 s on Fargate). */
export function maxDrainSecondsForStopTimeout(
  maxStopTimeoutSeconds: number = FARGATE_MAX_STOP_TIMEOUT_SECONDS,
): number {
  return maxStopTimeoutSeconds - STOP_TIMEOUT_MARGIN_SECONDS;
}

/**
 * Node's HTTP keep-alive timeout, above the ALB's maximum idle timeout (4000 s): the load balancer must always be
 * the side that closes an idle connection, or it may reuse one Node has just closed (intermittent 502s).
 */
export const NODE_KEEP_ALIVE_TIMEOUT_SECONDS = 4005;

/** Algorithms the server accepts for its signing keys (asymmetric: the public halves are published in its JWKS). */
export const BROKER_SIGNING_KEY_ALGS: readonly string[] = ['ES256', 'ES384', 'RS256', 'PS256', 'EdDSA'];

/**
 * What is wrong with a `BROKER_SIGNING_KEYS` value's shape (a JWKS of private keys with distinct `kid`s and a known
 * `alg`), or undefined when it has that shape. The server parses the value with this function, and checks the key material when it imports
 * the keys. The answer never contains the value.
 */
export function signingKeysProblem(value: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return 'must be a JWKS in JSON, {"keys":[…]} (npm run broker:keys makes one)';
  }
  const keys = (parsed as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys) || keys.length === 0) return 'must be a JWKS with at least one key: {"keys":[…]}';
  const kids = new Set<string>();
  for (const [i, key] of (keys as unknown[]).entries()) {
    const where = `key ${i + 1}`;
    if (typeof key !== 'object' || key === null || Array.isArray(key)) return `${where} is not a JWK object`;
    const k = key as Record<string, unknown>;
    if (typeof k.kid !== 'string' || !k.kid) return `${where} needs a "kid"`;
    if (kids.has(k.kid)) return `${where}: its kid appears twice`;
    kids.add(k.kid);
    if (typeof k.alg !== 'string' || !BROKER_SIGNING_KEY_ALGS.includes(k.alg))
      return `${where}: "alg" must be one of ${BROKER_SIGNING_KEY_ALGS.join(', ')}`;
    if (typeof k.d !== 'string') return `${where} is not a private key (no "d")`;
  }
  return undefined;
}

/** Shortest `MCP_REQUEST_STATE_KEYS` entry, in bytes (the SDK's HMAC codec needs 256 bits). */
export const MIN_REQUEST_STATE_KEY_BYTES = 32;

/** What is wrong with a `MCP_REQUEST_STATE_KEYS` value (never the value itself). */
export function requestStateKeysProblem(value: string): string | undefined {
  const keys = value.split(',').map((k) => k.trim());
  if (keys.length === 0 || keys.every((k) => k === '')) return 'must list at least one key';
  for (const [i, key] of keys.entries()) {
    const bytes = Buffer.byteLength(key, 'utf8');
    if (bytes < MIN_REQUEST_STATE_KEY_BYTES) {
      return `entry ${i + 1} is ${bytes} bytes; each key needs at least ${MIN_REQUEST_STATE_KEY_BYTES} (e.g. openssl rand -base64 48)`;
    }
  }
  return undefined;
}
